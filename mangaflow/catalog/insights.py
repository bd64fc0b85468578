"""Taste insights from the catalog (``MANGAFLOW_INSIGHTS_PROVIDER=catalog``): the titles most
like a reader's genres and themes become the recommendations the story bible is written
from, and the tags they share most the trends. Offline (no network) once a catalog is loaded;
an empty catalog is a clear error, never a silent fallback.

It opens the catalog from the settings (its table, the embedder, the vector index) on first
use. With the embedded index, one process at a time may hold it (the CLI, the API server or
the dashboard), which is why it is chosen explicitly rather than by default; with a Qdrant
server (``MANGAFLOW_QDRANT_URL``) any number of processes can use it."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterable
from typing import Any

from mangaflow.catalog.domain import SystemStatus
from mangaflow.catalog.parts import COLLECTION
from mangaflow.catalog.store import CatalogStore
from mangaflow.platform.errors import ConfigError
from mangaflow.platform.ports import (
    Embedder,
    InsightsResult,
    TasteInsights,
    Usage,
    VectorFilter,
    VectorIndex,
)

SIMILAR = 8
TRENDS = 5


def _table(settings: Any) -> Any:
    if settings.table_backend == "sqlite":
        from mangaflow.platform.adapters.storage.sqlite import SqliteItemTable

        return SqliteItemTable(settings.db_path)
    from mangaflow.platform.adapters.storage.dynamodb import DynamoItemTable

    return DynamoItemTable(settings.catalog_table or settings.table_name, region=settings.aws_region)


class CatalogInsights(TasteInsights):
    name = "catalog"
    offline = True

    def __init__(self, settings: Any = None, *, store: CatalogStore | None = None,
                 embedder: Embedder | None = None, index: VectorIndex | None = None) -> None:  # fmt: skip
        self.settings = settings
        self._store, self._embedder, self._index = store, embedder, index
        self._lock = threading.Lock()

    def _parts(self) -> tuple[CatalogStore, Embedder, VectorIndex]:
        with self._lock:
            if self._store is None:
                self._store = CatalogStore(_table(self.settings))
            if self._embedder is None or self._index is None:
                from mangaflow.catalog.parts import vector_index
                from mangaflow.platform.registry import build_embedder

                self._embedder = self._embedder or build_embedder(self.settings)
                self._index = self._index or vector_index(self.settings)
            return self._store, self._embedder, self._index

    def insights(self, genres: Iterable[str], themes: Iterable[str]) -> InsightsResult:
        genres, themes = list(genres), list(themes)
        store, embedder, index = self._parts()
        if not store.has(SystemStatus.ACTIVE):
            raise ConfigError(
                "the catalog is empty: load one (`mangaflow catalog sync FILE`) or choose "
                "another insights provider (MANGAFLOW_INSIGHTS_PROVIDER=offline)"
            )
        query = f"{', '.join(genres)} anime" + (f" about {', '.join(themes).lower()}" if themes else "")
        vector = embedder.embed([query]).vectors[0]
        hits = index.search(COLLECTION, vector.tolist(), limit=SIMILAR,
                            filter=VectorFilter(exclude={"system_status": ["ORPHANED"]}))  # fmt: skip
        entries = store.get_many([h.id for h in hits])
        recs: list[dict[str, Any]] = []
        tags: Counter[str] = Counter()
        for h in hits:
            e = entries.get(h.id)
            if e is None:
                continue
            tags.update(e.tags)
            recs.append({"category": e.title, "score": round(min(1.0, max(0.0, h.score)), 3),
                         "attributes": {"type": e.type, "year": e.year, "tags": e.tags[:8],
                                        "studios": e.studios[:2], "anime_id": e.anime_id,
                                        "source": "catalog"}})  # fmt: skip
        n = max(1, len(recs))
        trends = [{"topic": tag, "popularity": round(count / n, 3)}
                  for tag, count in tags.most_common(TRENDS)]  # fmt: skip
        return InsightsResult(recs, trends, provider=self.name, usage=Usage(calls=1))


def register(registry: Any) -> None:
    registry.add_insights("catalog", CatalogInsights)
