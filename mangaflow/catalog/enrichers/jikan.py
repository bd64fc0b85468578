"""Jikan (the unofficial MyAnimeList REST API, ``GET /anime/{mal_id}`` under
``MANGAFLOW_CATALOG_JIKAN_URL``) for an entry with a ``myanimelist`` source URL.

Normalised: ``id`` (``mal_id``), ``url``, ``synopsis``, ``genres`` (names), ``score`` (already
0..10), ``episodes``, ``status`` (our vocabulary; ``status_raw`` keeps Jikan's) and
``broadcast`` ``{"day", "time", "timezone"}`` as given (when Jikan knows it). Public limits 3
requests a second and 60 a minute: ``MANGAFLOW_CATALOG_JIKAN_RPS`` / ``_RPM`` (3 / 60)."""

from __future__ import annotations

from typing import Any

import httpx
from pyrate_limiter import Rate

from mangaflow.catalog.domain import AnimeEntry
from mangaflow.catalog.enrichers.base import (
    HttpEnricher,
    int_or_none,
    per_second_and_minute,
    score10,
    source_id,
)
from mangaflow.catalog.enrichers.cache import ResponseCache
from mangaflow.platform.config import Settings

STATUSES = {
    "Finished Airing": "FINISHED", "Currently Airing": "ONGOING", "Not yet aired": "UPCOMING",
}  # fmt: skip


class JikanEnricher(HttpEnricher):
    name = "jikan"
    url_setting = "MANGAFLOW_CATALOG_JIKAN_URL"

    def __init__(
        self, settings: Settings, *, rates: list[Rate] | None = None,
        client: httpx.Client | None = None, cache: ResponseCache | None = None,
    ) -> None:  # fmt: skip
        default = per_second_and_minute(settings.catalog_jikan_rps, settings.catalog_jikan_rpm)
        super().__init__(settings, base_url=settings.catalog_jikan_url, client=client,
                         cache=cache, rates=rates or default)  # fmt: skip

    def enrich(self, entry: AnimeEntry) -> dict[str, Any]:
        mal_id = source_id(entry, "myanimelist")
        if mal_id is None:
            return {}
        answer = self.request("GET", f"/anime/{mal_id}", headers={"Accept": "application/json"})
        data = answer.get("data") if isinstance(answer, dict) else None
        return normalise(data) if isinstance(data, dict) else {}


def normalise(data: dict[str, Any]) -> dict[str, Any]:
    raw_status = data.get("status")
    out: dict[str, Any] = {
        "source": JikanEnricher.name,
        "id": data.get("mal_id"),
        "url": data.get("url") or "",
        "synopsis": data.get("synopsis") or "",
        "genres": [g["name"] for g in data.get("genres") or [] if isinstance(g, dict) and g.get("name")],
        "score": score10(data.get("score")),
        "episodes": int_or_none(data.get("episodes")),
        "status": STATUSES.get(str(raw_status), "UNKNOWN"),
        "status_raw": raw_status,
    }
    broadcast = data.get("broadcast")
    if isinstance(broadcast, dict) and any(broadcast.get(k) for k in ("day", "time")):
        out["broadcast"] = {k: broadcast.get(k) for k in ("day", "time", "timezone")}
    return out
