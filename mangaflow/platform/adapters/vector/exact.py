"""Exact cosine search in numpy over one collection held in memory, with
:class:`~mangaflow.platform.ports.VectorFilter` evaluated on postings (payload value → rows)
instead of payload by payload.

Qdrant's embedded local mode is brute force with its filter checked in Python for every
point: 115 ms p50 without a filter and 0.5 s with one at 40,000 points of 384 floats here,
ten times the catalog's 50 ms p95. The qdrant adapter keeps local mode for storage (files
under the data dir, reopened on restart) and answers searches and counts from this mirror:
one matrix-vector product and a top-k, with filters as set operations on row arrays. The
result is exact (recall 1.0 against brute force by construction).

Writes mark the mirror stale; the next read rebuilds the matrix and drops the postings, which
are built again per field on first use (a few tens of ms at 40k points). Bulk loads followed
by searches, the catalog's pattern, pay that once.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from mangaflow.platform.ports import VectorFilter

Key = tuple[str, Any]


def value_key(value: Any) -> Key | None:
    """The postings key of one payload value: a bool is never equal to a number (as in
    :meth:`VectorFilter.matches`); 1 and 1.0 are the same number."""
    if isinstance(value, bool):
        return ("b", value)
    if isinstance(value, int | float):
        return ("n", float(value))
    if isinstance(value, str):
        return ("s", value)
    return None


def _values(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


class _Field:
    """Rows by value of one payload field, and (row, number) pairs for ranges."""

    def __init__(self, payloads: Sequence[Mapping[str, Any]], name: str) -> None:
        postings: dict[Key, list[int]] = {}
        num_rows: list[int] = []
        num_values: list[float] = []
        for row, payload in enumerate(payloads):
            for value in _values(payload.get(name)):
                key = value_key(value)
                if key is None:
                    continue
                postings.setdefault(key, []).append(row)
                if key[0] == "n":
                    num_rows.append(row)
                    num_values.append(key[1])
        self.postings = {k: np.fromiter(set(v), np.int64) for k, v in postings.items()}
        self.num_rows = np.asarray(num_rows, np.int64)
        self.num_values = np.asarray(num_values, np.float64)

    def rows(self, value: Any) -> np.ndarray:
        key = value_key(value)
        return self.postings.get(key, _EMPTY) if key is not None else _EMPTY

    def in_range(self, low: float | None, high: float | None) -> np.ndarray:
        keep = np.ones(len(self.num_values), bool)
        if low is not None:
            keep &= self.num_values >= low
        if high is not None:
            keep &= self.num_values <= high
        return self.num_rows[keep]


_EMPTY = np.zeros(0, np.int64)


class ExactIndex:
    """One collection in memory: ids, unit vectors and payloads, searched exactly."""

    def __init__(self, dim: int) -> None:
        self.dim = dim
        self._points: dict[str, tuple[np.ndarray, dict[str, Any]]] = {}
        self._lock = threading.RLock()
        self._dirty = True
        self._ids: list[str] = []
        self._rows: dict[str, int] = {}
        self._matrix = np.zeros((0, dim), np.float32)
        self._payloads: list[dict[str, Any]] = []
        self._fields: dict[str, _Field] = {}

    def __len__(self) -> int:
        return len(self._points)

    # ------------------------------------------------------------------ writes

    def upsert(self, items: Iterable[tuple[str, np.ndarray, dict[str, Any]]]) -> None:
        with self._lock:
            for id_, vector, payload in items:
                self._points[id_] = (vector, dict(payload))
            self._dirty = True

    def set_payload(self, ids: Sequence[str], payload: Mapping[str, Any]) -> None:
        with self._lock:
            for id_ in ids:
                if id_ in self._points:
                    vector, old = self._points[id_]
                    self._points[id_] = (vector, {**old, **payload})
            self._dirty = True

    def delete(self, ids: Sequence[str]) -> None:
        with self._lock:
            for id_ in ids:
                self._points.pop(id_, None)
            self._dirty = True

    # ------------------------------------------------------------------ reads

    def _fresh(self) -> None:
        if not self._dirty:
            return
        self._ids = list(self._points)
        self._rows = {id_: row for row, id_ in enumerate(self._ids)}
        if self._ids:
            self._matrix = np.stack([self._points[i][0] for i in self._ids]).astype(np.float32)
        else:
            self._matrix = np.zeros((0, self.dim), np.float32)
        self._payloads = [self._points[i][1] for i in self._ids]
        self._fields = {}
        self._dirty = False

    def _field(self, name: str) -> _Field:
        field = self._fields.get(name)
        if field is None:
            field = self._fields[name] = _Field(self._payloads, name)
        return field

    def mask(self, flt: VectorFilter | None) -> np.ndarray | None:
        """Rows ``flt`` matches (None: every row). Call with the lock held, fresh."""
        if flt is None or flt.is_empty():
            return None
        n = len(self._ids)
        keep = np.ones(n, bool)

        def rows_mask(rows: np.ndarray) -> np.ndarray:
            m = np.zeros(n, bool)
            m[rows] = True
            return m

        for key, want in flt.equals.items():
            keep &= rows_mask(self._field(key).rows(want))
        for key, options in flt.any_of.items():
            field = self._field(key)
            keep &= rows_mask(np.concatenate([_EMPTY, *(field.rows(o) for o in options)]))
        for key, options in flt.all_of.items():
            field = self._field(key)
            for option in options:
                keep &= rows_mask(field.rows(option))
        for key, (low, high) in flt.ranges.items():
            keep &= rows_mask(self._field(key).in_range(low, high))
        for key, banned in flt.exclude.items():
            field = self._field(key)
            keep &= ~rows_mask(np.concatenate([_EMPTY, *(field.rows(b) for b in banned)]))
        return keep

    def count(self, flt: VectorFilter | None = None) -> int:
        with self._lock:
            self._fresh()
            keep = self.mask(flt)
            return len(self._ids) if keep is None else int(keep.sum())

    def search(
        self, vector: np.ndarray, limit: int, flt: VectorFilter | None = None,
        exclude_ids: Sequence[str] = (),
    ) -> list[tuple[str, float, dict[str, Any]]]:  # fmt: skip
        """``(id, cosine, payload)`` of the best ``limit`` rows, best first (ties by id)."""
        with self._lock:
            self._fresh()
            if not self._ids or limit <= 0:
                return []
            scores = self._matrix @ vector.astype(np.float32)
            keep = self.mask(flt)
            drop = [self._rows[i] for i in exclude_ids if i in self._rows]
            if drop:
                keep = np.ones(len(self._ids), bool) if keep is None else keep
                keep[drop] = False
            if keep is not None:
                candidates = np.flatnonzero(keep)
                scores = scores[candidates]
            else:
                candidates = np.arange(len(self._ids))
            k = min(limit, len(candidates))
            if k == 0:
                return []
            top = np.argpartition(-scores, k - 1)[:k] if k < len(scores) else np.arange(k)
            ranked = sorted(top.tolist(), key=lambda j: (-float(scores[j]), self._ids[candidates[j]]))
            return [(self._ids[candidates[j]], float(scores[j]), dict(self._payloads[candidates[j]]))
                    for j in ranked]  # fmt: skip


__all__ = ["ExactIndex", "value_key"]
