"""What the catalog's services work with, built from the platform :class:`Context`: its record
store, the embedder and vector index (built from settings on first use), the blob store and
the event bus."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from mangaflow.catalog.store import CatalogStore
from mangaflow.platform.context import Context
from mangaflow.platform.ports import Embedder, VectorIndex

COLLECTION = "anime"


@dataclass
class Catalog:
    c: Context
    store: CatalogStore
    _embedder: Embedder | None = None
    _index: VectorIndex | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    cache: dict[Any, Any] = field(default_factory=dict)

    @property
    def settings(self) -> Any:
        return self.c.settings

    @property
    def embedder(self) -> Embedder:
        with self._lock:
            if self._embedder is None:
                from mangaflow.platform.registry import build_embedder

                self._embedder = build_embedder(self.settings)
            return self._embedder

    @property
    def index(self) -> VectorIndex:
        with self._lock:
            if self._index is None:
                self._index = vector_index(self.settings)
            return self._index

    def close(self) -> None:
        with self._lock:
            if self._index is not None:
                close_vector_index(self._index)
                self._index = None


def vector_index(settings: Any) -> VectorIndex:
    """The process's vector index (shared by every product; see the platform registry)."""
    from mangaflow.platform.registry import shared_vector_index

    return shared_vector_index(settings)


def close_vector_index(index: VectorIndex) -> None:
    from mangaflow.platform.registry import close_shared_vector_index

    close_shared_vector_index(index)


def _store(c: Context) -> CatalogStore:
    """On DynamoDB the catalog has its own table (``MANGAFLOW_CATALOG_TABLE``, made by the
    catalog stack); otherwise it shares the platform's table."""
    s = c.settings
    if s.table_backend == "dynamodb" and s.catalog_table and s.catalog_table != s.table_name:
        from mangaflow.platform.adapters.storage.dynamodb import DynamoItemTable

        return CatalogStore(DynamoItemTable(s.catalog_table, region=s.aws_region))
    return c.store(CatalogStore)


_CATALOGS: dict[int, Catalog] = {}
_GUARD = threading.Lock()


def catalog(c: Context, *, embedder: Embedder | None = None, index: VectorIndex | None = None) -> Catalog:
    """The catalog of this context (made once per context; tests may hand in the parts)."""
    with _GUARD:
        cat = _CATALOGS.get(id(c))
        if cat is None or cat.c is not c:
            cat = Catalog(c=c, store=_store(c))
            _CATALOGS[id(c)] = cat
        if embedder is not None:
            cat._embedder = embedder
        if index is not None:
            cat._index = index
        return cat
