"""The video product's event routes."""

from __future__ import annotations

from mangaflow.platform.routes import Route
from mangaflow.video.events import (
    VideoRenderFinished,
    VideoRequested,
    VideoStatsRequested,
    VideoTrendsRequested,
)

ROUTES = (
    Route(VideoTrendsRequested, "video-trends", "daily", "flows/video/trends.py:video_trends"),
    Route(VideoRequested, "video-produce", "produce", "flows/video/produce.py:video_produce"),
    Route(VideoRenderFinished, "video-render-finished", "render-finished",
          "flows/video/produce.py:video_render_finished"),
    Route(VideoStatsRequested, "video-stats", "stats", "flows/video/stats.py:video_stats"),
)  # fmt: skip
