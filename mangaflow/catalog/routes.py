"""The catalog's event routes."""

from __future__ import annotations

from mangaflow.catalog.events import (
    CatalogAiringRequested,
    CatalogEntryDiscovered,
    CatalogEpisodeAired,
    CatalogReviewDecided,
    CatalogSnapshotRequested,
    CatalogSyncRequested,
)
from mangaflow.platform.routes import Route

ROUTES = (
    Route(CatalogSyncRequested, "catalog-sync", "weekly", "flows/catalog/sync.py:catalog_sync"),
    Route(CatalogEntryDiscovered, "catalog-enrich", "enrich",
          "flows/catalog/enrich.py:catalog_enrich"),
    Route(CatalogReviewDecided, "catalog-review-decided", "review",
          "flows/catalog/enrich.py:deliver_review"),
    Route(CatalogSnapshotRequested, "catalog-snapshot", "snapshot",
          "flows/catalog/snapshot.py:catalog_snapshot"),
    Route(CatalogAiringRequested, "catalog-airing", "airing",
          "flows/catalog/airing.py:catalog_airing"),
    Route(CatalogEpisodeAired, "catalog-episode-update", "episode-update",
          "flows/catalog/airing.py:catalog_episode_update"),
)  # fmt: skip
