"""The typed context every service receives: settings, storage, the event bus, model
providers, limits and a progress sink. The composition root (:mod:`mangaflow.bootstrap`)
builds it; services never import the root, so tests and other products can hand them any
context they build."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from mangaflow.platform.config import Settings
from mangaflow.platform.limits import ProviderLimiter, limiter_for
from mangaflow.platform.ports import (
    BlobStore,
    EventBus,
    ImageModel,
    ItemTable,
    ProgressSink,
    TasteInsights,
    TextModel,
)
from mangaflow.platform.requests.store import RequestStore

T = TypeVar("T")


class NullProgress:
    """Progress sink that ignores everything (the default outside the CLI)."""

    def stage(self, request_id: str, stage: str, detail: str = "") -> None:
        pass

    def panels(self, request_id: str, done: int, total: int) -> None:
        pass


@dataclass
class Context:
    """Everything a service needs, built once per process (or per test).

    ``requests`` is the platform's record store (requests, usage, claims, dead letters); a
    product reaches its own records through :meth:`store` (e.g. manga's ``repo(c)``)."""

    settings: Settings
    table: ItemTable
    blobs: BlobStore
    bus: EventBus
    text: TextModel
    image: ImageModel
    insights: TasteInsights
    progress: ProgressSink = field(default_factory=NullProgress)
    requests: RequestStore = field(init=False)
    image_limit: int = field(init=False)
    image_limiter: ProviderLimiter = field(init=False)
    text_limiter: ProviderLimiter = field(init=False)

    def __post_init__(self) -> None:
        self.requests = RequestStore(self.table)
        s = self.settings
        self.image_limit = min(s.image_concurrency, max(1, self.image.max_concurrency))
        # Per-provider limits shared by every request this process runs.
        self.image_limiter = limiter_for(f"image:{self.image.name}", self.image_limit, s.image_rpm)
        self.text_limiter = limiter_for(f"text:{self.text.name}", s.text_concurrency, s.text_rpm)
        self._stores: dict[Any, Any] = {}
        self._stores_lock = threading.Lock()

    def store(self, factory: Callable[[ItemTable], T]) -> T:
        """The product record store ``factory(table)``, made once per context."""
        with self._stores_lock:
            if factory not in self._stores:
                self._stores[factory] = factory(self.table)
            return self._stores[factory]

    @property
    def provider_labels(self) -> dict[str, str]:
        return {"text": self.text.name, "image": self.image.name, "insights": self.insights.name}

    @property
    def offline(self) -> bool:
        return self.text.offline and self.image.offline
