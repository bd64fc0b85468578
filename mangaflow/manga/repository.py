"""Manga's records in the single-table design (SPEC §5), on top of :class:`ItemTable`. Requests,
usage, event claims and dead letters are the platform's (:mod:`mangaflow.platform.requests.store`).

=====================  ============================  ==========================  =======================
item                   PK | SK                       GSI1PK | GSI1SK             GSI2PK | GSI2SK
=====================  ============================  ==========================  =======================
preferences            USER#u | PREFERENCES#ts       USER#u | PREFERENCES#ts
story                  USER#u | STORY#s              STORY#s | METADATA          STATUS#x | createdAt
episode                STORY#s | EPISODE#nnn         EPISODE#e | METADATA        STATUS#x | createdAt
panel image version    STORY#s | EPISODE#nnn#PANEL#ppp#V#vvvv
batch of stories       USER#u | BATCH#b              BATCH#b | METADATA
insights cache         INSIGHTS#fingerprint | LATEST
=====================  ============================  ==========================  =======================
"""

from __future__ import annotations

import time
from typing import Any

from mangaflow.manga.domain.preferences import Preferences
from mangaflow.manga.domain.records import BatchOutcome, BatchRecord, EpisodeRecord, StoryRecord
from mangaflow.platform.context import Context
from mangaflow.platform.errors import ConditionFailed, NotFound
from mangaflow.platform.ports import ItemTable, Put
from mangaflow.platform.requests.model import GenerationRequest, utcnow
from mangaflow.platform.requests.store import RequestStore
from mangaflow.platform.requests.store import strip_keys as _strip


def episode_sk(number: int) -> str:
    return f"EPISODE#{number:03d}"


