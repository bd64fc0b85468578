"""External enrichers of new catalog entries (the :class:`~mangaflow.catalog.ports.Enricher`
port): AniList, Jikan (MyAnimeList) and Kitsu, each built from settings.

:data:`FACTORIES` maps each name of ``MANGAFLOW_CATALOG_ENRICHERS`` to a function
``Settings -> Enricher``; an adapter's module (httpx, pyrate-limiter) is imported only when
it is built. ``mangaflow.catalog.services.enrich.ENRICHERS`` starts from this mapping."""

from __future__ import annotations

from collections.abc import Callable

from mangaflow.catalog.ports import Enricher
from mangaflow.platform.config import Settings

EnricherFactory = Callable[[Settings], Enricher]


def anilist(settings: Settings) -> Enricher:
    from mangaflow.catalog.enrichers.anilist import AniListEnricher

    return AniListEnricher(settings)


def jikan(settings: Settings) -> Enricher:
    from mangaflow.catalog.enrichers.jikan import JikanEnricher

    return JikanEnricher(settings)


def kitsu(settings: Settings) -> Enricher:
    from mangaflow.catalog.enrichers.kitsu import KitsuEnricher

    return KitsuEnricher(settings)


FACTORIES: dict[str, EnricherFactory] = {"anilist": anilist, "jikan": jikan, "kitsu": kitsu}
