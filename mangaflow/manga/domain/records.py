"""Manga's stored records: stories, episodes and batches, as :mod:`mangaflow.manga.repository`
reads and writes them (SPEC §5).

Attributes are snake_case; each is stored under its camelCase alias (``story_id`` ↔
``storyId``, ``s3_key`` ↔ ``s3Key``, ``pdf_s3_key`` ↔ ``pdfS3Key``), the names the table, the
API and the events use. A record keeps attributes it does not declare (``extra="allow"``), so
items written by older or newer code load and are written back with every key they had.

:meth:`Record.item` is the stored form: only the attributes the record was read or built with,
under their stored names. A default never becomes a stored key, so building or re-saving a
record leaves an item's set of keys exactly as the writers below make it:

=========  =====================================================================================
story      storyId userId createdAt updatedAt title logline status s3Key jsonKey requestId
           preferences seed textProvider textModel characters
episode    storyId userId number status createdAt (claimed); episodeId title summary requestId
           s3Key jsonKey pages panels updatedAt (written); pdfS3Key cbzS3Key pageKeys layouts
           overflow (exported); panelVersions (a panel regenerated)
batch      batchId userId status stories error createdAt updatedAt version numberOfStories
           preferences seed; each of ``stories``: index requestId storyId episodeId status error
           startedAt finishedAt
=========  =====================================================================================
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Self

from pydantic import BaseModel, ConfigDict, PlainSerializer
from pydantic.alias_generators import to_camel

from mangaflow.manga.domain import keys
from mangaflow.manga.domain.preferences import Preferences

#: Preferences as stored in a record: their wire form, every field written (as ``wire()``).
StoredPreferences = Annotated[Preferences, PlainSerializer(lambda p: p.wire())]


class Record(BaseModel):
    """A stored item without its table keys (``PK``, ``SK``, ``GSI*``)."""

    model_config = ConfigDict(
        alias_generator=to_camel, validate_by_name=True, validate_by_alias=True,
        serialize_by_alias=True, extra="allow", frozen=True,
    )  # fmt: skip

    def item(self) -> dict[str, Any]:
        """The stored form: the attributes this record has, under their stored names."""
        return self.model_dump(by_alias=True, exclude_unset=True)

    def changed(self, **changes: Any) -> Self:
        """A copy with ``changes`` (by attribute name), validated."""
        return self.model_validate({**self.item(), **self.stored_names(changes)})

    @classmethod
    def stored_names(cls, changes: Mapping[str, Any]) -> dict[str, Any]:
        """``changes`` keyed by stored names; ``TypeError`` for an attribute not declared."""
        unknown = sorted(set(changes) - set(cls.model_fields))
        if unknown:
            raise TypeError(f"{cls.__name__} has no attribute {', '.join(unknown)}")
        return {cls.model_fields[k].alias or k: v for k, v in changes.items()}


class StoryRecord(Record):
    """A story: what ``write_story`` stored about its bible (``story.md`` / ``story.json``)."""

    story_id: str
    user_id: str
    title: str
    logline: str
    status: str = "COMPLETED"
    s3_key: str  # story.md
    json_key: str  # story.json (the StoryBible)
    request_id: str = ""
    preferences: StoredPreferences  # what the story was made from; its episodes follow them
    seed: int = 0
    text_provider: str = ""
    text_model: str = ""
    characters: list[str] = []  # names, in bible order
    created_at: str = ""  # set by the repository when saved
    updated_at: str = ""


class EpisodeRecord(Record):
    """An episode: claimed (a number reserved), written (script stored), exported (PDF, CBZ and
    pages stored). Ids and blob keys read as ``""`` until the stage that sets them ran."""

    story_id: str
    user_id: str
    number: int
    status: str
    episode_id: str = ""
    title: str | None = None
    summary: str | None = None
    request_id: str = ""
    s3_key: str = ""  # episode.md
    json_key: str = ""  # episode.json (the EpisodeScript)
    pages: int | None = None
    panels: int | None = None
    pdf_s3_key: str = ""
    cbz_s3_key: str = ""
    page_keys: list[str] = []
    layouts: list[str] = []
    overflow: list[str] = []  # texts that did not fit their bubbles
    panel_versions: dict[str, int] = {}  # panel number → current image version (absent: 1)
    created_at: str = ""  # set by the repository when saved
    updated_at: str = ""

    @property
    def written(self) -> bool:
        """Whether the script is stored (a claimed slot has no episode id yet)."""
        return bool(self.episode_id)

    def panel_version(self, panel: int) -> int:
        return self.panel_versions.get(str(panel), 1)

    def panel_key(self, panel: int, version: int | None = None) -> str:
        """Blob key of a panel's image: ``version``, or the current one."""
        return keys.panel_image(self.user_id, self.story_id, self.number, panel,
                                version or self.panel_version(panel))  # fmt: skip


class BatchOutcome(Record):
    """How one story of a batch went (see :mod:`mangaflow.manga.services.batches`)."""

    index: int
    request_id: str
    story_id: str | None = None
    episode_id: str | None = None
    status: str = "PROCESSING"
    error: str | None = None
    started_at: str | None = None
    finished_at: str | None = None

    @property
    def finished(self) -> bool:
        return self.status in ("COMPLETED", "FAILED")


class BatchRecord(Record):
    """A batch of stories and each one's outcome, in index order."""

    batch_id: str
    user_id: str
    number_of_stories: int
    status: str = "PENDING"
    stories: list[BatchOutcome] = []
    error: str | None = None
    preferences: StoredPreferences | None = None  # the latest when the batch was requested
    seed: int = 0
    version: int = 0  # optimistic-locking counter
    created_at: str = ""  # set by the repository when saved
    updated_at: str = ""
