"""The catalog's REST routes on the app: search with filters, projection, similar, reviews,
syncs; bad input answered 4xx naming the field, every answer attributed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from mangaflow.api.app import create_app
from mangaflow.api.auth import issue_local_token
from mangaflow.catalog import sample
from mangaflow.catalog.domain import anime_id_for
from mangaflow.catalog.services.sync import sync
from tests.catalog.conftest import make_catalog, write_source


@pytest.fixture
def client(tmp_path: Path, embedder: Any) -> Any:
    cat = make_catalog(tmp_path / "home", embedder, api_rate_per_minute=1000)
    data = list(sample.entries(40, seed=8))
    sync(cat, write_source(tmp_path / "v1.json", data))
    data[0]["episodes"] += 3
    sync(cat, write_source(tmp_path / "v2.json", data[:-1]))  # one review, one orphan
    client = TestClient(create_app(lambda: cat.c), raise_server_exceptions=False)
    client.headers["Authorization"] = f"Bearer {issue_local_token(cat.c.settings, 'rita')}"
    yield client, cat, data
    cat.close()


def test_search_with_filters_and_projection(client: Any) -> None:
    http, cat, data = client
    r = http.get("/catalog/search", params={"q": data[1]["title"], "type": [data[1]["type"]],
                                            "fields": ["title", "type"], "limit": 5})  # fmt: skip
    assert r.status_code == 200, r.text
    body = r.json()
    assert "ODbL" in body["attribution"] and body["results"]
    assert {row["type"] for row in body["results"]} == {data[1]["type"]}
    assert set(body["results"][0]) == {"anime_id", "similarity", "title", "type"}


def test_orphans_are_hidden_unless_asked(client: Any) -> None:
    http, cat, data = client
    gone = anime_id_for(min(data[-1]["sources"]))
    assert http.get(f"/catalog/anime/{gone}").status_code == 404
    r = http.get(f"/catalog/anime/{gone}", params={"include_orphaned": "true", "fields": ["system_status"]})
    assert r.status_code == 200 and r.json()["anime"] == {"system_status": "ORPHANED"}
    params = {"q": data[-1]["title"], "limit": 40}
    hits = {row["anime_id"] for row in http.get("/catalog/search", params=params).json()["results"]}
    assert gone not in hits
    params["include_orphaned"] = "true"
    hits = {row["anime_id"] for row in http.get("/catalog/search", params=params).json()["results"]}
    assert gone in hits


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"q": "x", "year_from": 2010, "year_to": 2001}, "year_from"),
        ({"q": "x", "type": "SERIES"}, "type"),
        ({"q": "x", "fields": "colour"}, "fields"),
        ({"q": "x", "year_from": "soon"}, "year_from"),
        ({}, "q"),
    ],
)
def test_malformed_filters_are_4xx_naming_the_field(client: Any, params: dict[str, Any], field: str) -> None:
    http, _, _ = client
    r = http.get("/catalog/search", params=params)
    assert 400 <= r.status_code < 500, r.text
    assert field in r.text


def test_similar_and_unknown_ids(client: Any) -> None:
    http, _, data = client
    anime_id = anime_id_for(min(data[2]["sources"]))
    r = http.get(f"/catalog/anime/{anime_id}/similar", params={"limit": 3})
    assert r.status_code == 200 and len(r.json()["results"]) == 3
    assert anime_id not in {row["anime_id"] for row in r.json()["results"]}
    assert http.get("/catalog/anime/unknown").status_code == 404
    assert http.get("/catalog/anime/unknown/similar").status_code == 404


def test_review_through_the_api(client: Any) -> None:
    http, cat, data = client
    [item] = http.get("/catalog/reviews").json()["reviews"]
    anime_id = item["anime_id"]
    bad = http.post(f"/catalog/reviews/{anime_id}", json={"action": "edit"})
    assert bad.status_code in (400, 422) and "edits" in bad.text
    assert http.post("/catalog/reviews/nope", json={"action": "approve"}).status_code == 404
    ok = http.post(f"/catalog/reviews/{anime_id}", json={"action": "edit", "edits": {"episodes": 77}})
    assert ok.status_code == 200 and ok.json()["committed"] is True
    assert cat.store.require(anime_id).episodes == 77
    assert http.get("/catalog/reviews").json()["reviews"] == []
    audit = cat.c.blobs.get(f"processed/updated-entries/{anime_id}.json")
    assert b'"reviewer": "rita"' in audit


def test_sync_history_and_requests(client: Any) -> None:
    http, cat, _ = client
    body = http.get("/catalog/syncs").json()
    assert len(body["syncs"]) == 2 and body["source"]["version"].startswith("sha256:")
    r = http.post("/catalog/syncs", json={"force": True})
    assert r.status_code == 202 and r.json()["accepted"] == "catalog.sync.requested"
    assert cat.c.bus.published[-1].force is True  # type: ignore[attr-defined]
    assert http.get("/catalog/search", params={"q": "x"}, headers={"Authorization": ""}).status_code == 401
