"""Speech through any OpenAI-compatible ``/audio/speech`` endpoint (OpenAI, or a local server
speaking the same API), registered as ``openai``.

``POST {openai_base_url}/audio/speech`` with ``{"model": openai_speech_model, "input",
"voice", "response_format": "wav", "speed"}`` through the same endpoint, key handling, error
mapping and in-call retries as the text adapter
(:class:`~mangaflow.platform.adapters.text.openai_compat.OpenAIEndpoint`). ``speed`` is
``rate`` × the style's rate factor; for models that take ``instructions`` (not ``tts-1*``)
a non-neutral style is also described in words. The voice defaults to ``alloy`` (OpenAI's
voices speak every language); a voice the server refuses (400 naming ``voice``) is a
:class:`ValidationError` naming ``voice``.

The answer's WAV may carry a streamed header (sizes ``0xFFFFFFFF``, as OpenAI sends it): it
is read to the end of the body and written out again with true sizes. The API reports no
timings, so word and sentence marks are estimated in proportion to character offsets over
the audio's duration (:func:`~.common.estimated_marks`): fine for pacing subtitles.
"""

from __future__ import annotations

from typing import Any

import httpx

from mangaflow.platform.adapters.speech.common import (
    bad_voice,
    check_request,
    duration_of,
    estimated_marks,
    pcm_to_wav,
    read_wav,
    speaking_rate,
)
from mangaflow.platform.adapters.text.openai_compat import OpenAIEndpoint
from mangaflow.platform.config import Settings
from mangaflow.platform.ports import SpeechModel, SpeechRequest, SpeechResult, Usage

PROVIDER = "openai"
PATH = "/audio/speech"
DEFAULT_VOICE = "alloy"
#: How each style is described to models that take ``instructions``.
STYLE_INSTRUCTIONS = {
    "calm": "Speak calmly and gently, at an unhurried pace.",
    "energetic": "Speak with energy and enthusiasm.",
    "authoritative": "Speak with a confident, authoritative tone.",
    "friendly": "Speak in a warm, friendly tone.",
}


class OpenAICompatSpeech(SpeechModel):
    """``/audio/speech`` at ``openai_base_url`` with model ``openai_speech_model``."""

    name = PROVIDER
    offline = False
    max_chars = 4096  # OpenAI's limit on ``input``

    def __init__(self, settings: Settings, client: httpx.Client | None = None) -> None:
        self.endpoint = OpenAIEndpoint(settings, client)
        self.model = settings.openai_speech_model

    def payload(self, request: SpeechRequest) -> dict[str, Any]:
        """The request body for ``request``."""
        body: dict[str, Any] = {
            "model": self.model, "input": request.text,
            "voice": request.voice.strip() or DEFAULT_VOICE, "response_format": "wav",
            "speed": round(speaking_rate(request), 3),
        }  # fmt: skip
        said = STYLE_INSTRUCTIONS.get(request.style)
        if said and not self.model.startswith("tts-1"):
            body["instructions"] = said
        return body

    def synthesize(self, request: SpeechRequest) -> SpeechResult:
        check_request(request, self.max_chars)
        body = self.payload(request)

        def attempt() -> SpeechResult:
            response = self.endpoint.send(PATH, body, accept="audio/wav")
            if response.status_code == 400 and _error_param(response) == "voice":
                raise bad_voice(body["voice"], self.endpoint.label)
            self.endpoint.check(response)
            return self.parse(request, response.content)

        return self.endpoint.retry(attempt, what=f"{self.endpoint.label} {PATH}")

    def parse(self, request: SpeechRequest, data: bytes) -> SpeechResult:
        """A :class:`SpeechResult` from the WAV bytes of an answer."""
        pcm, rate = read_wav(data, provider=self.endpoint.label)
        duration = duration_of(pcm, rate)
        return SpeechResult(
            wav=pcm_to_wav(pcm, rate), sample_rate=rate, duration_s=duration,
            provider=PROVIDER, model=self.model,
            marks=estimated_marks(request.text, int(duration * 1000)),
            usage=Usage(calls=1, characters=len(request.text)),
        )  # fmt: skip

    def close(self) -> None:
        """Close the HTTP client (when this adapter created it)."""
        self.endpoint.close()


def _error_param(response: httpx.Response) -> Any:
    try:
        error = response.json().get("error")
    except (ValueError, AttributeError):
        return None
    return error.get("param") if isinstance(error, dict) else None


def register(registry: Any) -> None:
    """Register the OpenAI-compatible speech model under the name ``openai``."""
    registry.add_speech(PROVIDER, OpenAICompatSpeech)


__all__ = ["OpenAICompatSpeech", "register"]
