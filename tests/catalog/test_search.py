"""Search: the filters give exactly what an exact scan over the entries gives, projection,
"similar to", orphaned entries hidden, malformed filters refused by field, and a cache that a
committed change invalidates."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mangaflow.catalog.domain import SystemStatus
from mangaflow.catalog.parts import Catalog
from mangaflow.catalog.services import search
from mangaflow.catalog.services.sync import sync
from mangaflow.platform.errors import NotFound, ValidationError
from tests.catalog.conftest import make_catalog, write_source


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory, embedder: Any) -> Any:
    from mangaflow.catalog import sample

    tmp = tmp_path_factory.mktemp("search")
    cat = make_catalog(tmp / "home", embedder)
    sync(cat, write_source(tmp / "src.jsonl", list(sample.entries(300, seed=5))))
    yield cat
    cat.close()


def ids(result: dict[str, Any]) -> set[str]:
    return {r["anime_id"] for r in result["results"]}


def expected(cat: Catalog, check: Any) -> set[str]:
    return {e.anime_id for e in cat.store.all() if e.system_status == SystemStatus.ACTIVE and check(e)}


@pytest.mark.parametrize(
    ("filters", "check"),
    [
        ({"type": ["movie"]}, lambda e: e.type == "MOVIE"),
        ({"status": ["ONGOING", "UPCOMING"]}, lambda e: e.status in ("ONGOING", "UPCOMING")),
        ({"year_from": 2000, "year_to": 2009}, lambda e: e.year is not None and 2000 <= e.year <= 2009),
        ({"tags": ["Magic", "school"]}, lambda e: {"magic", "school"} <= set(e.tags)),
        ({"studios": ["studio aurora", "Studio Kestrel"]},
         lambda e: bool({"Studio Aurora", "Studio Kestrel"} & set(e.studios))),
        ({"type": ["TV"], "year_from": 2010, "tags": ["action"]},
         lambda e: e.type == "TV" and (e.year or 0) >= 2010 and "action" in e.tags),
    ],
)
def test_filters_return_exactly_the_matching_entries(loaded: Catalog, filters: dict[str, Any], check: Any) -> None:
    want = expected(loaded, check)
    got = search.search(loaded, search.parse_query({"query": "anything", "limit": 100, **filters}))
    assert want, "the generated data set should match this filter"
    assert ids(got) <= want
    assert len(ids(got)) == min(len(want), 100)


def test_results_are_ranked_by_meaning(loaded: Catalog) -> None:
    target = next(e for e in loaded.store.all() if len(e.tags) >= 5)
    got = search.search(loaded, search.parse_query({"query": target.embedding_text(), "limit": 3}))
    assert got["results"][0]["anime_id"] == target.anime_id
    scores = [r["similarity"] for r in got["results"]]
    assert scores == sorted(scores, reverse=True)


def test_projection_get_and_similar(loaded: Catalog) -> None:
    entry = next(iter(loaded.store.all()))
    assert search.get(loaded, entry.anime_id, ["title", "year"]) == {"title": entry.title, "year": entry.year}
    assert search.get(loaded, entry.anime_id)["sources"] == entry.sources
    got = search.search(loaded, search.parse_query({"query": entry.title, "fields": ["title"], "limit": 2}))
    assert set(got["results"][0]) == {"anime_id", "similarity", "title"}
    sim = search.similar(loaded, entry.anime_id, limit=5)
    assert len(sim["results"]) == 5 and entry.anime_id not in ids(sim)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"query": "x", "year_from": 2010, "year_to": 2000}, "year_from"),
        ({"query": "x", "type": ["SERIES"]}, "type"),
        ({"query": "x", "status": ["AIRING"]}, "status"),
        ({"query": "x", "fields": ["nope"]}, "fields"),
        ({"query": "x", "limit": 0}, "limit"),
        ({"query": ""}, "query"),
        ({"query": "x", "colour": "red"}, "colour"),
        ({"query": "x", "year_from": "soon"}, "year_from"),
    ],
)
def test_malformed_filters_are_refused_naming_the_field(data: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as info:
        search.parse_query(data)
    assert field in info.value.message


def test_unknown_ids_and_bad_fields(loaded: Catalog) -> None:
    with pytest.raises(NotFound, match="no anime with id 'nope'"):
        search.get(loaded, "nope")
    with pytest.raises(NotFound):
        search.similar(loaded, "nope")
    entry = next(iter(loaded.store.all()))
    with pytest.raises(ValidationError, match="fields"):
        search.get(loaded, entry.anime_id, ["colour"])


def test_the_cache_answers_repeats_until_a_change_is_committed(tmp_path: Path, embedder: Any) -> None:
    from mangaflow.catalog import sample

    cat = make_catalog(tmp_path / "home", embedder)
    data = list(sample.entries(20, seed=9))
    sync(cat, write_source(tmp_path / "a.json", data))
    q = search.parse_query({"query": data[0]["title"], "limit": 20})
    first = search.search(cat, q)
    assert not first["cached"] and search.search(cat, q)["cached"]
    sync(cat, write_source(tmp_path / "b.json", data[1:]))  # orphans the first entry
    after = search.search(cat, q)
    assert not after["cached"] and len(after["results"]) == len(first["results"]) - 1
    cat.close()
