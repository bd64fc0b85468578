"""The daily airing scheduler: air times from enrichment (AniList's instant, Jikan's weekly
broadcast in its own time zone, daylight saving included), the entries due in the next 24 h,
and their update runs scheduled at air time on a real Prefect server."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from mangaflow.catalog import sample
from mangaflow.catalog.domain import anime_id_for
from mangaflow.catalog.parts import Catalog
from mangaflow.catalog.services import airing
from mangaflow.catalog.services.sync import sync
from tests.catalog.conftest import make_catalog, write_source

NOW = datetime(2026, 3, 5, 12, 0, tzinfo=UTC)  # a Thursday


@pytest.mark.parametrize(
    ("broadcast", "now", "expected"),
    [
        # Tokyo (UTC+9, no DST): Saturday 23:00 JST is Saturday 14:00 UTC.
        ({"day": "Saturdays", "time": "23:00", "timezone": "Asia/Tokyo"}, NOW,
         datetime(2026, 3, 7, 14, 0, tzinfo=UTC)),
        # Past 01:30 JST on Friday already: the next one is a week later.
        ({"day": "Fridays", "time": "01:30", "timezone": "Asia/Tokyo"},
         datetime(2026, 3, 5, 17, 0, tzinfo=UTC), datetime(2026, 3, 12, 16, 30, tzinfo=UTC)),
        # New York moves to EDT on Sunday 8 March 2026: 10:00 is 14:00 UTC that day ...
        ({"day": "Sundays", "time": "10:00", "timezone": "America/New_York"}, NOW,
         datetime(2026, 3, 8, 14, 0, tzinfo=UTC)),
        # ... and 15:00 UTC the Sunday before, still EST.
        ({"day": "Sundays", "time": "10:00", "timezone": "America/New_York"},
         datetime(2026, 2, 26, 12, 0, tzinfo=UTC), datetime(2026, 3, 1, 15, 0, tzinfo=UTC)),
        ({"day": "Unknown", "time": "10:00", "timezone": "Asia/Tokyo"}, NOW, None),
        ({"day": "Mondays", "time": "late", "timezone": "Asia/Tokyo"}, NOW, None),
        ({"day": "Mondays", "time": "10:00", "timezone": "Mars/Olympus"}, NOW, None),
    ],
)
def test_weekly_broadcasts_convert_to_utc(broadcast: dict[str, Any], now: datetime, expected: Any) -> None:
    assert airing.next_broadcast(broadcast, now) == expected


def airing_catalog(tmp_path: Path, embedder: Any) -> tuple[Catalog, list[str]]:
    cat = make_catalog(tmp_path / "home", embedder)
    data = list(sample.entries(6, seed=13))
    for d in data:
        d["status"] = "ONGOING"
    data[5]["status"] = "FINISHED"
    sync(cat, write_source(tmp_path / "v1.json", data))
    ids = [anime_id_for(min(d["sources"])) for d in data]
    soon = (datetime.now(UTC) + timedelta(hours=2)).replace(microsecond=0)
    enrich = {
        ids[0]: {"anilist": {"next_airing": {"episode": 8, "airing_at": soon.isoformat()}}},
        ids[1]: {"anilist": {"next_airing": {"episode": 3, "airing_at": (soon + timedelta(days=3)).isoformat()}}},
        ids[2]: {"jikan": {"broadcast": {"day": "Saturdays", "time": "23:00", "timezone": "Asia/Tokyo"}}},
        ids[5]: {"anilist": {"next_airing": {"episode": 2, "airing_at": soon.isoformat()}}},  # finished
    }  # fmt: skip
    for anime_id, extra in enrich.items():
        entry = cat.store.require(anime_id)
        entry.enrichment = extra
        cat.store.put(entry)
    return cat, ids


def test_due_lists_entries_airing_within_the_window(tmp_path: Path, embedder: Any) -> None:
    cat, ids = airing_catalog(tmp_path, embedder)
    now = datetime.now(UTC)
    due = airing.due(cat, now)
    assert due[0].anime_id == ids[0] and due[0].episode == 8
    assert ids[1] not in {a.anime_id for a in due} and ids[5] not in {a.anime_id for a in due}
    saturday = airing.next_broadcast({"day": "Saturdays", "time": "23:00", "timezone": "Asia/Tokyo"}, now)
    assert (ids[2] in {a.anime_id for a in due}) == (saturday is not None and saturday <= now + timedelta(hours=24))
    assert {a.anime_id for a in airing.due(cat, now, hours=24 * 7)} >= {ids[0], ids[1], ids[2]}
    result = airing.episode_aired(cat, ids[0], 8)
    assert result["episodes"] == 8 and cat.store.require(ids[0]).episodes == 8
    assert airing.episode_aired(cat, ids[0], 3)["episodes"] == 8  # never backwards
    # An UPCOMING entry whose first episode airs is ONGOING, in the store and for search.
    from mangaflow.catalog.parts import COLLECTION

    upcoming = cat.store.require(ids[3])
    upcoming.status, upcoming.episodes = "UPCOMING", 0
    cat.store.put(upcoming)
    cat.index.set_payload(COLLECTION, [ids[3]], {"status": "UPCOMING"})
    airing.episode_aired(cat, ids[3], 1)
    assert cat.store.require(ids[3]).status == "ONGOING"
    [point] = cat.index.get(COLLECTION, [ids[3]])
    assert point.payload["status"] == "ONGOING"
    cat.close()


@pytest.mark.slow
def test_the_scheduler_creates_update_runs_at_air_time(prefect_server: None, tmp_path: Path, embedder: Any) -> None:
    from prefect import get_client

    from flows.catalog.airing import catalog_airing, catalog_episode_update

    cat, ids = airing_catalog(tmp_path, embedder)
    assert catalog_airing()["error"].startswith("no deployment catalog-episode-update/episode-update")
    with get_client(sync_client=True) as client:
        flow_id = client.create_flow(catalog_episode_update)
        client.create_deployment(flow_id=flow_id, name="episode-update",
                                 entrypoint="flows/catalog/airing.py:catalog_episode_update")  # fmt: skip
    result = catalog_airing()
    assert result["error"] is None and result["scheduled"][0]["animeId"] == ids[0]
    again = catalog_airing()  # the same episodes: no second run (idempotency key)
    first = {s["animeId"]: s for s in result["scheduled"]}
    with get_client(sync_client=True) as client:
        run = client.read_flow_run(first[ids[0]]["flowRunId"])
        assert run.state is not None and run.state.is_scheduled()
        assert run.parameters["event"]["animeId"] == ids[0] and run.parameters["event"]["episode"] == 8
        assert run.expected_start_time == datetime.fromisoformat(first[ids[0]]["airingAt"])
    assert [s["flowRunId"] for s in again["scheduled"]] == [s["flowRunId"] for s in result["scheduled"]]
    cat.close()
