"""Kitsu (JSON:API, ``GET /anime/{id}?include=categories`` under
``MANGAFLOW_CATALOG_KITSU_URL``) for an entry with a ``kitsu`` source URL.

Normalised: ``id`` (Kitsu's, a string as JSON:API gives it), ``url`` (the anime's page on
kitsu.app), ``synopsis``, ``genres`` (the included categories' titles), ``score``
(``averageRating``, a 0..100 string → 0..10), ``episodes`` (``episodeCount``), ``status``
(our vocabulary; ``status_raw`` keeps Kitsu's) and ``start_date``. Kitsu publishes no limit;
we stay polite: ``MANGAFLOW_CATALOG_KITSU_RPM`` (60)."""

from __future__ import annotations

from typing import Any

import httpx
from pyrate_limiter import Duration, Rate

from mangaflow.catalog.domain import AnimeEntry
from mangaflow.catalog.enrichers.base import HttpEnricher, int_or_none, score10, source_id
from mangaflow.catalog.enrichers.cache import ResponseCache
from mangaflow.platform.config import Settings

STATUSES = {
    "finished": "FINISHED", "current": "ONGOING", "upcoming": "UPCOMING",
    "unreleased": "UPCOMING", "tba": "UPCOMING",
}  # fmt: skip
JSON_API = "application/vnd.api+json"
SITE = "https://kitsu.app/anime/"


class KitsuEnricher(HttpEnricher):
    name = "kitsu"
    url_setting = "MANGAFLOW_CATALOG_KITSU_URL"

    def __init__(
        self, settings: Settings, *, rates: list[Rate] | None = None,
        client: httpx.Client | None = None, cache: ResponseCache | None = None,
    ) -> None:  # fmt: skip
        super().__init__(
            settings, base_url=settings.catalog_kitsu_url, client=client, cache=cache,
            rates=rates or [Rate(settings.catalog_kitsu_rpm, Duration.MINUTE)],
        )  # fmt: skip

    def enrich(self, entry: AnimeEntry) -> dict[str, Any]:
        kitsu_id = source_id(entry, "kitsu")
        if kitsu_id is None:
            return {}
        answer = self.request("GET", f"/anime/{kitsu_id}?include=categories",
                              headers={"Accept": JSON_API})  # fmt: skip
        if not isinstance(answer, dict) or not isinstance(answer.get("data"), dict):
            return {}
        return normalise(answer["data"], answer.get("included") or [])


def normalise(data: dict[str, Any], included: list[Any]) -> dict[str, Any]:
    attrs = data.get("attributes") or {}
    raw_status = attrs.get("status")
    genres = [
        inc["attributes"]["title"] for inc in included
        if isinstance(inc, dict) and inc.get("type") == "categories"
        and isinstance(inc.get("attributes"), dict) and inc["attributes"].get("title")
    ]  # fmt: skip
    kitsu_id = data.get("id")
    return {
        "source": KitsuEnricher.name,
        "id": kitsu_id,
        "url": SITE + str(attrs.get("slug") or kitsu_id),
        "synopsis": attrs.get("synopsis") or "",
        "genres": genres,
        "score": score10(attrs.get("averageRating"), 100.0),
        "episodes": int_or_none(attrs.get("episodeCount")),
        "status": STATUSES.get(str(raw_status), "UNKNOWN"),
        "status_raw": raw_status,
        "start_date": attrs.get("startDate"),
    }
