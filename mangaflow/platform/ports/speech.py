"""The speech port: :class:`SpeechModel` turns narration text into audio (16-bit mono PCM WAV)
with timing marks for subtitles, registered by name like the other model providers."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Literal

from mangaflow.platform.ports.models import Usage


@dataclass
class SpeechRequest:
    """One stretch of narration. ``voice`` is a provider voice name (empty: the provider's
    default for ``language``); ``style`` a speaking style (``"neutral"``, ``"calm"``,
    ``"energetic"``, ``"authoritative"``, ``"friendly"``); ``rate`` scales the speed."""

    text: str
    language: str = "en"
    voice: str = ""
    style: str = "neutral"
    rate: float = 1.0


@dataclass
class SpeechMark:
    """When a word or sentence starts in the audio (ms), and where it is in the text
    (character offsets ``start``..``end``), as Amazon Polly's speech marks report."""

    time_ms: int
    kind: Literal["word", "sentence"]
    start: int
    end: int
    value: str


@dataclass
class SpeechResult:
    wav: bytes  # RIFF/WAVE, 16-bit signed PCM, mono
    sample_rate: int
    duration_s: float
    provider: str
    model: str
    marks: list[SpeechMark] = field(default_factory=list)
    usage: Usage = field(default_factory=Usage)


class SpeechModel(ABC):
    """Speaks one :class:`SpeechRequest`."""

    name: str = "speech"
    offline: bool = False
    max_chars: int = 3000  # longest text one call takes; callers split longer narration

    @abstractmethod
    def synthesize(self, request: SpeechRequest) -> SpeechResult:
        """Audio and marks. Raises ``ProviderError`` subclasses on failure, ``ValidationError``
        for text longer than ``max_chars`` or a voice the provider does not have."""
