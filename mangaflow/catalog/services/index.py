"""Keeping the vector index in step with the item store: one point per entry, id ``anime_id``,
vector from :meth:`AnimeEntry.embedding_text`, payload the fields search filters on."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from mangaflow.catalog.domain import AnimeEntry
from mangaflow.catalog.parts import COLLECTION, Catalog
from mangaflow.platform.ports import VectorPoint

INDEXED = {"type": "keyword", "status": "keyword", "year": "integer", "tags": "keyword",
           "studios": "keyword", "system_status": "keyword"}  # fmt: skip


def ensure(cat: Catalog) -> None:
    cat.index.ensure_collection(COLLECTION, cat.embedder.dim, INDEXED)


def index_entries(
    cat: Catalog,
    entries: Iterable[AnimeEntry],
    *,
    batch: int = 4096,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Embed and upsert ``entries``; returns how many were indexed."""
    ensure(cat)
    done = 0
    pending: list[AnimeEntry] = []

    def flush() -> None:
        nonlocal done, pending
        if not pending:
            return
        result = cat.embedder.embed([e.embedding_text() for e in pending])
        cat.index.upsert(COLLECTION, [
            VectorPoint(id=e.anime_id, vector=v.tolist(), payload=e.payload())
            for e, v in zip(pending, result.vectors, strict=True)
        ])  # fmt: skip
        done += len(pending)
        pending = []
        if progress:
            progress(done)

    for entry in entries:
        pending.append(entry)
        if len(pending) >= batch:
            flush()
    flush()
    return done


def update_status(cat: Catalog, ids: Sequence[str], system_status: str) -> None:
    """Move points between ACTIVE and ORPHANED without re-embedding them."""
    if ids:
        ensure(cat)
        cat.index.set_payload(COLLECTION, list(ids), {"system_status": system_status})