class Repository:
    """Reads and writes manga's records; the only code that knows their keys."""

    def __init__(self, table: ItemTable) -> None:
        self.table = table
        self.requests = RequestStore(table)

    # ------------------------------------------------------------- preferences
    def preferences_item(self, user_id: str, prefs: Preferences, ts: str) -> dict[str, Any]:
        sk = f"PREFERENCES#{ts}"
        return {
            "PK": f"USER#{user_id}", "SK": sk, "GSI1PK": f"USER#{user_id}", "GSI1SK": sk,
            "preferences": prefs.wire(), "insights": None, "createdAt": ts,
        }  # fmt: skip

    def latest_preferences(self, user_id: str) -> Preferences | None:
        rows = self.table.query(f"USER#{user_id}", "PREFERENCES#", descending=True, limit=1)
        return Preferences.model_validate(rows[0]["preferences"]) if rows else None

    def save_insights(
        self, user_id: str, prefs_ts: str, prefs: Preferences, insights: dict[str, Any],
        *, cache: bool = True,
    ) -> None:  # fmt: skip
        """Store insights with the preferences they answer; ``cache`` also keeps them as the
        fallback for the same preferences later."""
        item = self.table.get(f"USER#{user_id}", f"PREFERENCES#{prefs_ts}")
        if item is not None:
            item["insights"] = insights
            self.table.put(Put(item))
        if not cache:
            return
        self.table.put(
            Put({"PK": f"INSIGHTS#{prefs.fingerprint()}", "SK": "LATEST", "insights": insights,
                 "updatedAt": utcnow()})
        )  # fmt: skip

    def cached_insights(self, prefs: Preferences) -> dict[str, Any] | None:
        item = self.table.get(f"INSIGHTS#{prefs.fingerprint()}", "LATEST")
        return item["insights"] if item else None

    # ---------------------------------------------------------------- requests
    def create_request(
        self, req: GenerationRequest, prefs: Preferences | None = None
    ) -> GenerationRequest:
        """Store a new request (with the preferences it was made from) atomically."""
        if prefs is None:
            return self.requests.create_request(req)
        return self.requests.create_request(
            req, {"preferences": prefs.wire(), "preferencesTs": req.created_at},
            with_items=[Put(self.preferences_item(req.user_id, prefs, req.created_at))],
        )  # fmt: skip

    def request_preferences(self, request_id: str) -> tuple[Preferences, str]:
        raw = self.requests.raw(request_id)
        if not raw.get("preferences"):
            raise NotFound(f"request {request_id} carries no preferences")
        return Preferences.model_validate(raw["preferences"]), raw.get("preferencesTs", "")

    # ----------------------------------------------------------------- stories
    def save_story(self, story: StoryRecord) -> None:
        now = utcnow()
        fields = story.item()
        item = {
            "PK": f"USER#{story.user_id}", "SK": f"STORY#{story.story_id}",
            "GSI1PK": f"STORY#{story.story_id}", "GSI1SK": "METADATA",
            "GSI2PK": f"STATUS#{story.status}", "GSI2SK": fields.get("createdAt", now),
            **fields, "createdAt": fields.get("createdAt", now), "updatedAt": now,
        }  # fmt: skip
        self.table.put(Put(item))

    def get_story(self, story_id: str, user_id: str | None = None) -> StoryRecord:
        rows = self.table.query(f"STORY#{story_id}", "METADATA", index="GSI1", limit=1)
        story = StoryRecord.model_validate(_strip(rows[0])) if rows else None
        if story is None or (user_id is not None and story.user_id != user_id):
            raise NotFound(f"no story {story_id}")
        return story

    def list_stories(self, user_id: str) -> list[StoryRecord]:
        """The user's stories, newest first."""
        rows = self.table.query(f"USER#{user_id}", "STORY#")
        stories = [StoryRecord.model_validate(_strip(r)) for r in rows]
        return sorted(stories, key=lambda s: s.created_at, reverse=True)

    # ---------------------------------------------------------------- episodes
    def claim_episode_number(self, story_id: str, user_id: str, number: int | None = None) -> int:
        """Reserve the next (or the given) episode number; concurrent callers get distinct ones."""
        for _ in range(50):
            n = number or self.next_episode_number(story_id)
            item = {
                "PK": f"STORY#{story_id}", "SK": episode_sk(n), "storyId": story_id,
                "userId": user_id, "number": n, "status": "GENERATING", "createdAt": utcnow(),
            }  # fmt: skip
            try:
                self.table.put(Put(item, if_not_exists=True))
                return n
            except ConditionFailed:
                if number is not None:
                    return number  # already claimed (a retried run): reuse it
        raise ConditionFailed(f"could not claim an episode number for story {story_id}")

    def claim_panel_version(self, story_id: str, number: int, panel: int) -> int:
        """Reserve the next image version of a panel (v1 is the original drawing);
        concurrent regenerations get distinct versions."""
        pk = f"STORY#{story_id}"
        prefix = f"{episode_sk(number)}#PANEL#{panel:03d}#V#"
        for _ in range(50):
            rows = self.table.query(pk, prefix, descending=True, limit=1)
            version = int(rows[0]["version"]) + 1 if rows else 2
            try:
                self.table.put(Put({"PK": pk, "SK": f"{prefix}{version:04d}", "version": version,
                                    "createdAt": utcnow()}, if_not_exists=True))  # fmt: skip
                return version
            except ConditionFailed:
                continue
        raise ConditionFailed(f"could not claim a new version of panel {panel}")

    def next_episode_number(self, story_id: str) -> int:
        numbers = [e.number for e in self.list_episodes(story_id)]
        return max(numbers) + 1 if numbers else 1

    def save_episode(self, episode: EpisodeRecord) -> None:
        """Store a written episode over its claimed slot (keeping the slot's other keys)."""
        story_id, number = episode.story_id, episode.number
        current = self.table.get(f"STORY#{story_id}", episode_sk(number)) or {}
        fields = episode.item()
        now = utcnow()
        item = {
            **current, **fields, "PK": f"STORY#{story_id}", "SK": episode_sk(number),
            "GSI1PK": f"EPISODE#{episode.episode_id}", "GSI1SK": "METADATA",
            "GSI2PK": f"STATUS#{fields.get('status', current.get('status', 'GENERATING'))}",
            "GSI2SK": current.get("createdAt", now), "storyId": story_id, "number": number,
            "createdAt": current.get("createdAt", now), "updatedAt": now,
        }  # fmt: skip
        self.table.put(Put(item))

    def update_episode(self, episode_id: str, **changes: Any) -> EpisodeRecord:
        """Change attributes of an episode (by attribute name: ``pdf_s3_key=...``)."""
        self.save_episode(self.get_episode(episode_id).changed(**changes))
        return self.get_episode(episode_id)

    def get_episode(self, episode_id: str, user_id: str | None = None) -> EpisodeRecord:
        rows = self.table.query(f"EPISODE#{episode_id}", "METADATA", index="GSI1", limit=1)
        episode = EpisodeRecord.model_validate(_strip(rows[0])) if rows else None
        if episode is None or (user_id is not None and episode.user_id != user_id):
            raise NotFound(f"no episode {episode_id}")
        return episode

    def list_episodes(self, story_id: str) -> list[EpisodeRecord]:
        """A story's episodes by number, claimed slots included (see ``EpisodeRecord.written``)."""
        rows = self.table.query(f"STORY#{story_id}", "EPISODE#")
        return [EpisodeRecord.model_validate(_strip(r)) for r in rows if "#PANEL#" not in r["SK"]]

    # ----------------------------------------------------------------- batches
    def create_batch(self, batch: BatchRecord) -> BatchRecord:
        """Store a new batch (status PENDING, no story outcomes yet)."""
        now = utcnow()
        item = {
            "PK": f"USER#{batch.user_id}", "SK": f"BATCH#{batch.batch_id}",
            "GSI1PK": f"BATCH#{batch.batch_id}", "GSI1SK": "METADATA", "batchId": batch.batch_id,
            "userId": batch.user_id, "status": "PENDING", "stories": [], "error": None,
            "createdAt": now, "updatedAt": now, "version": 0, **batch.item(),
        }  # fmt: skip
        self.table.put(Put(item, if_not_exists=True))
        return BatchRecord.model_validate(_strip(item))

    def get_batch(self, batch_id: str, user_id: str | None = None) -> BatchRecord:
        rows = self.table.query(f"BATCH#{batch_id}", "METADATA", index="GSI1", limit=1)
        batch = BatchRecord.model_validate(_strip(rows[0])) if rows else None
        if batch is None or (user_id is not None and batch.user_id != user_id):
            raise NotFound(f"no batch {batch_id}")
        return batch

    def update_batch(
        self, batch_id: str, *, story: BatchOutcome | None = None, **changes: Any
    ) -> BatchRecord:
        """Change a batch (by attribute name); ``story`` replaces the outcome with the same
        ``index`` (or adds it), keeping outcomes in index order. Optimistic check on
        ``version``, retried on a race."""
        stored = BatchRecord.stored_names(changes)
        for _ in range(20):
            raw = self.table.query(f"BATCH#{batch_id}", "METADATA", index="GSI1", limit=1)
            if not raw:
                raise NotFound(f"no batch {batch_id}")
            full = self.table.get(raw[0]["PK"], raw[0]["SK"]) or raw[0]
            before = full.get("version", 0)
            full.update(stored)
            if story is not None:
                others = [s for s in full.get("stories", []) if s["index"] != story.index]
                full["stories"] = sorted([*others, story.item()], key=lambda s: int(s["index"]))
            full["version"] = before + 1
            full["updatedAt"] = utcnow()
            try:
                self.table.put(Put(full, if_equals={"version": before}))
            except ConditionFailed:
                time.sleep(0.01)
                continue
            return BatchRecord.model_validate(_strip(full))
        raise ConditionFailed(f"batch {batch_id} kept changing; update abandoned")


def repo(c: Context) -> Repository:
    """Manga's repository on the context's item table (one per context)."""
    return c.store(Repository)
