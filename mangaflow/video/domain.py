"""The video product's records: topics (what to make videos about, and how), trend reports,
scripts, and the videos made from them."""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from mangaflow.platform.requests.model import utcnow

Category = Literal["education", "investing", "tourism", "technology", "health", "finance", "custom"]
CATEGORIES: tuple[str, ...] = (
    "education", "investing", "tourism", "technology", "health", "finance", "custom",
)  # fmt: skip
Style = Literal["neutral", "calm", "energetic", "authoritative", "friendly"]
Aspect = Literal["16:9", "9:16"]
Privacy = Literal["private", "unlisted", "public"]
Schedule = Literal["manual", "daily", "weekly"]
Motion = Literal["zoom_in", "zoom_out", "pan_left", "pan_right", "pan_up", "pan_down", "still"]

#: YouTube category ids of each topic category (videoCategories.list, region US).
YOUTUBE_CATEGORY: dict[str, str] = {
    "education": "27", "investing": "25", "tourism": "19", "technology": "28",
    "health": "26", "finance": "25", "custom": "22",
}  # fmt: skip
#: Narration speed the estimates assume (words per minute).
WORDS_PER_MINUTE = 150
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,47}$")
_LANG = re.compile(r"^[a-z]{2,3}(-[A-Za-z]{2,4})?$")


class TopicSettings(BaseModel):
    """What a topic's videos are like. Every field is checked; errors name the field."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=80)
    category: Category = "custom"
    keywords: list[str] = Field(min_length=1, max_length=20)
    language: str = Field(default="en", description="BCP-47 language, e.g. en, es, pt-BR.")
    voice: str = Field(default="", max_length=40, description="Speech voice; empty: default.")
    style: Style = "neutral"
    min_minutes: float = Field(default=5.0, ge=1, le=20)
    max_minutes: float = Field(default=10.0, ge=1, le=20)
    aspect: Aspect = "16:9"
    resolution: Literal[720, 1080] = Field(
        default=1080, description="Short side in pixels (16:9 1080 → 1920x1080)."
    )
    privacy: Privacy = "private"
    schedule: Schedule = "manual"
    made_for_kids: bool = False
    cap_per_video_usd: float = Field(default=0.0, ge=0, description="0: no cap.")
    cap_daily_usd: float = Field(default=0.0, ge=0, description="0: no cap.")
    cap_monthly_usd: float = Field(default=0.0, ge=0, description="0: no cap.")

    @field_validator("keywords")
    @classmethod
    def _keywords(cls, value: list[str]) -> list[str]:
        cleaned = [" ".join(k.split()) for k in value]
        if any(not k or len(k) > 40 for k in cleaned):
            raise ValueError("each keyword must be 1-40 characters")
        return list(dict.fromkeys(cleaned))

    @field_validator("language")
    @classmethod
    def _language(cls, value: str) -> str:
        if not _LANG.match(value):
            raise ValueError("expected a language code such as en, es or pt-BR")
        return value

    @model_validator(mode="after")
    def _range(self) -> TopicSettings:
        if self.min_minutes > self.max_minutes:
            raise ValueError(
                f"min_minutes ({self.min_minutes:g}) is more than max_minutes ({self.max_minutes:g})"
            )
        return self

    @property
    def size(self) -> tuple[int, int]:
        """Frame width and height."""
        long = self.resolution * 16 // 9
        return (long, self.resolution) if self.aspect == "16:9" else (self.resolution, long)

    @property
    def target_minutes(self) -> float:
        return round((self.min_minutes + self.max_minutes) / 2, 2)


class Topic(TopicSettings):
    topic_id: str
    user_id: str
    created_at: str = Field(default_factory=utcnow)
    updated_at: str = Field(default_factory=utcnow)

    @field_validator("topic_id")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not _SLUG.match(value):
            raise ValueError("expected 1-48 lowercase letters, digits and dashes")
        return value


def topic_key(user_id: str, topic_id: str) -> str:
    """A topic's key in per-topic records (trends, spend): topic ids are per user."""
    return f"{user_id}/{topic_id}" if topic_id else ""


