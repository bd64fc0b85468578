"""The offline speech default: eSpeak NG (``libespeak-ng`` as the ``espeakng-loader`` package
ships it, through ctypes), registered as ``espeak``.

Each call runs the library once in a fresh child process (:mod:`._espeak_child`, ~20 ms of
start-up): libespeak-ng keeps synthesis state in C globals that survive
``espeak_Terminate``, so one process speaking the same text twice gives different samples,
and its C API is process-global and not thread-safe. In a fresh process the output is a
function of the request alone (same request → byte-identical WAV), and calls from several
threads run side by side. The voice list is read once per process (under a lock) and cached.

Voice: ``request.voice`` (an espeak voice identifier such as ``gmw/en-US``, a name such as
``English (America)``, or a language code such as ``en-us``), else the best voice for
``request.language`` (``en``, ``en-us``, ``es``, ``fr``, ``de``, ``ja``, ...; ``pt-BR``
falls back to ``pt`` when there is no ``pt-br`` voice). Unknown → :class:`ValidationError`
naming ``voice`` (or ``language``).

Rate and style → espeak parameters: words per minute = 175 × ``rate`` × the style's rate
factor (:data:`~.common.STYLE_RATE`), clamped to 80..450; pitch and pitch range (0-100,
espeak's default 50/50) by style (:data:`STYLE_PITCH`): calm is slower, lower and flatter,
energetic faster, higher and livelier, authoritative slightly slower and low, friendly
slightly faster and bright.

Marks come from espeak's own word and sentence events (audio position in ms, character
position in the text). Each word event is tied to the word of the text it points into
(espeak reads ``2024`` as several words, all at one position: the word gets the first
time); a word espeak reported no event for is given a time interpolated between its
neighbours by character offset. Sentences run from one sentence event to the next.
"""

from __future__ import annotations

import bisect
import json
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

from mangaflow.platform.adapters.speech.common import (
    bad_language,
    bad_voice,
    check_request,
    pcm_to_wav,
    sentence_spans,
    sort_marks,
    speaking_rate,
    word_spans,
)
from mangaflow.platform.config import Settings
from mangaflow.platform.errors import ConfigError, ProviderError
from mangaflow.platform.ports import SpeechMark, SpeechModel, SpeechRequest, SpeechResult, Usage

PROVIDER = "espeak"
CHILD = Path(__file__).with_name("_espeak_child.py")
#: style → (espeak pitch, espeak pitch range), both 0-100.
STYLE_PITCH: dict[str, tuple[int, int]] = {
    "neutral": (50, 50), "calm": (42, 35), "energetic": (60, 75), "authoritative": (40, 45),
    "friendly": (56, 62),
}  # fmt: skip
BASE_WPM = 175
WPM_RANGE = (80, 450)
#: Seconds one call may take (3000 characters take well under one second).
CALL_TIMEOUT = 120.0
EVENT_WORD, EVENT_SENTENCE = 1, 2

_lock = threading.Lock()
_voices: dict[str, Any] | None = None  # {"version", "sample_rate", "voices"}


def library_paths() -> tuple[str, str]:
    """``(libespeak-ng path, espeak-ng-data path)`` from the ``espeakng-loader`` package."""
    try:
        import espeakng_loader
    except ImportError as exc:
        raise ConfigError(
            "the espeak speech provider needs the espeakng-loader package (a dependency of "
            "mangaflow: reinstall it), or set MANGAFLOW_SPEECH_PROVIDER to another provider"
        ) from exc
    return espeakng_loader.get_library_path(), espeakng_loader.get_data_path()


def run_child(payload: dict[str, Any]) -> tuple[dict[str, Any], bytes]:
    """Run :mod:`._espeak_child` on ``payload``: its JSON header and PCM."""
    library, data = library_paths()
    body = json.dumps({**payload, "library": library, "data": data}).encode()
    try:
        done = subprocess.run(
            [sys.executable, "-I", "-S", str(CHILD)], input=body, capture_output=True,
            timeout=CALL_TIMEOUT, check=False,
        )  # fmt: skip
    except subprocess.TimeoutExpired as exc:
        raise ProviderError(f"espeak-ng took over {CALL_TIMEOUT:g} s and was stopped") from exc
    if done.returncode != 0:
        said = done.stderr.decode(errors="replace").strip()[-300:]
        raise ProviderError(f"espeak-ng failed (exit status {done.returncode}): {said}")
    head, _, pcm = done.stdout.partition(b"\n")
    return json.loads(head), pcm


def installed() -> dict[str, Any]:
    """The voices, version and sample rate of the installed espeak-ng (read once)."""
    global _voices
    with _lock:
        if _voices is None:
            _voices, _ = run_child({"op": "voices"})
        return _voices


def _code(value: str) -> str:
    return value.strip().lower().replace("_", "-")


