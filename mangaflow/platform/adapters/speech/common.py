"""What the speech adapters share: request checks (bad input names its field), the speaking
styles, word and sentence spans of a text, WAV writing and reading, and marks estimated
from character offsets (for providers that report none).

Styles scale the speaking rate the same way for every provider (:data:`STYLE_RATE`); the
offline voice also moves its pitch (see :mod:`.espeak`). ``rate`` must lie in
:data:`RATE_RANGE`; the effective rate is ``rate × STYLE_RATE[style]``.
"""

from __future__ import annotations

import array
import io
import math
import re
import sys
import wave

from mangaflow.platform.errors import ProviderError, ProviderUnavailable, ValidationError
from mangaflow.platform.ports import SpeechMark, SpeechRequest

#: style → factor on the speaking rate (calm is slower, energetic faster).
STYLE_RATE: dict[str, float] = {
    "neutral": 1.0, "calm": 0.88, "energetic": 1.15, "authoritative": 0.95, "friendly": 1.05,
}  # fmt: skip
#: The ``rate`` a request may ask for (inclusive).
RATE_RANGE = (0.5, 2.0)

#: A word: letters/digits, joined by apostrophes, hyphens, or ``.``/``,``/``:``/``/`` between
#: them (``it's``, ``well-known``, ``3.50``, ``e.g``), with a leading currency or hash sign
#: and a trailing per cent sign kept (``$3.50``, ``#1``, ``50%``).
_WORD = re.compile(r"[$€£¥#@]?\w+(?:['’\-.,:/]\w+)*%?")
#: A sentence: up to and including closing punctuation followed by a space or the end (so
#: ``3.50`` does not end one), or CJK closing punctuation.
_SENTENCE = re.compile(r"\S.*?(?:[.!?…]+['\"’”)\]]*(?=\s|$)|[。！？]+|$)", re.S)


def check_request(request: SpeechRequest, max_chars: int) -> None:
    """Raise :class:`ValidationError` naming every bad field of ``request``: ``text`` (empty,
    or longer than ``max_chars``), ``style`` (not in :data:`STYLE_RATE`), ``rate`` (outside
    :data:`RATE_RANGE`), ``language`` (empty)."""
    problems: list[dict[str, str]] = []
    text = request.text if isinstance(request.text, str) else ""
    if not text.strip():
        problems.append({"field": "text", "message": "is empty: there is nothing to speak"})
    elif len(text) > max_chars:
        problems.append({"field": "text", "message": f"has {len(text)} characters; this "
                         f"provider speaks at most {max_chars} in one call (split it)"})  # fmt: skip
    if request.style not in STYLE_RATE:
        problems.append({"field": "style", "message": f"{request.style!r} is not one of "
                         f"{', '.join(STYLE_RATE)}"})  # fmt: skip
    rate = request.rate
    low, high = RATE_RANGE
    if not isinstance(rate, int | float) or not math.isfinite(rate) or not low <= rate <= high:
        problems.append({"field": "rate", "message": f"{rate!r} is outside {low}..{high}"})
    if not isinstance(request.language, str) or not request.language.strip():
        problems.append({"field": "language", "message": "is empty (e.g. 'en', 'en-us')"})
    if problems:
        names = ", ".join(p["field"] for p in problems)
        raise ValidationError(f"invalid speech request ({names})", details=problems)


def speaking_rate(request: SpeechRequest) -> float:
    """The effective rate: ``request.rate`` scaled by the style's factor."""
    return request.rate * STYLE_RATE[request.style]


def bad_voice(voice: str, provider: str, known: str = "") -> ValidationError:
    hint = f"; known voices include {known}" if known else ""
    return ValidationError(f"{provider} has no voice {voice!r}", details=[
        {"field": "voice", "message": f"{voice!r} is not a {provider} voice{hint}"}])  # fmt: skip


def bad_language(language: str, provider: str) -> ValidationError:
    return ValidationError(f"{provider} has no voice for language {language!r}", details=[
        {"field": "language", "message": f"{provider} has no default voice for {language!r}; "
         "set voice to one of the provider's voices"}])  # fmt: skip


# --------------------------------------------------------------------------- text spans


