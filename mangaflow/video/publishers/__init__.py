"""Video publishers, picked by ``settings.video_publisher``: ``local`` (a folder per video,
the default) or ``youtube`` (resumable uploads to the OAuth credentials' channel)."""

from __future__ import annotations

from collections.abc import Callable

from mangaflow.platform.config import Settings
from mangaflow.platform.errors import ConfigError
from mangaflow.platform.ports import ItemTable, Usage
from mangaflow.video.ports import VideoPublisher


def build_publisher(
    settings: Settings, table: ItemTable, on_usage: Callable[[Usage], None] | None = None
) -> VideoPublisher:
    """The publisher ``settings.video_publisher`` names. ``table`` holds the YouTube quota
    ledger; ``on_usage`` receives each YouTube call's ``Usage(calls=1, quota_units=n)``."""
    if settings.video_publisher == "local":
        from mangaflow.video.publishers.local import LocalFolderPublisher

        return LocalFolderPublisher(settings.publish_dir)
    if settings.video_publisher == "youtube":
        from mangaflow.video.publishers.youtube import YouTubePublisher

        return YouTubePublisher(settings, table, on_usage=on_usage)
    raise ConfigError(
        f"MANGAFLOW_VIDEO_PUBLISHER must be 'local' or 'youtube' (got {settings.video_publisher!r})"
    )


__all__ = ["build_publisher"]
