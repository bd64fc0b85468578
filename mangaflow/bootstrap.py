"""The composition root: Settings → wired adapters and services. Every dependency can be
overridden (tests pass their own providers or storage)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from mangaflow.manga.repository import Repository
from mangaflow.platform.config import Settings, get_settings
from mangaflow.platform.ports import (
    BlobStore,
    EventBus,
    ImageModel,
    ItemTable,
    TasteInsights,
    TextModel,
)


class NullProgress:
    """Progress sink that ignores everything (the default outside the CLI)."""

    def stage(self, request_id: str, stage: str, detail: str = "") -> None:
        pass

    def panels(self, request_id: str, done: int, total: int) -> None:
        pass


@dataclass
class Container:
    """Everything a service needs, built once per process (or per test)."""

    settings: Settings
    table: ItemTable
    blobs: BlobStore
    bus: EventBus
    text: TextModel
    image: ImageModel
    insights: TasteInsights
    progress: Any = field(default_factory=NullProgress)

    def __post_init__(self) -> None:
        self.repo = Repository(self.table)
        from mangaflow.platform.limits import limiter_for

        s = self.settings
        self.image_limit = min(s.image_concurrency, max(1, self.image.max_concurrency))
        # Per-provider limits shared by every request this process runs.
        self.image_limiter = limiter_for(f"image:{self.image.name}", self.image_limit, s.image_rpm)
        self.text_limiter = limiter_for(f"text:{self.text.name}", s.text_concurrency, s.text_rpm)

    @property
    def provider_labels(self) -> dict[str, str]:
        return {"text": self.text.name, "image": self.image.name, "insights": self.insights.name}

    @property
    def offline(self) -> bool:
        return self.text.offline and self.image.offline


def _table(settings: Settings) -> ItemTable:
    if settings.table_backend == "sqlite":
        from mangaflow.platform.adapters.storage.sqlite import SqliteItemTable

        return SqliteItemTable(settings.db_path)
    from mangaflow.platform.adapters.storage.dynamodb import DynamoItemTable

    return DynamoItemTable(settings.table_name, region=settings.aws_region)


def _blobs(settings: Settings) -> BlobStore:
    if settings.blob_backend == "local":
        from mangaflow.platform.adapters.storage.localfs import LocalBlobStore

        return LocalBlobStore(settings.blob_root)
    from mangaflow.platform.adapters.storage.s3 import S3BlobStore

    return S3BlobStore(settings.bucket, region=settings.aws_region)


def _bus(settings: Settings) -> EventBus:
    if settings.event_bus == "inline":
        from mangaflow.platform.adapters.events.inline import InlineEventBus

        return InlineEventBus()
    if settings.event_bus == "eventbridge":
        from mangaflow.platform.adapters.events.eventbridge import EventBridgeBus

        return EventBridgeBus(settings.event_bus_name, region=settings.aws_region)
    from flows.platform.bus import DEFAULT_DEPLOYMENTS, PrefectDeploymentBus

    return PrefectDeploymentBus(DEFAULT_DEPLOYMENTS)


def build(settings: Settings | None = None, **overrides: Any) -> Container:
    """Wire a container from settings; keyword overrides replace any part."""
    from mangaflow.platform.registry import load_registry

    settings = settings or get_settings()
    parts: dict[str, Any] = dict(overrides)
    if not {"text", "image", "insights"} <= parts.keys():
        registry = load_registry()
        parts.setdefault("text", registry.create_text(settings.text_provider, settings))
        parts.setdefault("image", registry.create_image(settings.image_provider, settings))
        parts.setdefault(
            "insights", registry.create_insights(settings.insights_provider, settings)
        )
    if "table" not in parts:
        parts["table"] = _table(settings)
    if "blobs" not in parts:
        parts["blobs"] = _blobs(settings)
    if "bus" not in parts:
        parts["bus"] = _bus(settings)
    return Container(settings=settings, **parts)


_current: Container | None = None
_lock = threading.Lock()


def get_container() -> Container:
    """The process-wide container (built from settings on first use)."""
    global _current
    with _lock:
        if _current is None:
            _current = build()
        return _current


def set_container(container: Container | None) -> None:
    """Install a container for this process (``None`` resets to lazy build)."""
    global _current
    with _lock:
        _current = container
