"""Semantic search with structured filters, get by id with field projection, and "similar
to". Orphaned entries are hidden unless asked for. Results are cached per process, keyed by
the query and the catalog's generation (bumped by every committed change), so a cached answer
is never stale."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator
from pydantic import ValidationError as PydanticValidationError

from mangaflow.catalog.domain import AIRING_STATUSES, ANIME_TYPES, AnimeEntry, SystemStatus
from mangaflow.catalog.parts import COLLECTION, Catalog
from mangaflow.catalog.services import index
from mangaflow.platform.errors import NotFound, ValidationError
from mangaflow.platform.ports import VectorFilter

FIELDS = tuple(AnimeEntry.model_fields)


class SearchQuery(BaseModel):
    """A search: free text and filters (every list is OR within itself, AND across filters,
    except ``tags``: an entry must carry every tag)."""

    model_config = ConfigDict(extra="forbid")

    query: str = Field(min_length=1, max_length=500)
    type: list[str] = Field(default_factory=list)
    status: list[str] = Field(default_factory=list)
    year_from: int | None = Field(default=None, ge=1900, le=2200)
    year_to: int | None = Field(default=None, ge=1900, le=2200)
    tags: list[str] = Field(default_factory=list, max_length=20)
    studios: list[str] = Field(default_factory=list, max_length=20)
    include_orphaned: bool = False
    limit: int = Field(default=10, ge=1, le=100)
    fields: list[str] = Field(default_factory=list)

    @field_validator("type", "status")
    @classmethod
    def _known(cls, v: list[str], info: ValidationInfo) -> list[str]:
        allowed = ANIME_TYPES if info.field_name == "type" else AIRING_STATUSES
        v = [t.upper() for t in v]
        bad = [t for t in v if t not in allowed]
        if bad:
            raise ValueError(f"unknown {info.field_name} {bad[0]!r} (one of {', '.join(allowed)})")
        return v

    @field_validator("fields")
    @classmethod
    def _fields(cls, v: list[str]) -> list[str]:
        return check_fields(v)

    @model_validator(mode="after")
    def _years(self) -> SearchQuery:
        if self.year_from and self.year_to and self.year_from > self.year_to:
            raise ValueError(f"year_from {self.year_from} is after year_to {self.year_to}")
        return self

    def vector_filter(self) -> VectorFilter:
        ranges: dict[str, tuple[float | None, float | None]] = {}
        if self.year_from is not None or self.year_to is not None:
            ranges["year"] = (self.year_from, self.year_to)
        return VectorFilter(
            any_of={k: v for k, v in (("type", self.type), ("status", self.status),
                                      ("studios", [s.lower() for s in self.studios])) if v},
            all_of={"tags": [t.lower() for t in self.tags]} if self.tags else {},
            ranges=ranges,
            exclude={} if self.include_orphaned else {"system_status": [str(SystemStatus.ORPHANED)]},
        )  # fmt: skip


def check_fields(fields: list[str]) -> list[str]:
    bad = [f for f in fields if f not in FIELDS]
    if bad:
        raise ValueError(f"unknown field {bad[0]!r} (fields: {', '.join(FIELDS)})")
    return fields


def parse_query(data: dict[str, Any]) -> SearchQuery:
    try:
        return SearchQuery.model_validate(data)
    except PydanticValidationError as exc:
        details = [{"field": ".".join(str(p) for p in e["loc"]) or "query",
                    "message": e["msg"].removeprefix("Value error, ")} for e in exc.errors()]  # fmt: skip
        raise ValidationError("invalid search: " + "; ".join(
            f"{d['field']}: {d['message']}" for d in details), details=details) from exc


def project(entry: AnimeEntry, fields: list[str]) -> dict[str, Any]:
    data = entry.model_dump(mode="json")
    return {k: data[k] for k in fields} if fields else data


class _Cache:
    def __init__(self, size: int = 512) -> None:
        self.size, self.items, self.lock = size, OrderedDict[Any, Any](), threading.Lock()
        self.hits = self.misses = 0

    def get(self, key: Any) -> Any:
        with self.lock:
            if key in self.items:
                self.items.move_to_end(key)
                self.hits += 1
                return self.items[key]
            self.misses += 1
            return None

    def put(self, key: Any, value: Any) -> None:
        with self.lock:
            self.items[key] = value
            while len(self.items) > self.size:
                self.items.popitem(last=False)


def _cache(cat: Catalog) -> _Cache:
    return cat.cache.setdefault("search", _Cache())


def search(cat: Catalog, q: SearchQuery) -> dict[str, Any]:
    key = (q.model_dump_json(), cat.store.generation())
    cached = _cache(cat).get(key)
    if cached is not None:
        return {**cached, "cached": True}
    index.ensure(cat)
    vector = cat.embedder.embed([q.query]).vectors[0]
    hits = cat.index.search(COLLECTION, vector.tolist(), limit=q.limit, filter=q.vector_filter())
    result = {"query": q.query, "results": _rows(cat, hits, q.fields), "cached": False}
    _cache(cat).put(key, result)
    return result


def _rows(cat: Catalog, hits: list[Any], fields: list[str]) -> list[dict[str, Any]]:
    entries = cat.store.get_many([h.id for h in hits])
    return [{**project(entries[h.id], fields), "anime_id": h.id, "similarity": round(h.score, 4)}
            for h in hits if h.id in entries]  # fmt: skip


def valid_fields(fields: list[str] | None) -> list[str]:
    try:
        return check_fields(fields or [])
    except ValueError as exc:
        raise ValidationError(f"fields: {exc}", details=[{"field": "fields", "message": str(exc)}]) from exc


def get(cat: Catalog, anime_id: str, fields: list[str] | None = None,
        include_orphaned: bool = False) -> dict[str, Any]:  # fmt: skip
    fields = valid_fields(fields)
    entry = cat.store.get(anime_id)
    if entry is None or (entry.system_status == SystemStatus.ORPHANED and not include_orphaned):
        raise NotFound(f"no anime with id {anime_id!r} in the catalog")
    return project(entry, fields)


def similar(cat: Catalog, anime_id: str, limit: int = 10, include_orphaned: bool = False,
            fields: list[str] | None = None) -> dict[str, Any]:  # fmt: skip
    fields = valid_fields(fields)
    get(cat, anime_id, ["anime_id"], include_orphaned)
    index.ensure(cat)
    points = cat.index.get(COLLECTION, [anime_id], with_vectors=True)
    if not points or points[0].vector is None:
        raise NotFound(f"anime {anime_id!r} is not in the vector index yet")
    flt = VectorFilter(exclude={} if include_orphaned else {"system_status": [str(SystemStatus.ORPHANED)]})
    hits = cat.index.search(COLLECTION, list(points[0].vector), limit=limit, filter=flt,
                            exclude_ids=[anime_id])  # fmt: skip
    return {"anime_id": anime_id, "results": _rows(cat, hits, fields)}


def counts(cat: Catalog) -> dict[str, int]:
    """Entries per system status, counted by the index (the store would read every entry)."""
    if not cat.store.has(SystemStatus.ACTIVE) and not cat.store.has(SystemStatus.ORPHANED):
        return {str(s): 0 for s in SystemStatus}
    index.ensure(cat)
    return {str(s): cat.index.count(COLLECTION, VectorFilter(equals={"system_status": str(s)}))
            for s in SystemStatus}  # fmt: skip
