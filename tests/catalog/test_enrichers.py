"""The external enrichers (AniList, Jikan, Kitsu) against loopback fakes of the services:
normalised output, nothing to do without a source URL, 404, retries of 429 (honouring
Retry-After) and 5xx, invalid JSON, the HTTP cache and the per-service rate limiter; and one
entry through the enrichment step with ``catalog_enrichers=["jikan"]``."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pyrate_limiter import Duration, Rate

from mangaflow.catalog import sample
from mangaflow.catalog.domain import AnimeEntry
from mangaflow.catalog.enrichers.anilist import AniListEnricher
from mangaflow.catalog.enrichers.base import per_second_and_minute, source_id
from mangaflow.catalog.enrichers.cache import MISS, ResponseCache
from mangaflow.catalog.enrichers.jikan import JikanEnricher
from mangaflow.catalog.enrichers.kitsu import KitsuEnricher
from mangaflow.catalog.services import enrich
from mangaflow.platform.config import Settings
from mangaflow.platform.errors import ProviderRateLimited, ProviderUnavailable
from tests.catalog.conftest import make_catalog
from tests.conftest import make_settings
from tests.fakes.anime_services import AnimeServices

MAL = "https://myanimelist.net/anime/5114"
ANILIST = "https://anilist.co/anime/5114"
KITSU = "https://kitsu.app/anime/3936"


@pytest.fixture
def fake() -> Iterator[AnimeServices]:
    with AnimeServices() as f:
        yield f


def settings_for(home: Path, fake: AnimeServices, **overrides: Any) -> Settings:
    """Generous limits (the limiters are per process and shared between tests)."""
    values: dict[str, Any] = {
        "catalog_anilist_url": fake.url("anilist"), "catalog_jikan_url": fake.url("jikan"),
        "catalog_kitsu_url": fake.url("kitsu"), "catalog_anilist_rpm": 100000,
        "catalog_jikan_rps": 1000, "catalog_jikan_rpm": 100000, "catalog_kitsu_rpm": 100000,
    }  # fmt: skip
    values.update(overrides)
    return make_settings(home, **values)


def entry(*sources: str) -> AnimeEntry:
    return AnimeEntry(anime_id="a1", sources=list(sources), title="Bakery Witch", type="TV",
                      episodes=12, status="ONGOING")  # fmt: skip


# --------------------------------------------------------------------------- output


def test_anilist_output_is_normalised(tmp_path: Path, fake: AnimeServices) -> None:
    out = AniListEnricher(settings_for(tmp_path, fake)).enrich(entry(ANILIST, MAL))
    assert out == {
        "source": "anilist", "id": 5114, "url": "https://anilist.co/anime/5114",
        "synopsis": "A witch opens a bakery.\n\nShe meets a talking cat & friends.",
        "genres": ["Comedy", "Slice of Life"], "score": 8.4, "episodes": 12,
        "status": "ONGOING", "status_raw": "RELEASING", "studios": ["Studio Example"],
        "next_airing": {"episode": 7, "airing_at": "2026-01-03T14:00:00Z"},
    }  # fmt: skip
    # By AniList id when there is one; only a MAL URL → asked by idMal.
    assert '"variables":{"id":5114}' in fake.requests[0].body
    by_mal = AniListEnricher(settings_for(tmp_path, fake)).enrich(entry(MAL))
    assert by_mal["id"] == 905114 and '"variables":{"idMal":5114}' in fake.requests[1].body


def test_jikan_output_is_normalised(tmp_path: Path, fake: AnimeServices) -> None:
    out = JikanEnricher(settings_for(tmp_path, fake)).enrich(entry(MAL, KITSU))
    assert out == {
        "source": "jikan", "id": 5114, "url": "https://myanimelist.net/anime/5114",
        "synopsis": "A witch opens a bakery.", "genres": ["Comedy", "Slice of Life"],
        "score": 8.12, "episodes": 12, "status": "ONGOING", "status_raw": "Currently Airing",
        "broadcast": {"day": "Saturdays", "time": "23:00", "timezone": "Asia/Tokyo"},
    }  # fmt: skip
    assert fake.requests[0].method == "GET" and fake.requests[0].path == "/jikan/anime/5114"


def test_kitsu_output_is_normalised(tmp_path: Path, fake: AnimeServices) -> None:
    out = KitsuEnricher(settings_for(tmp_path, fake)).enrich(entry(MAL, KITSU))
    assert out == {
        "source": "kitsu", "id": "3936", "url": "https://kitsu.app/anime/bakery-witch",
        "synopsis": "A witch opens a bakery.", "genres": ["Comedy", "Magic"], "score": 8.12,
        "episodes": 12, "status": "ONGOING", "status_raw": "current", "start_date": "2025-10-04",
    }  # fmt: skip
    assert fake.requests[0].path == "/kitsu/anime/3936?include=categories"


def test_source_ids_match_the_site_name_in_the_host_and_the_anime_path() -> None:
    generated = entry(*(site.format(100007) for site in sample.SITES))  # *.example hosts
    assert [source_id(generated, s) for s in ("myanimelist", "anilist", "kitsu")] == [100007] * 3
    assert source_id(entry("https://myanimelist.net/manga/5114"), "myanimelist") is None
    assert source_id(entry("https://anidb.net/anime/5114"), "anilist") is None


@pytest.mark.parametrize("cls", [AniListEnricher, JikanEnricher, KitsuEnricher])
def test_no_source_url_for_the_service_is_nothing_to_do(
    tmp_path: Path, fake: AnimeServices, cls: type[Any]
) -> None:
    assert cls(settings_for(tmp_path, fake)).enrich(entry("https://anidb.net/anime/1")) == {}
    assert fake.requests == []


@pytest.mark.parametrize("cls", [AniListEnricher, JikanEnricher, KitsuEnricher])
def test_not_found_is_empty(tmp_path: Path, fake: AnimeServices, cls: type[Any]) -> None:
    fake.missing |= {5114, 3936}
    enricher = cls(settings_for(tmp_path, fake))
    assert enricher.enrich(entry(ANILIST, MAL, KITSU)) == {}
    # The 404 is remembered too: a re-run asks nothing.
    assert enricher.enrich(entry(ANILIST, MAL, KITSU)) == {} and len(fake.requests) == 1


# --------------------------------------------------------------------------- failures


def test_429_with_retry_after_is_waited_for_and_retried(tmp_path: Path, fake: AnimeServices) -> None:
    fake.script["jikan"] = [(429, {"Retry-After": "1"}, b'{"status": 429}')]
    out = JikanEnricher(settings_for(tmp_path, fake, provider_retries=2)).enrich(entry(MAL))
    assert out["id"] == 5114
    first, second = fake.times("jikan")
    assert second - first >= 0.95  # Retry-After honoured (the backoff alone is 0 here)


def test_429_that_persists_is_a_retryable_rate_limit(tmp_path: Path, fake: AnimeServices) -> None:
    fake.script["kitsu"] = [(429, {"Retry-After": "0"}, b"")] * 3
    with pytest.raises(ProviderRateLimited) as err:
        KitsuEnricher(settings_for(tmp_path, fake, provider_retries=1)).enrich(entry(KITSU))
    assert err.value.retryable and err.value.retry_after == 0 and fake.count("kitsu") == 2


def test_a_persistent_500_is_a_retryable_error_after_the_in_call_retries(
    tmp_path: Path, fake: AnimeServices
) -> None:
    fake.script["anilist"] = [(500, {}, b"oops")] * 5
    with pytest.raises(ProviderUnavailable) as err:
        AniListEnricher(settings_for(tmp_path, fake, provider_retries=2)).enrich(entry(ANILIST))
    assert err.value.retryable and fake.count("anilist") == 3
    # Errors are not cached: once the service is back the entry is enriched.
    fake.script["anilist"] = []
    assert AniListEnricher(settings_for(tmp_path, fake)).enrich(entry(ANILIST))["id"] == 5114


def test_a_200_that_is_not_json_is_unavailable(tmp_path: Path, fake: AnimeServices) -> None:
    fake.script["jikan"] = [(200, {"Content-Type": "text/html"}, b"<html>502 Bad Gateway</html>")]
    with pytest.raises(ProviderUnavailable, match="not JSON"):
        JikanEnricher(settings_for(tmp_path, fake)).enrich(entry(MAL))


def test_a_service_that_cannot_be_reached_is_unavailable(tmp_path: Path) -> None:
    from tests.fakes.net import closed_url

    settings = make_settings(tmp_path, catalog_jikan_url=closed_url("/v4"), catalog_jikan_rps=1000,
                             catalog_jikan_rpm=100000)  # fmt: skip
    with pytest.raises(ProviderUnavailable, match="could not be reached"):
        JikanEnricher(settings).enrich(entry(MAL))


# --------------------------------------------------------------------------- cache, limits


def test_a_cached_answer_makes_no_second_request(tmp_path: Path, fake: AnimeServices) -> None:
    settings = settings_for(tmp_path, fake)
    first = AniListEnricher(settings).enrich(entry(ANILIST))
    again = AniListEnricher(settings).enrich(entry(ANILIST))  # a new instance: the file cache
    assert again == first and fake.count("anilist") == 1
    assert (tmp_path / "cache" / "enrichers" / "http.sqlite").is_file()
    # Another body (idMal instead of id) is another key.
    AniListEnricher(settings).enrich(entry(MAL))
    assert fake.count("anilist") == 2


def test_cache_entries_expire_after_the_ttl_and_zero_disables_it(tmp_path: Path) -> None:
    now = [1000.0]
    cache = ResponseCache(tmp_path / "c.sqlite", 60, clock=lambda: now[0])
    cache.put("GET", "http://x/a", "", {"a": 1})
    assert cache.get("GET", "http://x/a") == {"a": 1} and cache.get("POST", "http://x/a") is MISS
    now[0] += 60
    assert cache.get("GET", "http://x/a") is MISS
    off = ResponseCache(tmp_path / "off.sqlite", 0)
    off.put("GET", "http://x/a", "", {"a": 1})
    assert off.get("GET", "http://x/a") is MISS and not (tmp_path / "off.sqlite").exists()


def test_the_rate_limiter_spaces_the_calls(tmp_path: Path, fake: AnimeServices) -> None:
    settings = settings_for(tmp_path, fake, catalog_enricher_cache_seconds=0)
    jikan = JikanEnricher(settings, rates=[Rate(5, Duration.SECOND)])
    for i in range(8):
        jikan.enrich(entry(f"https://myanimelist.net/anime/{i + 1}"))
    times = fake.times("jikan")
    assert len(times) == 8
    # No window of one second holds more than 5 requests.
    assert all(times[i + 5] - times[i] >= 0.95 for i in range(len(times) - 5))


def test_default_rates_follow_the_public_limits(tmp_path: Path) -> None:
    s = make_settings(tmp_path)
    assert [(r.limit, r.interval) for r in JikanEnricher(s).rates] == [(3, 1000), (60, 60000)]
    assert [(r.limit, r.interval) for r in AniListEnricher(s).rates] == [(30, 60000)]
    assert [(r.limit, r.interval) for r in KitsuEnricher(s).rates] == [(60, 60000)]
    assert (s.catalog_anilist_url, s.catalog_jikan_url, s.catalog_kitsu_url) == (
        "https://graphql.anilist.co", "https://api.jikan.moe/v4", "https://kitsu.app/api/edge")
    assert s.catalog_enricher_cache_seconds == 86400
    assert [(r.limit, r.interval) for r in per_second_and_minute(5, 4)] == [(4, 60000)]
    assert [(r.limit, r.interval) for r in per_second_and_minute(2, 500)] == [(2, 1000)]


# --------------------------------------------------------------------------- registration


def test_the_enrichment_step_runs_a_configured_enricher(tmp_path: Path, fake: AnimeServices) -> None:
    s = settings_for(tmp_path, fake)
    cat = make_catalog(tmp_path / "home", catalog_enrichers=["jikan", "nope"],
                       catalog_jikan_url=s.catalog_jikan_url, catalog_jikan_rps=1000,
                       catalog_jikan_rpm=100000)  # fmt: skip
    try:
        base = enrich.base_entry("anime-1", next(sample.entries(1, seed=4)))
        assert enrich.enricher_names(cat) == ["jikan"]
        out = enrich.enricher_step(cat, "jikan", base)
        assert out["source"] == "jikan" and out["id"] == 100000
        assert fake.requests[0].path == "/jikan/anime/100000"
        assert enrich.enricher(cat, "jikan") is enrich.enricher(cat, "jikan")  # built once
        candidate = enrich.assemble(base, {}, {"jikan": out, "kitsu": {}})
        assert candidate.enrichment == {"jikan": out}
    finally:
        cat.close()


def test_the_registry_knows_the_three_services_without_import_cycles() -> None:
    assert {"anilist", "jikan", "kitsu"} <= set(enrich.ENRICHERS)
    for first in ("mangaflow.catalog.enrichers.jikan", "mangaflow.catalog.services.enrich"):
        code = (f"import {first}; from mangaflow.catalog.services.enrich import ENRICHERS; "
                "print(sorted(ENRICHERS))")  # fmt: skip
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == "['anilist', 'jikan', 'kitsu']"


@pytest.mark.slow
def test_the_enrichment_flow_stores_each_enrichers_result_and_retries_a_transient_failure(
    prefect_server: None, tmp_path: Path, fake: AnimeServices
) -> None:
    from flows.catalog.enrich import catalog_enrich
    from mangaflow.catalog.events import CatalogEntryDiscovered
    from mangaflow.catalog.services import review

    s = settings_for(tmp_path, fake)
    cat = make_catalog(
        tmp_path / "home", catalog_enrichers=["jikan", "kitsu"],
        **{k: getattr(s, k) for k in ("catalog_jikan_url", "catalog_kitsu_url", "catalog_jikan_rps",
                                      "catalog_jikan_rpm", "catalog_kitsu_rpm")},
    )  # fmt: skip
    fake.script["kitsu"] = [(503, {}, b"busy")]  # one task retry (no in-call retries here)
    source = dict(next(sample.entries(1, seed=4)), sources=[MAL, KITSU])
    event = CatalogEntryDiscovered(userId="system", requestId="sync-1", animeId="anime-e2e",
                                   entry=source, lockOwner="test")  # fmt: skip
    try:
        assert catalog_enrich(event.detail())["review"] == "queued"
        (item,) = review.queue(cat)
        assert set(item.candidate.enrichment) == {"jikan", "kitsu"}
        assert item.candidate.enrichment["jikan"]["broadcast"]["day"] == "Saturdays"
        assert item.candidate.enrichment["kitsu"]["genres"] == ["Comedy", "Magic"]
        assert fake.count("jikan") == 1 and fake.count("kitsu") == 2
    finally:
        cat.close()
