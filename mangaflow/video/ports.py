"""Video ports: :class:`VideoPublisher` (where finished videos go) and the records it takes
and returns: :class:`PublishMetadata`, :class:`PublishResult`, :class:`VideoStats`.

:class:`PublishMetadata` holds YouTube's rules, so a video is refused here, with the field
named, rather than after its upload: title 1-100 characters without ``<`` or ``>``;
description at most 5000 UTF-8 bytes without ``<`` or ``>``; tags at most 500 characters
counted as YouTube counts them (:func:`tags_length`); ``publish_at`` (scheduled publishing)
only with ``privacy="private"``; ``contains_synthetic_media`` is always True: every video
this platform makes is AI-generated (narration, pictures) and says so.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

import pydantic
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from mangaflow.platform.errors import ValidationError

#: ``progress(bytes_sent, total_bytes)`` while a video is published.
Progress = Callable[[int, int], None]

TITLE_MAX = 100
DESCRIPTION_MAX_BYTES = 5000
TAGS_MAX = 500
_ANGLES = re.compile(r"[<>]")
_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")


def tags_length(tags: Sequence[str]) -> int:
    """Characters ``tags`` count against YouTube's 500: each tag's length, plus 2 for the
    quotes YouTube puts around a tag with a space, plus a comma between tags."""
    return sum(len(t) + (2 if " " in t else 0) for t in tags) + max(0, len(tags) - 1)


def field_errors(exc: pydantic.ValidationError) -> list[dict[str, str]]:
    """pydantic's errors as ``[{"field": "tags[2]", "message": ...}]``."""
    out = []
    for err in exc.errors():
        field = ""
        for loc in err["loc"]:
            field = (
                f"{field}[{loc}]"
                if isinstance(loc, int)
                else ".".join(filter(None, [field, str(loc)]))
            )
        out.append({"field": field or "metadata",
                    "message": str(err.get("msg", "invalid")).removeprefix("Value error, ")})  # fmt: skip
    return out


class PublishMetadata(BaseModel):
    """What a video is published with (see the module for the rules). Build it with
    :meth:`parse` to get the platform's ``ValidationError`` naming each bad field."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    title: str = Field(min_length=1, max_length=TITLE_MAX)
    description: str = ""
    tags: tuple[str, ...] = ()
    category_id: str = Field(default="22", pattern=r"^\d+$")  # 22: People & Blogs
    default_language: str | None = None
    privacy: Literal["private", "unlisted", "public"] = "private"
    publish_at: datetime | None = None
    made_for_kids: bool = False
    contains_synthetic_media: Literal[True] = True

    @field_validator("title")
    @classmethod
    def _title(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        if _ANGLES.search(value):
            raise ValueError("must not contain < or >")
        return value

    @field_validator("description")
    @classmethod
    def _description(cls, value: str) -> str:
        size = len(value.encode("utf-8"))
        if size > DESCRIPTION_MAX_BYTES:
            raise ValueError(f"is {size} bytes in UTF-8; at most {DESCRIPTION_MAX_BYTES}")
        if _ANGLES.search(value):
            raise ValueError("must not contain < or >")
        return value

    @field_validator("tags")
    @classmethod
    def _tags(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for tag in value:
            if not tag.strip() or _ANGLES.search(tag) or "," in tag:
                raise ValueError(f"tag {tag!r} must be non-blank, without <, > or commas")
        total = tags_length(value)
        if total > TAGS_MAX:
            raise ValueError(f"count {total} characters as YouTube counts them (quotes "
                             f"around tags with spaces, commas between); at most {TAGS_MAX}")  # fmt: skip
        return value

    @field_validator("default_language")
    @classmethod
    def _language(cls, value: str | None) -> str | None:
        if value is not None and not _LANGUAGE.fullmatch(value):
            raise ValueError("expected a BCP-47 code such as 'en' or 'pt-BR'")
        return value

    @field_validator("publish_at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("must be time-zone aware")
        return value

    @model_validator(mode="after")
    def _scheduled_is_private(self) -> PublishMetadata:
        if self.publish_at is not None and self.privacy != "private":
            raise ValueError("publish_at (scheduled publishing) needs privacy 'private'")
        return self

    @classmethod
    def parse(cls, data: Any) -> PublishMetadata:
        """Validated metadata, or ``ValidationError`` whose details name each bad field."""
        try:
            return cls.model_validate(data)
        except pydantic.ValidationError as exc:
            details = field_errors(exc)
            for d in details:  # the cross-field rule reports no location of its own
                if d["field"] == "metadata" and "publish_at" in d["message"]:
                    d["field"] = "publish_at"
            fields = ", ".join(dict.fromkeys(d["field"] for d in details))
            raise ValidationError(f"invalid publish metadata ({fields})", details=details) from None


class PublishResult(BaseModel):
    """Where a published video is: ``url`` a person opens (a watch page or a folder)."""

    model_config = ConfigDict(frozen=True)

    video_id: str
    url: str
    published_at: datetime
    privacy: str
    publisher: str
    notes: tuple[str, ...] = ()  # best-effort steps that did not happen (thumbnail, captions)


class VideoStats(BaseModel):
    """A published video's audience at ``at``. ``source`` says who counted: ``"local"``
    (a folder has no audience: always zeros) or ``"youtube"``."""

    model_config = ConfigDict(frozen=True)

    views: int = 0
    likes: int = 0
    comments: int = 0
    at: datetime
    source: str


class VideoPublisher(ABC):
    """Publishes finished videos and reports their audience."""

    name: str = "publisher"

    @abstractmethod
    def publish(
        self, video: Path, metadata: PublishMetadata, thumbnail: Path | None = None,
        captions: Path | None = None, progress: Progress | None = None,
    ) -> PublishResult:  # fmt: skip
        """Publish ``video`` (with its thumbnail and captions when given), reporting
        ``progress(bytes_sent, total)``."""

    @abstractmethod
    def statistics(self, video_ids: Sequence[str]) -> dict[str, VideoStats]:
        """Current statistics of published videos, by id (unknown ids are left out)."""

    def close(self) -> None:  # noqa: B027 - optional hook, a no-op unless overridden
        """Release connections (no-op by default)."""


def check_files(video: Path, thumbnail: Path | None, captions: Path | None) -> None:
    """``ValidationError`` naming each given file that is missing or empty."""
    details = []
    for field, path in (("video", video), ("thumbnail", thumbnail), ("captions", captions)):
        if path is None:
            continue
        if not path.is_file():
            details.append({"field": field, "message": f"no such file: {path}"})
        elif path.stat().st_size == 0:
            details.append({"field": field, "message": f"file is empty: {path}"})
    if details:
        fields = ", ".join(d["field"] for d in details)
        raise ValidationError(f"cannot publish: bad {fields}", details=details)


__all__ = [
    "DESCRIPTION_MAX_BYTES", "TAGS_MAX", "TITLE_MAX", "Progress", "PublishMetadata",
    "PublishResult", "VideoPublisher", "VideoStats", "check_files", "tags_length",
]  # fmt: skip
