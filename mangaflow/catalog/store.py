"""The catalog's records on the platform's :class:`ItemTable` (single-table keys; on AWS the
catalog's own table, ``MANGAFLOW_CATALOG_TABLE``). The only code that knows their keys.

=====================  ================================  ==============================
item                   PK | SK                           GSI1PK | GSI1SK (status index)
=====================  ================================  ==============================
entry                  ANIME#id | ENTRY                  CATALOG#STATUS#<system_status> | id
enrichment lock        ANIME#id | LOCK  (ttl)
review queue item      ANIME#id | REVIEW                 CATALOG#REVIEW | created_at
image map              CATIMG#sha256(url) | MAP  (ttl on failures)
image dead letter      CATALOG#DLQ | ts#uuid
sync run               CATALOG#SYNC | started_at#id
source version         CATALOG#SOURCE | LATEST
generation counter     CATALOG#META | GENERATION
=====================  ================================  ==============================
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from mangaflow.catalog.domain import AnimeEntry, ReviewItem, SyncReport, SystemStatus
from mangaflow.platform.errors import ConditionFailed, NotFound
from mangaflow.platform.ports import Delete, ItemTable, Put
from mangaflow.platform.requests.model import utcnow
from mangaflow.platform.requests.store import strip_keys

BATCH = 25  # writes per transaction (DynamoDB allows 100 ops; items are large)


def _entry_item(entry: AnimeEntry) -> dict[str, Any]:
    return {
        "PK": f"ANIME#{entry.anime_id}", "SK": "ENTRY",
        "GSI1PK": f"CATALOG#STATUS#{entry.system_status}", "GSI1SK": entry.anime_id,
        **entry.model_dump(mode="json"),
    }  # fmt: skip


class CatalogStore:
    """Reads and writes the catalog's records."""

    def __init__(self, table: ItemTable) -> None:
        self.table = table

    # ------------------------------------------------------------------ entries
    def get(self, anime_id: str) -> AnimeEntry | None:
        item = self.table.get(f"ANIME#{anime_id}", "ENTRY")
        return AnimeEntry.model_validate(strip_keys(item)) if item else None

    def require(self, anime_id: str) -> AnimeEntry:
        entry = self.get(anime_id)
        if entry is None:
            raise NotFound(f"no anime with id {anime_id!r} in the catalog")
        return entry

    def get_many(self, ids: Sequence[str]) -> dict[str, AnimeEntry]:
        found = {}
        for anime_id in ids:
            entry = self.get(anime_id)
            if entry is not None:
                found[anime_id] = entry
        return found

    def put(self, entry: AnimeEntry) -> None:
        self.table.put(Put(_entry_item(entry)))

    def put_many(self, entries: Iterable[AnimeEntry]) -> int:
        n = 0
        batch: list[Put | Delete] = []
        for entry in entries:
            batch.append(Put(_entry_item(entry)))
            if len(batch) == BATCH:
                self.table.transact(batch)
                n, batch = n + len(batch), []
        if batch:
            self.table.transact(batch)
            n += len(batch)
        return n

    def by_status(self, status: SystemStatus) -> Iterator[AnimeEntry]:
        for item in self.table.query(f"CATALOG#STATUS#{status}", index="GSI1"):
            yield AnimeEntry.model_validate(strip_keys(item))

    def all(self) -> Iterator[AnimeEntry]:
        for status in SystemStatus:
            yield from self.by_status(status)

    def has(self, status: SystemStatus) -> bool:
        """Whether any entry has this status (one item read, whatever the catalog's size)."""
        return bool(self.table.query(f"CATALOG#STATUS#{status}", index="GSI1", limit=1))

    def count(self, status: SystemStatus) -> int:
        return len(self.table.query(f"CATALOG#STATUS#{status}", index="GSI1"))

    # -------------------------------------------------------------------- locks
    def acquire_lock(self, anime_id: str, owner: str, ttl_seconds: float) -> bool:
        """Take the enrichment lock of a new entry by conditional write; a lock past its
        ``ttl`` is stale (its holder died) and is taken over, again conditionally."""
        now = time.time()
        item = {"PK": f"ANIME#{anime_id}", "SK": "LOCK", "owner": owner,
                "ttl": int(now + ttl_seconds), "taken_at": utcnow()}  # fmt: skip
        try:
            self.table.put(Put(item, if_not_exists=True))
            return True
        except ConditionFailed:
            pass
        held = self.table.get(f"ANIME#{anime_id}", "LOCK")
        if held is None or held.get("ttl", 0) > now:
            return False
        try:
            self.table.put(Put(item, if_equals={"owner": held["owner"], "ttl": held["ttl"]}))
            return True
        except ConditionFailed:
            return False

    def lock_owner(self, anime_id: str) -> str | None:
        held = self.table.get(f"ANIME#{anime_id}", "LOCK")
        return held["owner"] if held else None

    def release_lock(self, anime_id: str) -> None:
        self.table.delete(f"ANIME#{anime_id}", "LOCK")

    # ------------------------------------------------------------------- review
    def put_review(self, review: ReviewItem) -> None:
        self.table.put(Put({
            "PK": f"ANIME#{review.anime_id}", "SK": "REVIEW",
            "GSI1PK": "CATALOG#REVIEW", "GSI1SK": f"{review.created_at}#{review.anime_id}",
            **review.model_dump(mode="json"),
        }))  # fmt: skip

    def get_review(self, anime_id: str) -> ReviewItem | None:
        item = self.table.get(f"ANIME#{anime_id}", "REVIEW")
        return ReviewItem.model_validate(strip_keys(item)) if item else None

    def reviews(self, limit: int | None = None) -> list[ReviewItem]:
        items = self.table.query("CATALOG#REVIEW", index="GSI1", limit=limit)
        return [ReviewItem.model_validate(strip_keys(i)) for i in items]

    def commit_review(self, anime_id: str, entry: AnimeEntry | None) -> None:
        """Remove the review item and, when given, write the entry, in one transaction."""
        ops: list[Put | Delete] = [Delete(f"ANIME#{anime_id}", "REVIEW")]
        if entry is not None:
            ops.insert(0, Put(_entry_item(entry)))
        self.table.transact(ops)

    # ------------------------------------------------------------------- images
    def image_map(self, url_hash: str) -> dict[str, Any] | None:
        item = self.table.get(f"CATIMG#{url_hash}", "MAP")
        return strip_keys(item) if item else None

    def put_image_map(self, url_hash: str, record: dict[str, Any]) -> None:
        self.table.put(Put({"PK": f"CATIMG#{url_hash}", "SK": "MAP", **record}))

    def add_image_dead_letter(self, record: dict[str, Any]) -> str:
        dl_id = f"{utcnow()}#{uuid.uuid4().hex[:8]}"
        self.table.put(Put({"PK": "CATALOG#DLQ", "SK": dl_id, "dl_id": dl_id, **record}))
        return dl_id

    def image_dead_letters(self) -> list[dict[str, Any]]:
        return [strip_keys(i) for i in self.table.query("CATALOG#DLQ")]

    # --------------------------------------------------------------- sync state
    def source_version(self) -> dict[str, Any] | None:
        item = self.table.get("CATALOG#SOURCE", "LATEST")
        return strip_keys(item) if item else None

    def set_source_version(self, source: str, version: str, lastupdate: str = "") -> None:
        self.table.put(Put({"PK": "CATALOG#SOURCE", "SK": "LATEST", "source": source,
                            "version": version, "last_update": lastupdate,
                            "synced_at": utcnow()}))  # fmt: skip

    def add_sync(self, report: SyncReport) -> None:
        sk = f"{report.started_at}#{report.sync_id}"
        data = report.model_dump(mode="json")
        data["new_ids"] = data["new_ids"][:200]
        self.table.put(Put({"PK": "CATALOG#SYNC", "SK": sk, **data}))

    def syncs(self, limit: int = 20) -> list[SyncReport]:
        items = self.table.query("CATALOG#SYNC", descending=True, limit=limit)
        return [SyncReport.model_validate(strip_keys(i)) for i in items]

    def generation(self) -> int:
        item = self.table.get("CATALOG#META", "GENERATION")
        return int(item["value"]) if item else 0

    def bump_generation(self) -> None:
        """Search results cached anywhere are stale after this (every committed change)."""
        for _ in range(5):
            current = self.table.get("CATALOG#META", "GENERATION")
            value = int(current["value"]) if current else 0
            item = {"PK": "CATALOG#META", "SK": "GENERATION", "value": value + 1}
            try:
                if current:
                    self.table.put(Put(item, if_equals={"value": current["value"]}))
                else:
                    self.table.put(Put(item, if_not_exists=True))
                return
            except ConditionFailed:
                continue
