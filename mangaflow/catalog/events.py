"""The catalog's domain events."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import Field

from mangaflow.platform.events import DomainEvent


class CatalogSyncRequested(DomainEvent):
    """Sync the catalog from ``location`` (empty: the configured source); the weekly
    schedule sends it with ``userId`` ``system``."""

    detail_type: ClassVar[str] = "catalog.sync.requested"
    source: ClassVar[str] = "mangaflow.catalog"
    location: str = ""
    force: bool = False


class CatalogEntryDiscovered(DomainEvent):
    """A new entry whose enrichment lock was taken: enrich it and wait for a reviewer."""

    detail_type: ClassVar[str] = "catalog.entry.discovered"
    source: ClassVar[str] = "mangaflow.catalog"
    anime_id: str = Field(alias="animeId")
    entry: dict[str, Any]
    lock_owner: str = Field(alias="lockOwner")


class CatalogReviewDecided(DomainEvent):
    """A reviewer decided on an entry whose enrichment flow run may be waiting for it."""

    detail_type: ClassVar[str] = "catalog.review.decided"
    source: ClassVar[str] = "mangaflow.catalog"
    anime_id: str = Field(alias="animeId")
    flow_run_id: str = Field(alias="flowRunId")
    decision: dict[str, Any]


class CatalogSnapshotRequested(DomainEvent):
    detail_type: ClassVar[str] = "catalog.snapshot.requested"
    source: ClassVar[str] = "mangaflow.catalog"


class CatalogAiringRequested(DomainEvent):
    """Schedule the next 24 hours' episode updates (daily, 00:30 UTC)."""

    detail_type: ClassVar[str] = "catalog.airing.requested"
    source: ClassVar[str] = "mangaflow.catalog"


class CatalogEpisodeAired(DomainEvent):
    """Episode ``episode`` of an entry airs now (scheduled by the airing scheduler)."""

    detail_type: ClassVar[str] = "catalog.episode.aired"
    source: ClassVar[str] = "mangaflow.catalog"
    anime_id: str = Field(alias="animeId")
    episode: int = Field(ge=1)
