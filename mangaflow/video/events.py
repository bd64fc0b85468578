"""The video product's domain events."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from mangaflow.platform.events import DomainEvent


class VideoTrendsRequested(DomainEvent):
    """Detect today's trends for every topic (or one, ``topicId``); the daily schedule
    (08:00 America/New_York) sends it with ``userId`` ``system``. Topics scheduled ``daily``
    (or ``weekly``, on Mondays) then get a video request each."""

    detail_type: ClassVar[str] = "video.trends.requested"
    source: ClassVar[str] = "mangaflow.video"
    topic_id: str = Field(default="", alias="topicId")


class VideoRequested(DomainEvent):
    """Make (or resume) video ``videoId`` of request ``requestId``."""

    detail_type: ClassVar[str] = "video.requested"
    source: ClassVar[str] = "mangaflow.video"
    video_id: str = Field(alias="videoId")


class VideoRenderFinished(DomainEvent):
    """A MediaConvert job of a video finished (its job-state event, rewritten by the CDK rule):
    the produce flow continues with publishing, or fails the request."""

    detail_type: ClassVar[str] = "video.render.finished"
    source: ClassVar[str] = "mangaflow.video"
    job_id: str = Field(alias="jobId")
    status: Literal["COMPLETE", "ERROR", "CANCELED"]
    error_message: str = Field(default="", alias="errorMessage")


class VideoStatsRequested(DomainEvent):
    """Record a published video's views, likes and comments (scheduled +1 h, +24 h, +7 d)."""

    detail_type: ClassVar[str] = "video.stats.requested"
    source: ClassVar[str] = "mangaflow.video"
    video_id: str = Field(alias="videoId")
    label: str = "+1h"
