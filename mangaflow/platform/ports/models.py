"""Model-provider ports: :class:`TextModel`, :class:`ImageModel` and :class:`TasteInsights`,
registered by name (see :mod:`mangaflow.platform.registry`), with the :class:`Usage` each call
reports and the :class:`ProgressSink` long work reports to."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass
class Usage:
    """What one provider call used and cost: tokens, images, speech ``characters``, media
    ``seconds`` (generated video or rendered output) and API ``quota_units``."""

    calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    images: int = 0
    cost_usd: float = 0.0
    characters: int = 0
    seconds: float = 0.0
    quota_units: int = 0

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            self.calls + other.calls,
            self.input_tokens + other.input_tokens,
            self.output_tokens + other.output_tokens,
            self.images + other.images,
            round(self.cost_usd + other.cost_usd, 6),
            self.characters + other.characters,
            round(self.seconds + other.seconds, 3),
            self.quota_units + other.quota_units,
        )


@dataclass
class TextRequest:
    """A request for structured text.

    ``task`` names what is wanted (``"story_bible"``, ``"episode_script"``, ``"video_script"``;
    products register offline writers for theirs);
    ``messages`` are chat messages for real LLMs; ``context`` carries the same
    information as data (offline providers write from it); ``json_schema`` is the
    pydantic schema the answer must satisfy.
    """

    task: str
    messages: list[dict[str, str]]
    context: dict[str, Any]
    json_schema: dict[str, Any]
    seed: int = 0
    temperature: float = 0.8
    max_tokens: int = 8000


@dataclass
class TextResult:
    text: str
    provider: str
    model: str
    usage: Usage = field(default_factory=Usage)


class TextModel(ABC):
    """Writes text (JSON when asked) for a :class:`TextRequest`."""

    name: str = "text"
    offline: bool = False

    @abstractmethod
    def complete(self, request: TextRequest) -> TextResult:
        """One completion. Raises ``ProviderError`` subclasses on failure."""


@dataclass
class CharacterLook:
    """What an artist needs to draw one character consistently."""

    name: str
    appearance: str
    outfit: str
    palette: list[str]
    silhouette: str
    seed: int
    position: float = 0.5  # horizontal centre in the panel, 0..1


@dataclass
class ImageRequest:
    """One panel image. ``prompt`` is the full text prompt for real models; the other
    fields carry the same information as data for procedural (offline) art."""

    prompt: str
    negative_prompt: str
    width: int
    height: int
    seed: int
    art_style: str
    shot: str
    setting: str
    setting_kind: str
    description: str
    characters: list[CharacterLook] = field(default_factory=list)
    monochrome: bool = False
    action: bool = False
    mood: str = "neutral"  # neutral, tense, happy, sad, eerie


@dataclass
class ImageResult:
    png: bytes
    provider: str
    model: str
    usage: Usage = field(default_factory=Usage)


class ImageModel(ABC):
    """Draws one image per :class:`ImageRequest`."""

    name: str = "image"
    offline: bool = False
    max_concurrency: int = 4

    @abstractmethod
    def generate(self, request: ImageRequest) -> ImageResult:
        """One PNG image. Raises ``ProviderError`` subclasses on failure."""


@dataclass
class InsightsResult:
    """Taste insights as SPEC §2.1 shapes them."""

    recommendations: list[dict[str, Any]]
    trends: list[dict[str, Any]]
    provider: str
    usage: Usage = field(default_factory=Usage)

    def as_dict(self) -> dict[str, Any]:
        return {"recommendations": self.recommendations, "trends": self.trends}


class TasteInsights(ABC):
    """Taste insights for a set of preferences."""

    name: str = "insights"
    offline: bool = False

    @abstractmethod
    def insights(self, genres: Iterable[str], themes: Iterable[str]) -> InsightsResult:
        """Recommendations and trends for these tags."""


class ProgressSink(Protocol):
    """Receives progress of long work (the CLI draws it; flows log it)."""

    def stage(self, request_id: str, stage: str, detail: str = "") -> None: ...

    def panels(self, request_id: str, done: int, total: int) -> None: ...
