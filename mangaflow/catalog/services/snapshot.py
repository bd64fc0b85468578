"""The weekly snapshot (seed 003, task 1.4): every entry, ACTIVE and ORPHANED, in one
portable file ``processed/enriched_anime_database.json``; and restoring from it, all or
nothing (every entry validated before the first write), re-indexing what the index lacks."""

from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError as PydanticValidationError

from mangaflow.catalog.domain import ATTRIBUTION, AnimeEntry
from mangaflow.catalog.parts import COLLECTION, Catalog
from mangaflow.catalog.services import index
from mangaflow.platform.errors import NotFound, ValidationError
from mangaflow.platform.requests.model import utcnow

SNAPSHOT_KEY = "processed/enriched_anime_database.json"


def snapshot(cat: Catalog, key: str = SNAPSHOT_KEY) -> dict[str, Any]:
    entries = sorted(cat.store.all(), key=lambda e: e.anime_id)
    version = cat.store.source_version() or {}
    doc = {"format": "mangaflow-catalog-snapshot/1", "created_at": utcnow(),
           "source_version": version.get("version", ""), "license": ATTRIBUTION,
           "count": len(entries), "data": [e.model_dump(mode="json") for e in entries]}  # fmt: skip
    cat.c.blobs.put(key, json.dumps(doc, ensure_ascii=False).encode(), "application/json")
    return {"key": key, "location": cat.c.blobs.locate(key), "count": len(entries)}


def restore(cat: Catalog, key: str = SNAPSHOT_KEY, data: bytes | None = None) -> dict[str, Any]:
    if data is None:
        try:
            data = cat.c.blobs.get(key)
        except NotFound as exc:
            raise NotFound(f"no snapshot at {key!r}") from exc
    try:
        doc = json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValidationError(f"snapshot {key!r} is not JSON ({exc})") from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("data"), list):
        raise ValidationError(f"snapshot {key!r} has no 'data' list")
    entries = []
    for i, raw in enumerate(doc["data"]):
        try:
            entries.append(AnimeEntry.model_validate(raw))
        except PydanticValidationError as exc:
            err = exc.errors()[0]
            where = ".".join(str(p) for p in err["loc"])
            raise ValidationError(f"snapshot {key!r}, data[{i}].{where}: {err['msg']}",
                                  details=[{"field": f"data[{i}].{where}", "message": err["msg"]}]) from exc  # fmt: skip
    cat.store.put_many(entries)
    index.ensure(cat)
    have = {p.id for p in cat.index.get(COLLECTION, [e.anime_id for e in entries])}
    missing = [e for e in entries if e.anime_id not in have]
    indexed = index.index_entries(cat, missing)
    for status in ("ACTIVE", "ORPHANED"):
        ids = [e.anime_id for e in entries if e.system_status == status and e.anime_id in have]
        index.update_status(cat, ids, status)
    cat.store.bump_generation()
    return {"key": key, "restored": len(entries), "indexed": indexed}
