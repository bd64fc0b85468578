"""Enrichment of a new entry (seed 003, task 1.3): the steps (images, each configured
enricher) run in parallel, the entry is assembled, and a review item holds it until a person
decides. The flow (``flows/catalog/enrich.py``) runs the steps as tasks and waits for the
decision; these are the steps."""

from __future__ import annotations

import logging
import threading
from typing import Any

from mangaflow.catalog.domain import AnimeEntry, ImageRef, ReviewItem, SourceEntry
from mangaflow.catalog.enrichers import FACTORIES, EnricherFactory
from mangaflow.catalog.parts import Catalog
from mangaflow.catalog.ports import Enricher
from mangaflow.catalog.services.images import ImageIngest, entry_images
from mangaflow.platform.requests.model import utcnow

log = logging.getLogger("mangaflow.catalog")

#: Enrichers by name (``MANGAFLOW_CATALOG_ENRICHERS``): a factory ``Settings -> Enricher``.
#: The built-in ones (:mod:`mangaflow.catalog.enrichers`: anilist, jikan, kitsu) import their
#: adapter only when built; tests and plugins may add or replace entries.
ENRICHERS: dict[str, EnricherFactory] = dict(FACTORIES)
_BUILD_LOCK = threading.Lock()


def base_entry(anime_id: str, entry: dict[str, Any]) -> AnimeEntry:
    return AnimeEntry.from_source(SourceEntry.model_validate(entry), anime_id, utcnow())


def image_step(cat: Catalog, entry: AnimeEntry) -> dict[str, ImageRef]:
    if not cat.settings.catalog_images:
        return {}
    return entry_images(ImageIngest(cat), entry.anime_id,
                        {"picture": entry.picture, "thumbnail": entry.thumbnail})  # fmt: skip


def enricher_names(cat: Catalog) -> list[str]:
    unknown = [n for n in cat.settings.catalog_enrichers if n not in ENRICHERS]
    if unknown:
        log.warning("unknown enrichers %s ignored (known: %s)", unknown, sorted(ENRICHERS))
    return [n for n in cat.settings.catalog_enrichers if n in ENRICHERS]


def enricher(cat: Catalog, name: str) -> Enricher:
    """The enricher ``name`` of this catalog, built from its settings once (its HTTP client,
    cache and the service's process-wide rate limiter are then reused by every entry)."""
    key = ("enricher", name)
    with _BUILD_LOCK:
        built = cat.cache.get(key)
        if built is None:
            built = cat.cache[key] = ENRICHERS[name](cat.settings)
        return built


def enricher_step(cat: Catalog, name: str, entry: AnimeEntry) -> dict[str, Any]:
    return enricher(cat, name).enrich(entry)


def assemble(entry: AnimeEntry, images: dict[str, ImageRef], extra: dict[str, dict[str, Any]]) -> AnimeEntry:
    out = entry.model_copy(deep=True)
    out.images = images
    for kind in ("picture", "thumbnail"):
        ref = images.get(kind)
        if ref is not None and ref.status == "OK":
            setattr(out, kind, ref.url)
    out.enrichment = {k: v for k, v in extra.items() if v}
    return out


def queue_for_review(cat: Catalog, candidate: AnimeEntry, flow_run_id: str | None) -> ReviewItem:
    review = ReviewItem(anime_id=candidate.anime_id, kind="new", candidate=candidate,
                        flow_run_id=flow_run_id, created_at=utcnow())  # fmt: skip
    cat.store.put_review(review)
    return review
