"""The contract of the speech port: :class:`SpeechModelContract`.

What the video pipeline relies on when it narrates:

* the audio is a RIFF/WAVE file that :mod:`wave` reads, mono, 16-bit, at the result's
  ``sample_rate``, lasting ``duration_s`` (within 10 ms), and not silence;
* more text is more audio;
* marks are time-ordered, inside the audio, point inside the text, and each ``value`` is
  the text it points at (subtitles are cut from them); every request has word and
  sentence marks, words in text order;
* usage counts the text's characters once per billed call; the result names the provider
  (its registry ``name``) and a model;
* bad input is a :class:`ValidationError` naming the field: text over ``max_chars``, an
  unknown voice, style or rate;
* failures map onto the error tree like every model provider's
  (:func:`mangaflow.testing.models.check_failure`).

A subclass sets ``adapter`` and provides the ``model`` and ``make_failing`` fixtures
(``make_failing`` calls ``pytest.skip`` for failures the adapter cannot have).
"""

from __future__ import annotations

import array
import io
import math
import sys
import wave
from typing import Any, ClassVar

import pytest

from mangaflow.platform.errors import ValidationError
from mangaflow.platform.ports import SpeechModel, SpeechRequest, SpeechResult, Usage
from mangaflow.testing._base import Contract
from mangaflow.testing.models import Failure, MakeFailing, check_failure, check_identity

__all__ = ["SPEECH_FAILURES", "SpeechModelContract", "check_speech"]

SPEECH_FAILURES: tuple[Failure, ...] = ("unavailable", "rate_limited", "auth", "content",
                                        "unreachable")  # fmt: skip
SHORT = "The harbour lights came on at dusk."
LONG = (
    "The harbour lights came on at dusk. Fishing boats drifted home, one by one, "
    "and the old lighthouse keeper climbed the stairs again. Nobody knew that tonight "
    "the sea would bring back something it had taken long ago."
)
#: Root mean square (of full scale 32768) below which audio counts as silence.
MIN_RMS = 200.0


def rms(frames: bytes) -> float:
    values = array.array("h")
    values.frombytes(frames[: len(frames) // 2 * 2])
    if sys.byteorder == "big":
        values.byteswap()
    return math.sqrt(sum(v * v for v in values) / max(1, len(values)))


def check_speech(result: SpeechResult, request: SpeechRequest, model: SpeechModel) -> float:
    """Assert everything the contract promises of one result; return its duration."""
    assert isinstance(result, SpeechResult)
    assert result.wav[:4] == b"RIFF" and result.wav[8:12] == b"WAVE"
    with wave.open(io.BytesIO(result.wav), "rb") as w:
        assert w.getnchannels() == 1, "mono"
        assert w.getsampwidth() == 2, "16-bit"
        assert w.getframerate() == result.sample_rate
        frames = w.readframes(w.getnframes())
        count = w.getnframes()
    assert len(frames) == count * 2, "the data chunk holds every frame the header declares"
    assert count > 0
    assert abs(count / result.sample_rate - result.duration_s) <= 0.010
    assert rms(frames) > MIN_RMS, "the audio is not silence"
    assert result.provider == model.name, "usage and prices are keyed on the provider's name"
    assert isinstance(result.model, str) and result.model.strip()
    usage = result.usage
    assert isinstance(usage, Usage) and usage.calls >= 1
    assert usage.characters == len(request.text) * usage.calls, "characters billed per call"
    check_marks(result, request.text)
    return result.duration_s


def check_marks(result: SpeechResult, text: str) -> None:
    marks = result.marks
    duration_ms = result.duration_s * 1000
    times = [m.time_ms for m in marks]
    assert times == sorted(times), "marks are time-ordered"
    for m in marks:
        assert m.kind in ("word", "sentence")
        assert isinstance(m.time_ms, int) and 0 <= m.time_ms <= duration_ms, m
        assert 0 <= m.start < m.end <= len(text), m
        assert m.value == text[m.start : m.end], m
    words = [m for m in marks if m.kind == "word"]
    assert words and any(m.kind == "sentence" for m in marks)
    starts = [m.start for m in words]
    assert starts == sorted(starts) and len(set(starts)) == len(starts), "words in text order"
    assert len(words) >= len(text.split()) // 2, "most words have a mark"


def request(text: str = SHORT, **kw: Any) -> SpeechRequest:
    return SpeechRequest(text=text, **kw)


class SpeechModelContract(Contract):
    """What every :class:`SpeechModel` promises. Fixtures: ``model``, ``make_failing``."""

    port = SpeechModel
    #: A voice the provider does not have.
    unknown_voice: ClassVar[str] = "no-such-voice-7"

    def test_is_the_declared_adapter(self, model: SpeechModel) -> None:
        self.check_declared_adapter(model)

    def test_describes_itself(self, model: SpeechModel) -> None:
        check_identity(model)
        assert isinstance(model.max_chars, int) and model.max_chars >= 500

    def test_speaks_a_mono_16_bit_wav_with_marks(self, model: SpeechModel) -> None:
        req = request()
        check_speech(model.synthesize(req), req, model)

    @pytest.mark.parametrize("style", ["calm", "energetic"])
    def test_styles_and_rates_are_spoken(self, model: SpeechModel, style: str) -> None:
        req = request(style=style, rate=1.2)
        check_speech(model.synthesize(req), req, model)

    def test_longer_text_is_longer_audio(self, model: SpeechModel) -> None:
        short = check_speech(model.synthesize(request(SHORT)), request(SHORT), model)
        long = check_speech(model.synthesize(request(LONG)), request(LONG), model)
        assert long > 2 * short

    def test_slower_rate_is_longer_audio(self, model: SpeechModel) -> None:
        slow = model.synthesize(request(LONG, rate=0.7)).duration_s
        fast = model.synthesize(request(LONG, rate=1.5)).duration_s
        assert slow > 1.3 * fast

    def test_text_over_max_chars_is_a_validation_error(self, model: SpeechModel) -> None:
        text = ("word " * (model.max_chars // 5 + 2))[: model.max_chars + 1]
        with pytest.raises(ValidationError) as info:
            model.synthesize(request(text))
        assert info.value.fields == ["text"]

    @pytest.mark.parametrize(
        ("fields", "values"),
        [("text", {"text": "   "}), ("style", {"style": "sarcastic"}), ("rate", {"rate": 0.0}),
         ("rate", {"rate": float("nan")})],
    )  # fmt: skip
    def test_bad_requests_name_the_field(
        self, model: SpeechModel, fields: str, values: dict[str, Any]
    ) -> None:
        req = request(**{"text": SHORT, **values})
        with pytest.raises(ValidationError) as info:
            model.synthesize(req)
        assert info.value.fields == [fields]

    def test_an_unknown_voice_is_a_validation_error(self, model: SpeechModel) -> None:
        with pytest.raises(ValidationError) as info:
            model.synthesize(request(voice=self.unknown_voice))
        assert info.value.fields == ["voice"]
        assert self.unknown_voice in info.value.message

    @pytest.mark.parametrize("failure", SPEECH_FAILURES)
    def test_provider_failures_are_mapped(
        self, make_failing: MakeFailing, failure: Failure
    ) -> None:
        check_failure(make_failing, failure, lambda m: m.synthesize(request()))