def choose_voice(request: SpeechRequest, voices: list[dict[str, Any]]) -> str:
    """The espeak voice identifier for ``request`` (see the module)."""

    def best_for(language: str) -> str | None:
        ranked = sorted((priority, v["identifier"]) for v in voices
                        for priority, code in v["languages"] if code == language)  # fmt: skip
        return ranked[0][1] if ranked else None

    if request.voice.strip():
        wanted = _code(request.voice)
        for v in voices:
            names = (v["identifier"], v["name"], v["identifier"].rsplit("/", 1)[-1])
            if wanted in {_code(n) for n in names}:
                return str(v["identifier"])
        found = best_for(wanted)
        if found is None:
            raise bad_voice(request.voice, "espeak-ng", "en, en-us, es, fr, de, ja, gmw/en-US")
        return found
    language = _code(request.language)
    found = best_for(language) or best_for(language.split("-")[0])
    if found is None:
        raise bad_language(request.language, "espeak-ng")
    return found


def espeak_parameters(request: SpeechRequest) -> dict[str, int]:
    """Words per minute, pitch and pitch range for ``request`` (see the module)."""
    low, high = WPM_RANGE
    pitch, spread = STYLE_PITCH[request.style]
    wpm = min(high, max(low, round(BASE_WPM * speaking_rate(request))))
    return {"rate": wpm, "pitch": pitch, "range": spread}


def marks_from_events(text: str, events: list[list[int]], duration_ms: int) -> list[SpeechMark]:
    """Word and sentence marks from espeak's events ``[type, position (1-based character),
    length, audio ms]`` (see the module)."""
    words = word_spans(text)
    starts = [s for s, _ in words]
    times: list[int | None] = [None] * len(words)
    for kind, position, _length, ms in events:
        if kind != EVENT_WORD or not words:
            continue
        i = bisect.bisect_right(starts, position - 1) - 1  # the word starting at or before
        if i < 0 or position - 1 >= words[i][1]:
            i += 1  # between words: the next one
        if i < len(words):
            times[i] = ms if times[i] is None else min(ms, times[i] or 0)
    timed = _fill(times, starts, duration_ms)
    marks = [SpeechMark(t, "word", s, e, text[s:e]) for t, (s, e) in zip(timed, words, strict=True)]
    sentences = [(p - 1, ms) for kind, p, _, ms in events if kind == EVENT_SENTENCE]
    marks += _sentences(text, sentences, marks, duration_ms)
    return sort_marks(marks)


def _fill(times: list[int | None], starts: list[int], duration_ms: int) -> list[int]:
    """Missing times interpolated between known neighbours by offset; made non-decreasing."""
    known = [i for i, t in enumerate(times) if t is not None]
    out: list[int] = []
    for i, t in enumerate(times):
        if t is None:
            before = max((k for k in known if k < i), default=None)
            after = min((k for k in known if k > i), default=None)
            t0 = times[before] or 0 if before is not None else 0
            t1 = times[after] or 0 if after is not None else duration_ms
            c0 = starts[before] if before is not None else 0
            c1 = starts[after] if after is not None else starts[i] + 1
            t = round(t0 + (t1 - t0) * (starts[i] - c0) / max(1, c1 - c0))
        out.append(min(duration_ms, max(t, out[-1] if out else 0)))
    return out


def _sentences(
    text: str, events: list[tuple[int, int]], words: list[SpeechMark], duration_ms: int
) -> list[SpeechMark]:
    spans: list[tuple[int, int, int]] = []  # start, end, ms
    if events:
        bounds = [index for index, _ in events] + [len(text)]
        for (start, ms), end in zip(events, bounds[1:], strict=True):
            spans.append((start, end, ms))
    else:  # no sentence events: the text's sentences, each at its first word's time
        for start, end in sentence_spans(text):
            first = next((w.time_ms for w in words if w.start >= start), 0)
            spans.append((start, end, first))
    marks = []
    for start, end, ms in spans:
        start = max(0, start)
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if word_spans(text[start:end]):
            marks.append(SpeechMark(min(ms, duration_ms), "sentence", start, end, text[start:end]))
    return marks


class EspeakSpeech(SpeechModel):
    """eSpeak NG, offline and deterministic (see the module)."""

    name = PROVIDER
    offline = True
    max_chars = 3000

    def __init__(self, settings: Settings | None = None) -> None:
        library_paths()  # fail at construction when the package is missing

    @property
    def model(self) -> str:
        return f"espeak-ng-{installed()['version']}"

    def synthesize(self, request: SpeechRequest) -> SpeechResult:
        check_request(request, self.max_chars)
        setup = installed()
        text = request.text.replace("\x00", " ")  # a NUL would end the C string
        payload = {"op": "speak", "voice": choose_voice(request, setup["voices"]),
                   "text": text, **espeak_parameters(request)}  # fmt: skip
        header, pcm = run_child(payload)
        rate = int(header["sample_rate"])
        frames = len(pcm) // 2
        duration_ms = frames * 1000 // rate
        return SpeechResult(
            wav=pcm_to_wav(pcm[: frames * 2], rate), sample_rate=rate,
            duration_s=frames / rate, provider=PROVIDER, model=self.model,
            marks=marks_from_events(request.text, header["events"], duration_ms),
            usage=Usage(calls=1, characters=len(request.text)),
        )  # fmt: skip


def register(registry: Any) -> None:
    """Register eSpeak NG as the speech provider ``espeak``."""
    registry.add_speech(PROVIDER, EspeakSpeech)


__all__ = ["STYLE_PITCH", "EspeakSpeech", "choose_voice", "espeak_parameters",
           "marks_from_events", "register"]  # fmt: skip