def word_spans(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` character offsets of the words of ``text`` (see :data:`_WORD`)."""
    return [m.span() for m in _WORD.finditer(text)]


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of each sentence of ``text`` that has a word, whitespace trimmed."""
    spans = []
    for m in _SENTENCE.finditer(text):
        start, end = m.span()
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if _WORD.search(text, start, end):
            spans.append((start, end))
    return spans


def estimated_marks(text: str, duration_ms: int) -> list[SpeechMark]:
    """Word and sentence marks placed in proportion to character offsets: a span starting at
    character ``c`` is given the time ``duration_ms × c / len(text)``. An estimate for
    providers that report no timings; good enough to pace subtitles, not to lip-sync."""
    total = max(1, len(text))

    def at(start: int) -> int:
        return min(duration_ms, round(duration_ms * start / total))

    marks = [SpeechMark(at(s), "sentence", s, e, text[s:e]) for s, e in sentence_spans(text)]
    marks += [SpeechMark(at(s), "word", s, e, text[s:e]) for s, e in word_spans(text)]
    return sort_marks(marks)


def sort_marks(marks: list[SpeechMark]) -> list[SpeechMark]:
    """By time, a sentence before the first word it holds, then by text offset."""
    return sorted(marks, key=lambda m: (m.time_ms, m.kind != "sentence", m.start))


# --------------------------------------------------------------------------- WAV


def pcm_to_wav(pcm: bytes, sample_rate: int) -> bytes:
    """RIFF/WAVE bytes of 16-bit little-endian mono ``pcm`` at ``sample_rate``."""
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(sample_rate)
        w.writeframes(pcm)
    return out.getvalue()


def read_wav(data: bytes, *, provider: str) -> tuple[bytes, int]:
    """The 16-bit mono PCM and sample rate of a WAV answer. A stereo answer is mixed down. A
    header whose sizes say "unknown" (a streamed WAV: ``0xFFFFFFFF``) is read to the end of
    the body. A body that is not a WAV, or is cut short, is :class:`ProviderUnavailable` (an
    invalid answer, retried); a WAV that is not 16-bit PCM is a permanent
    :class:`ProviderError`."""
    if data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise ProviderUnavailable(
            f"{provider} answered with audio that is not a WAV ({len(data)} bytes: {data[:40]!r})"
        )
    try:
        with wave.open(io.BytesIO(data), "rb") as w:
            channels, width, rate = w.getnchannels(), w.getsampwidth(), w.getframerate()
            declared = w.getnframes()
            pcm = w.readframes(max(declared, len(data)))
    except (wave.Error, EOFError) as exc:
        if "unknown format" in str(exc):
            raise ProviderError(f"{provider} answered with a WAV that is not PCM ({exc})") from exc
        raise ProviderUnavailable(f"{provider} answered with a broken WAV ({exc})") from exc
    if width != 2 or channels not in (1, 2):
        raise ProviderError(
            f"{provider} answered with {8 * width}-bit {channels}-channel audio; expected "
            "16-bit mono or stereo PCM"
        )
    frames = len(pcm) // (width * channels)
    streamed = declared >= (0xFFFFFFFF - 64) // (width * channels)
    if (frames < declared and not streamed) or frames == 0:
        raise ProviderUnavailable(
            f"{provider} answered with a WAV cut short ({frames} of {declared} frames)"
        )
    pcm = pcm[: frames * width * channels]
    if channels == 2:
        pcm = downmix(pcm)
    return pcm, rate


def samples(pcm: bytes) -> array.array[int]:
    """The signed 16-bit samples of little-endian ``pcm``."""
    values = array.array("h")
    values.frombytes(pcm[: len(pcm) // 2 * 2])
    if sys.byteorder == "big":
        values.byteswap()
    return values


def downmix(pcm: bytes) -> bytes:
    values = samples(pcm)
    mono = array.array(
        "h", ((values[i] + values[i + 1]) // 2 for i in range(0, len(values) - 1, 2))
    )
    if sys.byteorder == "big":
        mono.byteswap()
    return mono.tobytes()


def duration_of(pcm: bytes, sample_rate: int) -> float:
    return len(pcm) // 2 / sample_rate


__all__ = [
    "RATE_RANGE", "STYLE_RATE", "bad_language", "bad_voice", "check_request", "duration_of",
    "estimated_marks", "pcm_to_wav", "read_wav", "samples", "sentence_spans", "sort_marks",
    "speaking_rate", "word_spans",
]  # fmt: skip
