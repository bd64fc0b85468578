"""Speech-like audio for the fake speech providers: each word a short tone burst (its length
grows with the word), a gap between words and a longer pause after a sentence, so longer
text gives longer audio and word timings are known exactly."""

from __future__ import annotations

import io
import re
import wave
from dataclasses import dataclass

import numpy as np

WORD = re.compile(r"\w+(?:['’\-]\w+)*")
SENTENCE = re.compile(r"[^.!?。！？]+[.!?。！？]*")
MS_PER_CHAR = 55
MIN_WORD_MS = 120
GAP_MS = 80
SENTENCE_PAUSE_MS = 250


@dataclass(frozen=True)
class Spoken:
    """Where a word or sentence is: character offsets and its start in the audio (ms)."""

    kind: str  # "word" | "sentence"
    start: int
    end: int
    time_ms: int


def speak(text: str, sample_rate: int, speed: float = 1.0) -> tuple[bytes, list[Spoken]]:
    """16-bit mono PCM of ``text`` at ``sample_rate`` (``speed`` > 1 is faster), and where
    each word and sentence starts."""
    chunks: list[np.ndarray] = []
    spoken: list[Spoken] = []
    now_ms = 0.0

    def silence(ms: float) -> None:
        nonlocal now_ms
        chunks.append(np.zeros(int(sample_rate * ms / 1000), dtype=np.int16))
        now_ms += len(chunks[-1]) * 1000 / sample_rate

    silence(40)
    for sentence in SENTENCE.finditer(text):
        words = list(WORD.finditer(text, sentence.start(), sentence.end()))
        if not words:
            continue
        spoken.append(Spoken("sentence", words[0].start(), sentence.end(), round(now_ms)))
        for word in words:
            spoken.append(Spoken("word", word.start(), word.end(), round(now_ms)))
            ms = max(MIN_WORD_MS, MS_PER_CHAR * len(word.group())) / speed
            n = int(sample_rate * ms / 1000)
            t = np.arange(n) / sample_rate
            pitch = 160 + (sum(map(ord, word.group())) % 120)
            envelope = np.minimum(1.0, np.minimum(np.arange(n), n - np.arange(n)) / (n / 8 + 1))
            tone = (
                9000
                * envelope
                * (np.sin(2 * np.pi * pitch * t) + 0.3 * np.sin(6 * np.pi * pitch * t))
            )
            chunks.append(tone.astype(np.int16))
            now_ms += n * 1000 / sample_rate
            silence(GAP_MS / speed)
        silence(SENTENCE_PAUSE_MS / speed)
    return np.concatenate(chunks).astype("<i2").tobytes(), spoken


def wav(pcm: bytes, sample_rate: int, *, streamed: bool = False) -> bytes:
    """``pcm`` as a WAV file; ``streamed`` writes the header a streaming server sends (RIFF
    and data sizes ``0xFFFFFFFF``, as OpenAI's speech endpoint does)."""
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(sample_rate)
        w.writeframes(pcm)
    data = bytearray(out.getvalue())
    if streamed:
        data[4:8] = b"\xff\xff\xff\xff"
        data[40:44] = b"\xff\xff\xff\xff"
    return bytes(data)
