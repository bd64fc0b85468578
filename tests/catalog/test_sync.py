"""The weekly sync's rules (seed 003, task 1.1) on generated sources in the real schema:
bootstrap, unchanged source skipped, new entries locked and sent to enrichment, status and
episode changes to review, other fields never overwritten, orphaning and resurrection, lock
contention, and a broken source writing nothing."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest

from mangaflow.catalog.domain import SystemStatus, anime_id_for
from mangaflow.catalog.events import CatalogEntryDiscovered
from mangaflow.catalog.parts import COLLECTION, Catalog
from mangaflow.catalog.services import search
from mangaflow.catalog.services.sync import sync
from mangaflow.catalog.source import SourceError
from mangaflow.platform.errors import ConfigError
from mangaflow.platform.ports import VectorFilter
from tests.catalog.conftest import entries_copy, make_catalog, write_source


def _id(entry: dict[str, Any]) -> str:
    return anime_id_for(min(entry["sources"]))


def _all(cat: Catalog) -> dict[str, Any]:
    return {e.anime_id: e.model_dump(mode="json") for e in cat.store.all()}


def test_bootstrap_imports_and_indexes_everything_and_an_unchanged_source_is_skipped(
    cat: Catalog, tmp_path: Path, base_entries: list[dict[str, Any]]
) -> None:
    src = write_source(tmp_path / "v1.jsonl", base_entries)
    report = sync(cat, src)
    assert report.counts == {"imported": 60} and not report.skipped
    assert cat.store.count(SystemStatus.ACTIVE) == 60
    assert cat.index.count(COLLECTION) == 60
    first = base_entries[0]
    entry = cat.store.require(_id(first))
    assert (entry.title, entry.episodes, entry.tags) == (first["title"], first["episodes"], first["tags"])
    # The same bytes again: skipped, nothing changes; --force runs the rules (all unchanged).
    again = sync(cat, src)
    assert again.skipped and again.version == report.version
    forced = sync(cat, src, force=True)
    assert forced.counts == {"unchanged": 60}
    assert [s.sync_id for s in cat.store.syncs()] == [forced.sync_id, again.sync_id, report.sync_id]


def test_weekly_rules(cat: Catalog, tmp_path: Path, base_entries: list[dict[str, Any]]) -> None:
    sync(cat, write_source(tmp_path / "v1.json", base_entries))
    v2 = entries_copy(base_entries)
    status_changed, more_eps, fewer_eps, other_fields, removed = v2[1], v2[2], v2[3], v2[4], v2[5]
    status_changed["status"] = "FINISHED" if status_changed["status"] != "FINISHED" else "ONGOING"
    more_eps["episodes"] += 12
    fewer_eps["episodes"] = max(0, fewer_eps["episodes"] - 1)
    old = cat.store.require(_id(other_fields))
    other_fields["title"] = "A Completely Different Title"
    other_fields["tags"] = ["cooking"]
    other_fields["sources"] = other_fields["sources"][:1] + ["https://new-site.example/anime/1"]
    new = dict(v2[0], sources=["https://myanimelist.example/anime/999999"], title="Brand New Show")
    v2.remove(removed)
    v2.append(new)

    report = sync(cat, write_source(tmp_path / "v2.json", v2))
    assert report.counts == {"unchanged": 57, "review": 2, "orphaned": 1, "new": 1}

    # status change and more episodes: to review, ours untouched until a decision
    reviews = {r.anime_id: r for r in cat.store.reviews()}
    assert set(reviews) == {_id(status_changed), _id(more_eps)}
    assert [r.field for r in reviews[_id(status_changed)].reasons] == ["status"]
    assert reviews[_id(more_eps)].reasons[0].source == more_eps["episodes"]
    assert cat.store.require(_id(more_eps)).episodes == base_entries[2]["episodes"]
    # fewer episodes in the source: ours is considered more accurate
    assert cat.store.require(_id(fewer_eps)).episodes == base_entries[3]["episodes"]
    # other fields are never overwritten; a changed source list still finds the same entry
    kept = cat.store.require(_id(other_fields))
    assert (kept.title, kept.tags) == (old.title, old.tags)
    # removed: ORPHANED with a timestamp, never deleted; hidden from search unless asked
    gone = cat.store.require(_id(removed))
    assert gone.system_status == SystemStatus.ORPHANED and gone.orphaned_at
    [point] = cat.index.get(COLLECTION, [gone.anime_id])
    assert point.payload["system_status"] == "ORPHANED"
    q = search.parse_query({"query": removed["title"], "limit": 60})
    assert gone.anime_id not in {r["anime_id"] for r in search.search(cat, q)["results"]}
    q = search.parse_query({"query": removed["title"], "limit": 60, "include_orphaned": True})
    assert gone.anime_id in {r["anime_id"] for r in search.search(cat, q)["results"]}
    # new: its lock taken and enrichment started (an event), not written yet
    new_id = _id(new)
    [event] = cat.c.bus.published  # type: ignore[attr-defined]
    assert isinstance(event, CatalogEntryDiscovered) and event.anime_id == new_id
    assert event.entry["title"] == "Brand New Show"
    assert cat.store.lock_owner(new_id) == event.lock_owner
    assert cat.store.get(new_id) is None and report.new_ids == [new_id]

    # v3: the removed entry is back: resurrected; the review items are not queued twice
    v3 = [*v2, removed]
    report = sync(cat, write_source(tmp_path / "v3.json", v3))
    assert report.counts["resurrected"] == 1 and report.counts.get("review", 0) == 0
    assert report.counts["locked"] == 1  # the new entry's enrichment still holds its lock
    back = cat.store.require(_id(removed))
    assert back.system_status == SystemStatus.ACTIVE and back.orphaned_at is None
    assert cat.index.count(COLLECTION, VectorFilter(equals={"system_status": "ORPHANED"})) == 0


def test_only_one_of_two_concurrent_syncs_takes_a_new_entrys_lock(
    tmp_path: Path, embedder: Any, base_entries: list[dict[str, Any]]
) -> None:
    cat = make_catalog(tmp_path / "home", embedder)
    sync(cat, write_source(tmp_path / "v1.json", base_entries[:20]))
    src = write_source(tmp_path / "v2.json", base_entries[:30])
    results: list[Any] = []
    barrier = threading.Barrier(2)

    def one(owner: str) -> None:
        barrier.wait()
        results.append(sync(cat, src, force=True, owner=owner))

    threads = [threading.Thread(target=one, args=(f"sync-{i}",)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    new = sorted(r.counts.get("new", 0) for r in results)
    locked = sorted(r.counts.get("locked", 0) for r in results)
    assert sum(new) == 10 and [a + b for a, b in zip(new, reversed(locked), strict=True)] == [10, 10]
    events = cat.c.bus.published  # type: ignore[attr-defined]
    assert len(events) == 10 and len({e.anime_id for e in events}) == 10
    cat.close()


def test_a_stale_lock_is_taken_over_and_a_live_one_is_not(cat: Catalog) -> None:
    assert cat.store.acquire_lock("a1", "worker-1", ttl_seconds=3600)
    assert not cat.store.acquire_lock("a1", "worker-2", ttl_seconds=3600)
    assert cat.store.acquire_lock("b1", "worker-1", ttl_seconds=0.5)
    time.sleep(1.6)  # ttl is whole seconds
    assert cat.store.acquire_lock("b1", "worker-2", ttl_seconds=3600)
    assert cat.store.lock_owner("b1") == "worker-2"


@pytest.mark.parametrize("damage", ["truncate", "bad-entry"])
def test_a_broken_source_writes_nothing(
    cat: Catalog, tmp_path: Path, base_entries: list[dict[str, Any]], damage: str
) -> None:
    sync(cat, write_source(tmp_path / "v1.jsonl", base_entries))
    before, version, syncs = _all(cat), cat.store.source_version(), len(cat.store.syncs())
    v2 = entries_copy(base_entries)[:30]  # would orphan 30 entries if applied
    v2.append(dict(v2[0], sources=["https://kitsu.example/anime/424242"]))
    if damage == "bad-entry":
        v2[-1]["animeSeason"] = {"season": "MONSOON"}
    path = Path(write_source(tmp_path / "v2.jsonl", v2))
    if damage == "truncate":
        path.write_bytes(path.read_bytes()[:-40])
    with pytest.raises(SourceError) as info:
        sync(cat, str(path))
    assert ("truncated" if damage == "truncate" else "animeSeason.season") in info.value.message
    assert _all(cat) == before and cat.store.source_version() == version
    assert len(cat.store.syncs()) == syncs and not cat.c.bus.published  # type: ignore[attr-defined]


def test_no_source_configured_is_a_clear_error(cat: Catalog) -> None:
    with pytest.raises(ConfigError, match="MANGAFLOW_CATALOG_SOURCE"):
        sync(cat)


def test_a_source_url_is_downloaded_once_and_read_like_a_file(
    cat: Catalog, tmp_path: Path, base_entries: list[dict[str, Any]]
) -> None:
    from tests.fakes.images_server import ImageHost

    body = Path(write_source(tmp_path / "v1.jsonl.zst", base_entries)).read_bytes()
    with ImageHost() as host:
        url = host.serve("/releases/anime-offline-database.jsonl.zst",
                         (200, "application/zstd", body))  # fmt: skip
        report = sync(cat, url)
        assert report.counts == {"imported": 60} and report.source == url
        assert host.hits["/releases/anime-offline-database.jsonl.zst"] == 1
        with pytest.raises(SourceError, match="HTTP 404"):
            sync(cat, host.url("/releases/missing.json"))
    assert not list((cat.settings.home / "catalog").glob("source-*"))  # temporary copies gone
