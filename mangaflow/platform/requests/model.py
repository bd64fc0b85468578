"""Generation requests and their status lifecycle.

PENDING → PROCESSING (with the current stage) → COMPLETED or FAILED (with the error).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

RequestStatus = Literal["PENDING", "PROCESSING", "COMPLETED", "FAILED"]
RequestType = Literal["STORY", "EPISODE", "IMAGE", "REGENERATE", "VIDEO"]
Stage = Literal[
    "queued", "insights", "story", "episode", "images", "lettering",  # manga
    "script", "visuals", "narration", "render", "publish",  # video
    "done",
]  # fmt: skip

TERMINAL: frozenset[str] = frozenset({"COMPLETED", "FAILED"})


def to_ts(moment: datetime) -> str:
    """ISO-8601 UTC timestamp with milliseconds (sorts lexically), as stored."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def utcnow() -> str:
    return to_ts(datetime.now(UTC))


def parse_ts(value: str) -> datetime:
    """A stored timestamp (``...Z``) as an aware datetime."""
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


class GenerationRequest(BaseModel):
    """One run a user asked for, and where it stands."""

    model_config = ConfigDict(extra="ignore")

    request_id: str
    user_id: str
    type: RequestType = "STORY"
    status: RequestStatus = "PENDING"
    stage: Stage = "queued"
    error: str | None = None
    story_id: str | None = None
    episode_id: str | None = None
    episode_number: int | None = None
    seed: int = 0
    created_at: str = Field(default_factory=utcnow)
    updated_at: str = Field(default_factory=utcnow)
    heartbeat_at: str | None = Field(
        default=None, description="last sign of life from the process running it"
    )
    running: bool = Field(
        default=False, description="a flow is at work on it (not waiting for its next stage)"
    )
    runner: str | None = Field(
        default=None, exclude=True,
        description="``host:pid`` of the process that last sent a heartbeat (not shown to users)",
    )  # fmt: skip
    rev: int | None = Field(
        default=None, exclude=True, description="revision counter of the stored item"
    )
    usage: dict[str, Any] = Field(default_factory=dict)
    notes: list[str] = Field(default_factory=list, description="things worth telling the user")
    params: dict[str, Any] = Field(
        default_factory=dict, description="what a non-story request works on (e.g. a panel)"
    )

    @property
    def finished(self) -> bool:
        return self.status in TERMINAL

    @property
    def last_seen(self) -> str:
        """When the process running it last showed life (a heartbeat or an update)."""
        return max(self.updated_at, self.heartbeat_at or "")
