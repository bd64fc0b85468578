"""Domain events (the seeds' names). Each carries userId, requestId, the ids it refers to,
a timestamp and an event id used for idempotency."""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from mangaflow.platform.requests.model import utcnow


def new_id() -> str:
    return uuid.uuid4().hex


class DomainEvent(BaseModel):
    """Base of all events; ``detail_type`` and ``source`` follow EventBridge naming."""

    model_config = ConfigDict(frozen=True, populate_by_name=True)

    detail_type: ClassVar[str] = ""
    source: ClassVar[str] = "manga"

    event_id: str = Field(default_factory=new_id, alias="eventId")
    user_id: str = Field(alias="userId")
    request_id: str = Field(alias="requestId")
    timestamp: str = Field(default_factory=utcnow)

    def detail(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True)

    def envelope(self) -> dict[str, Any]:
        """EventBridge-style envelope: ``{"source", "detail-type", "detail"}``."""
        return {"source": self.source, "detail-type": self.detail_type, "detail": self.detail()}


class StoryGenerationRequested(DomainEvent):
    detail_type: ClassVar[str] = "Story Generation Requested"
    source: ClassVar[str] = "manga.preferences"
    seed: int = 0


class EpisodeGenerationRequested(DomainEvent):
    detail_type: ClassVar[str] = "Episode Generation Requested"
    source: ClassVar[str] = "manga.story"
    story_id: str = Field(alias="storyId")
    episode_number: int = Field(alias="episodeNumber", ge=1)
    story_key: str = Field(default="", alias="storyS3Key")


class ImageGenerationRequested(DomainEvent):
    detail_type: ClassVar[str] = "Image Generation Requested"
    source: ClassVar[str] = "manga.episode"
    story_id: str = Field(alias="storyId")
    episode_id: str = Field(alias="episodeId")
    episode_key: str = Field(default="", alias="episodeS3Key")


class EpisodeCompleted(DomainEvent):
    detail_type: ClassVar[str] = "Episode Generation Completed"
    source: ClassVar[str] = "manga.images"
    story_id: str = Field(alias="storyId")
    episode_id: str = Field(alias="episodeId")
    pdf_key: str = Field(alias="pdfS3Key")
    cbz_key: str = Field(alias="cbzS3Key")


class GenerationFailed(DomainEvent):
    detail_type: ClassVar[str] = "Generation Failed"
    source: ClassVar[str] = "manga.pipeline"
    stage: str
    error: str


class BatchWorkflowRequested(DomainEvent):
    """A batch of ``numberOfStories`` stories from the user's latest preferences
    (``requestId`` is the batch id)."""

    detail_type: ClassVar[str] = "Batch Workflow Requested"
    source: ClassVar[str] = "manga.workflow"
    batch_id: str = Field(alias="batchId")
    number_of_stories: int = Field(alias="numberOfStories", ge=1)


class PanelRegenerationRequested(DomainEvent):
    """A new image version of one panel, for a request made by ``start_regeneration``."""

    detail_type: ClassVar[str] = "Panel Regeneration Requested"
    source: ClassVar[str] = "manga.episode"
    episode_id: str = Field(alias="episodeId")
    panel: int = Field(ge=1)


EVENT_TYPES: dict[str, type[DomainEvent]] = {
    cls.detail_type: cls
    for cls in (
        StoryGenerationRequested,
        EpisodeGenerationRequested,
        ImageGenerationRequested,
        EpisodeCompleted,
        GenerationFailed,
        BatchWorkflowRequested,
        PanelRegenerationRequested,
    )
}


def parse_event(detail_type: str, detail: dict[str, Any]) -> DomainEvent:
    """Rebuild an event from its detail-type and detail (e.g. from EventBridge)."""
    try:
        cls = EVENT_TYPES[detail_type]
    except KeyError:
        from mangaflow.platform.errors import ValidationError

        raise ValidationError(
            f"unknown event detail-type {detail_type!r}",
            details=[{"field": "detail-type", "message": f"one of {sorted(EVENT_TYPES)}"}],
        ) from None
    return cls.model_validate(detail)