def slugify(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:48].strip("-")
    return slug or "topic"


class TrendItem(BaseModel):
    video_id: str
    title: str
    channel: str = ""
    published_at: str = ""
    views: int = 0
    likes: int = 0
    comments: int = 0
    views_per_hour: float = 0.0
    like_ratio: float = 0.0
    comment_ratio: float = 0.0
    score: float = 0.0
    tags: list[str] = Field(default_factory=list)


class TrendReport(BaseModel):
    """The trends of one topic on one day, best first."""

    topic_id: str
    user_id: str = ""
    day: str  # YYYY-MM-DD (America/New_York, the schedule's zone)
    source: str  # "offline" or "youtube"
    offline: bool
    items: list[TrendItem]
    quota_units: int = 0
    created_at: str = Field(default_factory=utcnow)


class Segment(BaseModel):
    """One stretch of narration and the picture shown while it is spoken."""

    heading: str = Field(min_length=1, max_length=80)
    narration: str = Field(min_length=1, max_length=3000)
    visual_prompt: str = Field(min_length=1, max_length=1000)
    motion: Motion = "zoom_in"


class VideoScript(BaseModel):
    """What the text model writes: YouTube metadata within its limits, and the narration."""

    title: str = Field(min_length=1, max_length=100)
    description: str = Field(max_length=4500)  # chapters are appended, within 5000 bytes
    tags: list[str] = Field(default_factory=list, max_length=200)
    segments: list[Segment] = Field(min_length=1, max_length=60)
    offline: bool = False

    @field_validator("title")
    @classmethod
    def _title(cls, value: str) -> str:
        return value.replace("<", "").replace(">", "").strip()

    @field_validator("description")
    @classmethod
    def _description(cls, value: str) -> str:
        value = value.replace("<", "").replace(">", "")
        if len(value.encode()) > 4500:  # YouTube counts 5000 UTF-8 bytes; chapters need room
            raise ValueError("description is over 4500 UTF-8 bytes (YouTube allows 5000 with "
                             "the chapters appended)")  # fmt: skip
        return value

    @field_validator("tags")
    @classmethod
    def _tags(cls, value: list[str]) -> list[str]:
        """YouTube counts tag characters plus 2 quotes per tag with a space, and commas;
        drop tags from the end until the total fits 500 (no < > or commas inside a tag)."""
        tags = [" ".join(t.translate({ord(c): " " for c in "<>,"}).split()) for t in value]
        tags = list(dict.fromkeys(t for t in tags if t))
        while tags and tag_length(tags) > 500:
            tags.pop()
        return tags

    @property
    def words(self) -> int:
        return sum(len(s.narration.split()) for s in self.segments)


def tag_length(tags: list[str]) -> int:
    return sum(len(t) + (2 if " " in t else 0) for t in tags) + max(len(tags) - 1, 0)


VideoStatus = Literal["PENDING", "PROCESSING", "RENDERING", "PUBLISHED", "FAILED"]


class VideoRecord(BaseModel):
    """One video: where its files are, what it cost, where it was published, how it does."""

    model_config = ConfigDict(extra="ignore")

    video_id: str
    request_id: str
    user_id: str
    topic_id: str = ""
    source: Literal["topic", "manga"] = "topic"
    episode_id: str = ""
    status: VideoStatus = "PENDING"
    title: str = ""
    width: int = 0
    height: int = 0
    duration_s: float = 0.0
    files: dict[str, str] = Field(default_factory=dict)  # kind -> blob key
    estimate_usd: float = 0.0
    cost_usd: float = 0.0
    offline: bool = True
    publish: dict[str, Any] = Field(default_factory=dict)
    stats: list[dict[str, Any]] = Field(default_factory=list)
    render_job: str = ""
    created_at: str = Field(default_factory=utcnow)
    updated_at: str = Field(default_factory=utcnow)
