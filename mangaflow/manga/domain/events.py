"""Manga's domain events (the seeds' names): each stage publishes the one that starts the next."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from mangaflow.platform.events import DomainEvent


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
