"""Vector ports for semantic search: :class:`Embedder` (texts → L2-normalised vectors) and
:class:`VectorIndex` (points with payloads, searched by cosine similarity under a
:class:`VectorFilter`).

Ids are our own stable strings (e.g. an ``anime_id``); an adapter maps them to whatever its
backend needs and gives the same strings back. :meth:`VectorFilter.matches` is the reference
semantics of a filter: adapters translate filters to their backend and the contract suite
(:mod:`mangaflow.testing.vectors`) checks them against it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from mangaflow.platform.ports.models import Usage


@dataclass
class EmbedResult:
    """Vectors for a list of texts, in order."""

    vectors: np.ndarray  # shape (n, dim), float32, each row L2-normalised
    provider: str
    model: str
    usage: Usage = field(default_factory=Usage)


class Embedder(ABC):
    """Turns texts into L2-normalised vectors of :attr:`dim` floats."""

    name: str = "embedder"  # registry name, e.g. "minilm"
    model: str = ""
    dim: int = 0
    offline: bool = False

    @abstractmethod
    def embed(self, texts: Sequence[str]) -> EmbedResult:
        """One row per text (an empty list gives shape ``(0, dim)``). Raises
        ``ProviderError`` subclasses on failure."""


@dataclass(frozen=True)
class VectorPoint:
    id: str  # our stable string id, never a backend id
    vector: Sequence[float] | None
    payload: dict[str, Any]


@dataclass(frozen=True)
class VectorHit:
    id: str
    score: float  # cosine similarity, higher is closer
    payload: dict[str, Any]


def _values(value: Any) -> list[Any]:
    """A payload value as a list of values (a list field as it is, a scalar as one)."""
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def _same(a: Any, b: Any) -> bool:
    """Equality without ``True == 1``: a bool matches only a bool."""
    return isinstance(a, bool) == isinstance(b, bool) and a == b


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


@dataclass(frozen=True)
class VectorFilter:
    """Conditions on payload fields, all of which must hold (an empty filter matches all)."""

    equals: Mapping[str, str | int | bool] = field(default_factory=dict)  # == (lists: contains)
    any_of: Mapping[str, Sequence[str]] = field(default_factory=dict)  # matches any value
    all_of: Mapping[str, Sequence[str]] = field(default_factory=dict)  # list contains every value
    ranges: Mapping[str, tuple[float | None, float | None]] = field(default_factory=dict)
    exclude: Mapping[str, Sequence[str | int | bool]] = field(default_factory=dict)  # none of

    def is_empty(self) -> bool:
        return not (self.equals or self.any_of or self.all_of or self.ranges or self.exclude)

    def matches(self, payload: Mapping[str, Any]) -> bool:
        """The reference semantics. A missing field fails ``equals``, ``any_of``, ``all_of``
        and ``ranges`` and passes ``exclude``; a range holds when a numeric value (any
        element of a list field) lies within the inclusive bounds (``None`` = open)."""
        for key, want in self.equals.items():
            if not any(_same(v, want) for v in _values(payload.get(key))):
                return False
        for key, options in self.any_of.items():
            have = _values(payload.get(key))
            if not any(_same(v, o) for v in have for o in options):
                return False
        for key, options in self.all_of.items():
            have = _values(payload.get(key))
            if not all(any(_same(v, o) for v in have) for o in options):
                return False
        for key, (low, high) in self.ranges.items():
            numbers = [v for v in _values(payload.get(key)) if _number(v)]
            if not any((low is None or v >= low) and (high is None or v <= high) for v in numbers):
                return False
        for key, banned in self.exclude.items():
            have = _values(payload.get(key))
            if any(_same(v, b) for v in have for b in banned):
                return False
        return True


class VectorIndex(ABC):
    """Collections of :class:`VectorPoint` searched by cosine similarity."""

    name: str = "vector"

    @abstractmethod
    def ensure_collection(
        self, collection: str, dim: int, indexed: Mapping[str, str] = {}  # noqa: B006
    ) -> None:
        """Create ``collection`` for vectors of ``dim`` floats unless it exists (idempotent).
        ``indexed`` maps payload fields to ``"keyword"``, ``"integer"``, ``"float"`` or
        ``"bool"`` (payload indexes, where the backend has them). An existing collection of
        another dimension raises ``ConfigError`` naming both."""

    @abstractmethod
    def upsert(self, collection: str, points: Sequence[VectorPoint]) -> None:
        """Insert or replace ``points`` (batched internally)."""

    @abstractmethod
    def set_payload(self, collection: str, ids: Sequence[str], payload: Mapping[str, Any]) -> None:
        """Merge ``payload`` into the payload of ``ids`` (vectors untouched; unknown ids are
        ignored)."""

    @abstractmethod
    def delete(self, collection: str, ids: Sequence[str]) -> None:
        """Remove ``ids`` (unknown ids are ignored)."""

    @abstractmethod
    def get(self, collection: str, ids: Sequence[str], with_vectors: bool = False) -> list[VectorPoint]:
        """The points of ``ids`` that exist, in the order of ``ids``."""

    @abstractmethod
    def search(
        self, collection: str, vector: Sequence[float], *, limit: int = 10,
        filter: VectorFilter | None = None, exclude_ids: Sequence[str] = (),  # noqa: A002
    ) -> list[VectorHit]:  # fmt: skip
        """The ``limit`` points closest to ``vector`` among those ``filter`` matches, minus
        ``exclude_ids``, best first."""

    @abstractmethod
    def count(self, collection: str, filter: VectorFilter | None = None) -> int:  # noqa: A002
        """Points in ``collection`` (matching ``filter``)."""

    @abstractmethod
    def close(self) -> None:
        """Release the backend (files, connections)."""
