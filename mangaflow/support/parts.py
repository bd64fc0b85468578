"""What the support services work with, built from the platform :class:`Context`: the
:class:`Desk` — its record store, the blob store, the embedder and the vector index (built
from settings on first use; the index is opened once per process and holds the ``support``
collection)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from mangaflow.platform.context import Context
from mangaflow.platform.ports import BlobStore, Embedder, VectorIndex
from mangaflow.support.store import SupportStore

COLLECTION = "support"
#: Payload indexes of the collection (the tenant filter is on every search).
INDEXED = {"tenant": "keyword", "doc_id": "keyword", "version": "integer", "approved": "bool"}


@dataclass
class Desk:
    c: Context
    store: SupportStore
    _embedder: Embedder | None = None
    _index: VectorIndex | None = None
    _ready: bool = False
    _lock: threading.RLock = field(default_factory=threading.RLock)

    @property
    def settings(self) -> Any:
        return self.c.settings

    @property
    def blobs(self) -> BlobStore:
        return self.c.blobs

    @property
    def embedder(self) -> Embedder:
        with self._lock:
            if self._embedder is None:
                from mangaflow.platform.registry import build_embedder

                self._embedder = build_embedder(self.settings)
            return self._embedder

    @property
    def index(self) -> VectorIndex:
        """The vector index, with the ``support`` collection made for the embedder's size."""
        with self._lock:
            if self._index is None:
                self._index = vector_index(self.settings)
            if not self._ready:
                self._index.ensure_collection(COLLECTION, self.embedder.dim, INDEXED)
                self._ready = True
            return self._index


def vector_index(settings: Any) -> VectorIndex:
    """The process's vector index (shared by every product; see the platform registry)."""
    from mangaflow.platform.registry import shared_vector_index

    return shared_vector_index(settings)


def close_vector_index(index: VectorIndex) -> None:
    from mangaflow.platform.registry import close_shared_vector_index

    close_shared_vector_index(index)


_DESKS: dict[int, Desk] = {}
_GUARD = threading.Lock()


def desk(c: Context, *, embedder: Embedder | None = None, index: VectorIndex | None = None) -> Desk:
    """The desk of this context (made once per context; tests may hand in the parts)."""
    with _GUARD:
        d = _DESKS.get(id(c))
        if d is None or d.c is not c:
            d = Desk(c=c, store=c.store(SupportStore))
            _DESKS[id(c)] = d
        if embedder is not None:
            d._embedder = embedder
            d._ready = False
        if index is not None:
            d._index = index
            d._ready = False
        return d
