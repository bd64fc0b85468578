"""AniList (GraphQL, ``POST`` to ``MANGAFLOW_CATALOG_ANILIST_URL``): the ``Media`` of an entry
by its AniList id (an ``anilist`` source URL) or else its MyAnimeList id (``idMal``).

Normalised: ``id`` (AniList's), ``url`` (``siteUrl``), ``synopsis`` (the description without
HTML), ``genres``, ``score`` (``averageScore`` 0..100 → 0..10), ``episodes``, ``status`` (our
vocabulary; ``status_raw`` keeps AniList's), ``studios`` (main studios) and, while it airs,
``next_airing`` ``{"episode", "airing_at"}`` (ISO-8601 UTC). Public limit 90 requests a minute,
currently degraded to 30: ``MANGAFLOW_CATALOG_ANILIST_RPM`` (30)."""

from __future__ import annotations

from typing import Any

import httpx
from pyrate_limiter import Duration, Rate

from mangaflow.catalog.domain import AnimeEntry
from mangaflow.catalog.enrichers.base import (
    HttpEnricher,
    int_or_none,
    iso_utc,
    plain_text,
    score10,
    source_id,
)
from mangaflow.catalog.enrichers.cache import ResponseCache
from mangaflow.platform.config import Settings

QUERY = """query ($id: Int, $idMal: Int) {
  Media(id: $id, idMal: $idMal, type: ANIME) {
    id idMal siteUrl description(asHtml: false) genres averageScore episodes status
    nextAiringEpisode { airingAt episode }
    studios(isMain: true) { nodes { name } }
  }
}"""

STATUSES = {
    "FINISHED": "FINISHED", "RELEASING": "ONGOING", "NOT_YET_RELEASED": "UPCOMING",
    "CANCELLED": "UNKNOWN", "HIATUS": "ONGOING",
}  # fmt: skip


class AniListEnricher(HttpEnricher):
    name = "anilist"
    url_setting = "MANGAFLOW_CATALOG_ANILIST_URL"

    def __init__(
        self, settings: Settings, *, rates: list[Rate] | None = None,
        client: httpx.Client | None = None, cache: ResponseCache | None = None,
    ) -> None:  # fmt: skip
        super().__init__(
            settings, base_url=settings.catalog_anilist_url, client=client, cache=cache,
            rates=rates or [Rate(settings.catalog_anilist_rpm, Duration.MINUTE)],
        )  # fmt: skip

    def enrich(self, entry: AnimeEntry) -> dict[str, Any]:
        anilist_id = source_id(entry, "anilist")
        mal_id = source_id(entry, "myanimelist")
        if anilist_id is None and mal_id is None:
            return {}
        variables = {"id": anilist_id} if anilist_id is not None else {"idMal": mal_id}
        answer = self.request(
            "POST", "", body={"query": QUERY, "variables": variables},
            headers={"Accept": "application/json"},
        )  # fmt: skip
        data = answer.get("data") if isinstance(answer, dict) else None
        media = data.get("Media") if isinstance(data, dict) else None
        return normalise(media) if isinstance(media, dict) else {}


def normalise(media: dict[str, Any]) -> dict[str, Any]:
    raw_status = media.get("status")
    studios = (media.get("studios") or {}).get("nodes") or []
    out: dict[str, Any] = {
        "source": AniListEnricher.name,
        "id": media.get("id"),
        "url": media.get("siteUrl") or "",
        "synopsis": plain_text(media.get("description")),
        "genres": [g for g in media.get("genres") or [] if isinstance(g, str)],
        "score": score10(media.get("averageScore"), 100.0),
        "episodes": int_or_none(media.get("episodes")),
        "status": STATUSES.get(str(raw_status), "UNKNOWN"),
        "status_raw": raw_status,
        "studios": [s["name"] for s in studios if isinstance(s, dict) and s.get("name")],
    }
    nxt = media.get("nextAiringEpisode")
    if isinstance(nxt, dict) and (when := iso_utc(nxt.get("airingAt"))):
        out["next_airing"] = {"episode": int_or_none(nxt.get("episode")), "airing_at": when}
    return out
