"""Contract suites of the vector ports: :class:`EmbedderContract` and
:class:`VectorIndexContract`.

* embedder — one float32 row of ``dim`` per text, each of unit length; the same text gives
  the same vector alone or in a batch with texts of other lengths; an empty list gives
  ``(0, dim)``; a paraphrase is closer than an unrelated text (hash embeddings behind
  loopback fakes pass this too: the paraphrase shares words); remote failures map onto the
  error tree as the model providers' do (:data:`mangaflow.testing.models.EXPECTED_ERRORS`).
  Fixtures: ``embedder`` and ``make_failing`` (``pytest.skip`` it for offline embedders).
* vector index — upsert / get / set_payload / delete / count; search returns cosine scores
  best first; every :class:`VectorFilter` kind gives exactly the points
  :meth:`VectorFilter.matches` accepts (random payloads against a brute-force reference);
  ``exclude_ids``; a dimension mismatch is a ``ConfigError`` naming both sizes; a persisted
  collection keeps its points when reopened. Fixtures: ``index`` (a fresh, empty backend)
  and ``reopen`` (``reopen(index) -> index`` on the same storage after closing it; skip for
  in-memory backends).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any, ClassVar

import numpy as np
import pytest

from mangaflow.platform.errors import ConfigError
from mangaflow.platform.ports import (
    Embedder,
    EmbedResult,
    Usage,
    VectorFilter,
    VectorIndex,
    VectorPoint,
)
from mangaflow.testing._base import Contract
from mangaflow.testing.models import Failure, MakeFailing, check_failure

__all__ = ["EMBED_FAILURES", "EmbedderContract", "VectorIndexContract", "random_filters",
           "random_payload"]  # fmt: skip

EMBED_FAILURES: tuple[Failure, ...] = ("unavailable", "rate_limited", "auth", "unreachable")
TEXTS = ["Cowboy Bebop. TV, spring 1998. Tags: space, bounty hunters, jazz. Studios: Sunrise.",
         "A short one.",
         "Mushishi: a wandering healer studies the strange lifeforms called mushi in the "
         "mountains of old Japan; quiet, episodic and melancholic."]  # fmt: skip
ANCHOR = "A cat sits on the mat in the sun."
PARAPHRASE = "A cat is sitting on a mat in the sunshine."
UNRELATED = "Quarterly bond yields rose after the central bank meeting."

TYPES = ["TV", "MOVIE", "OVA", "ONA", "SPECIAL"]
TAGS = ["action", "comedy", "drama", "fantasy", "isekai", "mecha", "romance", "sports"]
SEASONS = ["spring", "summer", "fall", "winter"]


# --------------------------------------------------------------------------- embedders


class EmbedderContract(Contract):
    """What every :class:`Embedder` promises. Fixtures: ``embedder``, ``make_failing``."""

    port = Embedder
    #: Largest difference allowed between a text embedded alone and inside a batch.
    batch_tolerance: ClassVar[float] = 1e-4

    def check_result(self, result: EmbedResult, embedder: Embedder, n: int) -> np.ndarray:
        assert isinstance(result, EmbedResult)
        v = result.vectors
        assert isinstance(v, np.ndarray) and v.dtype == np.float32
        assert v.shape == (n, embedder.dim)
        assert np.all(np.isfinite(v))
        if n:
            assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-4)
        assert result.provider == embedder.name, "usage and prices are keyed on the name"
        assert result.model == embedder.model
        assert isinstance(result.usage, Usage)
        assert result.usage.calls >= (1 if n else 0) and result.usage.input_tokens >= 0
        return v

    def test_is_the_declared_adapter(self, embedder: Embedder) -> None:
        self.check_declared_adapter(embedder)

    def test_describes_itself(self, embedder: Embedder) -> None:
        assert isinstance(embedder.name, str) and embedder.name.strip()
        assert isinstance(embedder.model, str) and embedder.model.strip()
        assert isinstance(embedder.dim, int) and embedder.dim > 0
        assert type(embedder.offline) is bool

    def test_one_unit_float32_row_per_text(self, embedder: Embedder) -> None:
        self.check_result(embedder.embed(TEXTS), embedder, len(TEXTS))

    def test_empty_input(self, embedder: Embedder) -> None:
        self.check_result(embedder.embed([]), embedder, 0)

    def test_deterministic_alone_or_in_a_batch(self, embedder: Embedder) -> None:
        batch = self.check_result(embedder.embed(TEXTS), embedder, len(TEXTS))
        again = embedder.embed(list(reversed(TEXTS))).vectors[::-1]
        assert np.allclose(batch, again, atol=self.batch_tolerance)
        for i, text in enumerate(TEXTS):
            alone = self.check_result(embedder.embed([text]), embedder, 1)[0]
            assert np.allclose(alone, batch[i], atol=self.batch_tolerance), text

    def test_a_paraphrase_is_closer_than_an_unrelated_text(self, embedder: Embedder) -> None:
        a, p, u = embedder.embed([ANCHOR, PARAPHRASE, UNRELATED]).vectors
        assert float(a @ p) > float(a @ u) + 0.1, (float(a @ p), float(a @ u))

    @pytest.mark.parametrize("failure", EMBED_FAILURES)
    def test_provider_failures_are_mapped(
        self, make_failing: MakeFailing, failure: Failure
    ) -> None:
        check_failure(make_failing, failure, lambda e: e.embed(["a text"]))


# --------------------------------------------------------------------------- vector indexes


def random_payload(rng: random.Random) -> dict[str, Any]:
    """An anime-like payload; fields are sometimes missing."""
    payload: dict[str, Any] = {
        "type": rng.choice(TYPES), "tags": rng.sample(TAGS, rng.randint(0, 4)),
        "year": rng.randint(1990, 2025), "score": round(rng.uniform(1, 10), 2),
        "airing": rng.random() < 0.3, "season": rng.choice(SEASONS),
    }  # fmt: skip
    for key in ("season", "score", "airing"):
        if rng.random() < 0.15:
            del payload[key]
    return payload


def random_filters(rng: random.Random) -> list[VectorFilter]:
    """At least one filter of each kind and field shape, then random combinations."""
    t = rng.sample(TAGS, 3)
    fixed = [
        VectorFilter(equals={"type": "TV"}), VectorFilter(equals={"tags": t[0]}),
        VectorFilter(equals={"airing": True}), VectorFilter(equals={"year": 2001}),
        VectorFilter(any_of={"type": ["MOVIE", "OVA"]}), VectorFilter(any_of={"tags": t[:2]}),
        VectorFilter(all_of={"tags": t[:2]}), VectorFilter(ranges={"year": (2000, 2010)}),
        VectorFilter(ranges={"year": (None, 1995)}), VectorFilter(ranges={"score": (7.5, None)}),
        VectorFilter(exclude={"type": ["TV"]}), VectorFilter(exclude={"tags": t[:2]}),
        VectorFilter(exclude={"airing": [True]}), VectorFilter(exclude={"season": ["fall"]}),
        VectorFilter(equals={"season": "winter"}, ranges={"year": (2005, None)}),
    ]  # fmt: skip
    mixed = []
    for _ in range(6):
        mixed.append(VectorFilter(
            equals={"type": rng.choice(TYPES)} if rng.random() < 0.4 else {},
            any_of={"tags": rng.sample(TAGS, 2)} if rng.random() < 0.5 else {},
            all_of={"tags": rng.sample(TAGS, 1)} if rng.random() < 0.3 else {},
            ranges={"year": (rng.randint(1990, 2010), None)} if rng.random() < 0.5 else {},
            exclude={"season": [rng.choice(SEASONS)]} if rng.random() < 0.5 else {},
        ))  # fmt: skip
    return fixed + mixed


def unit_vectors(n: int, dim: int, seed: int = 0) -> np.ndarray:
    v = np.random.default_rng(seed).standard_normal((n, dim)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


class VectorIndexContract(Contract):
    """What every :class:`VectorIndex` promises. Fixtures: ``index``, ``reopen``."""

    port = VectorIndex
    dim: ClassVar[int] = 16
    points: ClassVar[int] = 300

    def fill(self, index: VectorIndex, collection: str = "anime") -> tuple[np.ndarray, list]:
        rng = random.Random(7)
        vectors = unit_vectors(self.points, self.dim)
        payloads = [random_payload(rng) for _ in range(self.points)]
        index.ensure_collection(collection, self.dim, {"type": "keyword", "year": "integer"})
        index.upsert(collection, [VectorPoint(f"a{i:04d}", vectors[i].tolist(), payloads[i])
                                  for i in range(self.points)])  # fmt: skip
        return vectors, payloads

    def test_is_the_declared_adapter(self, index: VectorIndex) -> None:
        self.check_declared_adapter(index)
        assert isinstance(index.name, str) and index.name.strip()

    def test_ensure_collection_is_idempotent_and_checks_the_dimension(
        self, index: VectorIndex
    ) -> None:
        index.ensure_collection("c", 8)
        index.ensure_collection("c", 8, {"type": "keyword"})
        with pytest.raises(ConfigError) as info:
            index.ensure_collection("c", 12)
        assert "8" in info.value.message and "12" in info.value.message
        assert index.count("c") == 0

    def test_upsert_get_replace_and_delete(self, index: VectorIndex) -> None:
        index.ensure_collection("c", 4)
        index.upsert("c", [VectorPoint("x", [1, 0, 0, 0], {"n": 1, "tags": ["a"]}),
                           VectorPoint("y", [0, 2, 0, 0], {"n": 2})])  # fmt: skip
        got = index.get("c", ["y", "missing", "x"])
        assert [p.id for p in got] == ["y", "x"]
        assert got[0].payload == {"n": 2} and got[1].payload == {"n": 1, "tags": ["a"]}
        assert all(p.vector is None for p in got)
        [y] = index.get("c", ["y"], with_vectors=True)
        assert y.vector is not None and np.allclose(y.vector, [0, 1, 0, 0], atol=1e-6)
        index.upsert("c", [VectorPoint("x", [0, 0, 1, 0], {"n": 10})])
        [x] = index.get("c", ["x"], with_vectors=True)
        assert x.payload == {"n": 10} and np.allclose(x.vector or [], [0, 0, 1, 0], atol=1e-6)
        assert index.count("c") == 2
        index.delete("c", ["x", "never-there"])
        assert [p.id for p in index.get("c", ["x", "y"])] == ["y"] and index.count("c") == 1
        assert index.search("c", [0, 0, 1, 0], limit=5)[0].id == "y"

    def test_set_payload_merges_and_leaves_vectors(self, index: VectorIndex) -> None:
        index.ensure_collection("c", 4)
        index.upsert("c", [VectorPoint("x", [1, 1, 0, 0], {"n": 1, "keep": "me"})])
        index.set_payload("c", ["x", "unknown"], {"n": 5, "new": True})
        [x] = index.get("c", ["x"], with_vectors=True)
        assert x.payload == {"n": 5, "keep": "me", "new": True}
        assert np.allclose(x.vector or [], np.array([1, 1, 0, 0]) / np.sqrt(2), atol=1e-6)
        assert index.get("c", ["unknown"]) == [] and index.count("c") == 1
        assert index.count("c", VectorFilter(equals={"n": 5})) == 1

    def test_search_orders_by_cosine(self, index: VectorIndex) -> None:
        vectors, payloads = self.fill(index)
        query = vectors[3] + 0.3 * vectors[5]
        hits = index.search("anime", query.tolist(), limit=20)
        expected = vectors @ (query / np.linalg.norm(query))
        assert len(hits) == 20 and hits[0].id == "a0003"
        scores = [h.score for h in hits]
        assert scores == sorted(scores, reverse=True)
        for hit in hits:
            row = int(hit.id[1:])
            assert abs(hit.score - float(expected[row])) < 1e-4
            assert hit.payload == payloads[row]
        best = set(np.argsort(-expected)[:20].tolist())
        assert {int(h.id[1:]) for h in hits} == best
        assert index.search("anime", query.tolist(), limit=0) == []

    def test_every_filter_kind_is_exact(self, index: VectorIndex) -> None:
        vectors, payloads = self.fill(index)
        query = vectors[0]
        scores = vectors @ query
        for flt in random_filters(random.Random(11)):
            allowed = [i for i, p in enumerate(payloads) if flt.matches(p)]
            assert index.count("anime", flt) == len(allowed), flt
            hits = index.search("anime", query.tolist(), limit=self.points, filter=flt)
            assert sorted(int(h.id[1:]) for h in hits) == allowed, flt
            top = index.search("anime", query.tolist(), limit=10, filter=flt)
            want = sorted(allowed, key=lambda i: -scores[i])[:10]
            assert [int(h.id[1:]) for h in top] == want or np.allclose(
                [h.score for h in top], scores[want], atol=1e-5), flt  # ties may swap
            assert all(flt.matches(h.payload) for h in top)

    def test_exclude_ids(self, index: VectorIndex) -> None:
        vectors, _ = self.fill(index)
        first = index.search("anime", vectors[9].tolist(), limit=5)
        skip = [first[0].id, first[2].id, "not-a-point"]
        hits = index.search("anime", vectors[9].tolist(), limit=5, exclude_ids=skip)
        assert [h.id for h in hits][:3] == [first[1].id, first[3].id, first[4].id]
        assert not {h.id for h in hits} & set(skip)
        flt = VectorFilter(equals={"type": "TV"})
        assert all(h.payload["type"] == "TV" and h.id not in skip for h in
                   index.search("anime", vectors[9].tolist(), limit=50, filter=flt,
                                exclude_ids=skip))  # fmt: skip

    def test_a_wrong_sized_vector_is_refused(self, index: VectorIndex) -> None:
        index.ensure_collection("c", 4)
        with pytest.raises((ConfigError, ValueError)):
            index.upsert("c", [VectorPoint("x", [1.0, 0.0], {})])
        with pytest.raises((ConfigError, ValueError)):
            index.search("c", [1.0, 0.0, 0.0])

    def test_reopening_keeps_the_points(
        self, index: VectorIndex, reopen: Callable[[VectorIndex], VectorIndex] | None
    ) -> None:
        if reopen is None:
            pytest.skip("this backend keeps nothing after close")
        vectors, payloads = self.fill(index)
        index.set_payload("anime", ["a0001"], {"type": "MOVIE"})
        index.delete("anime", ["a0002"])
        again = reopen(index)
        try:
            assert again.count("anime") == self.points - 1
            assert again.get("anime", ["a0001"])[0].payload["type"] == "MOVIE"
            assert again.get("anime", ["a0002"]) == []
            assert again.search("anime", vectors[7].tolist(), limit=1)[0].id == "a0007"
            again.ensure_collection("anime", self.dim)
            with pytest.raises(ConfigError):
                again.ensure_collection("anime", self.dim + 1)
        finally:
            again.close()
