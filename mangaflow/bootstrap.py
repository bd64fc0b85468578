"""The composition root: Settings → a wired :class:`~mangaflow.platform.context.Context`.
Every dependency can be overridden (tests pass their own providers or storage). Only entry
points (CLI, flows, API app, dashboard, Lambda handlers) import this module; services receive
the context."""

from __future__ import annotations

import threading
from typing import Any

from mangaflow.platform.config import Settings, get_settings
from mangaflow.platform.context import Context
from mangaflow.platform.ports import BlobStore, ItemTable


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


def build(settings: Settings | None = None, **overrides: Any) -> Context:
    """Wire a context from settings; keyword overrides replace any part."""
    from mangaflow.platform.registry import build_bus, load_registry

    settings = settings or get_settings()
    parts: dict[str, Any] = dict(overrides)
    if "bus" not in parts:
        parts["bus"] = build_bus(settings.event_bus, settings)
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
    return Context(settings=settings, **parts)


_current: Context | None = None
_lock = threading.Lock()


def get_context() -> Context:
    """The process-wide context (built from settings on first use)."""
    global _current
    with _lock:
        if _current is None:
            _current = build()
        return _current


def set_context(context: Context | None) -> None:
    """Install a context for this process (``None`` resets to lazy build)."""
    global _current
    with _lock:
        _current = context
