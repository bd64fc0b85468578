"""Snapshots: the whole catalog in one portable file, restorable all or nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from mangaflow.catalog import sample
from mangaflow.catalog.domain import SystemStatus
from mangaflow.catalog.parts import COLLECTION
from mangaflow.catalog.services import search
from mangaflow.catalog.services.snapshot import SNAPSHOT_KEY, restore, snapshot
from mangaflow.catalog.services.sync import sync
from mangaflow.platform.errors import NotFound, ValidationError
from tests.catalog.conftest import make_catalog, write_source


def test_snapshot_and_restore_into_an_empty_catalog(tmp_path: Path, embedder: Any) -> None:
    cat = make_catalog(tmp_path / "one", embedder)
    data = list(sample.entries(40, seed=4))
    sync(cat, write_source(tmp_path / "v1.json", data))
    sync(cat, write_source(tmp_path / "v2.json", data[:-3]))  # 3 orphaned
    result = snapshot(cat)
    assert result["count"] == 40 and result["key"] == SNAPSHOT_KEY
    doc = json.loads(cat.c.blobs.get(SNAPSHOT_KEY))
    assert doc["count"] == 40 and "ODbL" in doc["license"]
    assert sum(1 for e in doc["data"] if e["system_status"] == "ORPHANED") == 3

    fresh = make_catalog(tmp_path / "two", embedder)
    out = restore(fresh, data=cat.c.blobs.get(SNAPSHOT_KEY))
    assert out == {"key": SNAPSHOT_KEY, "restored": 40, "indexed": 40}
    assert {e.anime_id: e for e in fresh.store.all()} == {e.anime_id: e for e in cat.store.all()}
    assert fresh.store.count(SystemStatus.ORPHANED) == 3 and fresh.index.count(COLLECTION) == 40
    hit = search.search(fresh, search.parse_query({"query": data[0]["title"], "limit": 1}))
    assert hit["results"][0]["title"] == data[0]["title"]
    # Restoring again over itself re-indexes nothing.
    assert restore(fresh, data=cat.c.blobs.get(SNAPSHOT_KEY))["indexed"] == 0
    cat.close()
    fresh.close()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"{not json", "not JSON"),
        (b'{"data": 3}', "no 'data' list"),
        (json.dumps({"data": [{"anime_id": "a"}]}).encode(), "data[0]"),
    ],
)
def test_a_bad_snapshot_restores_nothing(tmp_path: Path, embedder: Any, body: bytes, message: str) -> None:
    cat = make_catalog(tmp_path / "home", embedder)
    with pytest.raises(ValidationError) as info:
        restore(cat, data=body)
    assert message in info.value.message
    assert list(cat.store.all()) == []


def test_an_invalid_entry_late_in_a_snapshot_stops_before_any_write(tmp_path: Path, embedder: Any) -> None:
    cat = make_catalog(tmp_path / "home", embedder)
    sync(cat, write_source(tmp_path / "v.json", list(sample.entries(10))))
    doc = json.loads(cat.c.blobs.get(snapshot(cat)["key"]))
    doc["data"][7]["episodes"] = -2
    empty = make_catalog(tmp_path / "empty", embedder)
    with pytest.raises(ValidationError, match=r"data\[7\]\.episodes"):
        restore(empty, data=json.dumps(doc).encode())
    assert list(empty.store.all()) == []
    with pytest.raises(NotFound, match="no snapshot"):
        restore(empty)
    cat.close()
    empty.close()
