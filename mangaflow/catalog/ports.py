"""The catalog's own port: an :class:`Enricher` adds fields to a new entry from an external
service (AniList, Jikan, Kitsu). None is needed offline; each one is a step that runs in
parallel with the image step before the entry is assembled for review."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from mangaflow.catalog.domain import AnimeEntry


class Enricher(ABC):
    name: str

    @abstractmethod
    def enrich(self, entry: AnimeEntry) -> dict[str, Any]:
        """Fields this service knows about the entry (stored under ``enrichment[name]``);
        raises a retryable ``ProviderError`` on transient failures."""
