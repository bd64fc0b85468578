"""Narration: one clip per segment from the speech model (long segments are spoken in
sentence-sized parts and joined), stored as WAV with its word/sentence marks; then the whole
narration joined with a short pause between segments."""

from __future__ import annotations

import io
import json
import re
import wave
from dataclasses import asdict

from mangaflow.platform.ports import SpeechMark, SpeechRequest
from mangaflow.video.parts import Studio
from mangaflow.video.services.produce import Job, render_key

PAUSE_S = 0.4
_SENTENCE_SPAN = re.compile(r"\S.*?(?:[.!?…](?=\s|$)|$)", re.DOTALL)


def plan(st: Studio, request_id: str) -> int:
    job = Job(st, request_id)
    n = job.plan("narration")
    if not st.speech.offline and job.video.offline:
        st.store.update_video(job.video.video_id, offline=False)
    return n


def parts(text: str, limit: int) -> list[tuple[int, str]]:
    """``text`` cut at sentence ends into pieces of at most ``limit`` characters, each with
    its offset in ``text`` (a sentence longer than ``limit`` is cut at spaces)."""
    spans: list[tuple[int, int]] = []
    for m in _SENTENCE_SPAN.finditer(text):
        a, b = m.start(), m.end()
        while b - a > limit:  # one over-long sentence: cut at the last space that fits
            cut = text.rfind(" ", a, a + limit)
            cut = cut if cut > a else a + limit
            spans.append((a, cut))
            a = cut + (text[cut : cut + 1] == " ")
        spans.append((a, b))
    out: list[tuple[int, str]] = []
    group: tuple[int, int] | None = None
    for a, b in spans:
        if group and b - group[0] <= limit:
            group = (group[0], b)
            continue
        if group:
            out.append((group[0], text[group[0] : group[1]]))
        group = (a, b)
    if group:
        out.append((group[0], text[group[0] : group[1]]))
    return out


def narrate_segment(st: Studio, request_id: str, index: int) -> str:
    job = Job(st, request_id)
    key = render_key(job.video, f"audio/{index:03d}.wav")
    if st.blobs.exists(key):
        return key
    segment = job.script().segments[index]
    speech = st.speech
    frames: list[bytes] = []
    marks: list[SpeechMark] = []
    rate = 0
    elapsed_ms = 0
    for offset, text in parts(segment.narration, speech.max_chars):
        result = speech.synthesize(SpeechRequest(text=text, language=job.topic.language,
                                                 voice=job.topic.voice, style=job.topic.style))  # fmt: skip
        job.record("speech", result.provider, result.usage, result.model)
        with wave.open(io.BytesIO(result.wav)) as w:
            if rate and w.getframerate() != rate:
                raise ValueError("speech parts came back at different sample rates")
            rate = w.getframerate()
            frames.append(w.readframes(w.getnframes()))
        marks += [SpeechMark(m.time_ms + elapsed_ms, m.kind, m.start + offset, m.end + offset,
                             m.value) for m in result.marks]  # fmt: skip
        elapsed_ms += round(result.duration_s * 1000)
    st.blobs.put(key, _wav(b"".join(frames), rate), "audio/wav")
    st.blobs.put(render_key(job.video, f"audio/{index:03d}.marks.json"),
                   json.dumps([asdict(m) for m in marks]).encode(), "application/json")  # fmt: skip
    return key


def _wav(pcm: bytes, rate: int, channels: int = 1) -> bytes:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm)
    return buf.getvalue()


def load_marks(st: Studio, job: Job, index: int) -> list[SpeechMark]:
    raw = json.loads(st.blobs.get(render_key(job.video, f"audio/{index:03d}.marks.json")))
    return [SpeechMark(**m) for m in raw]


def join(st: Studio, job: Job, count: int) -> tuple[bytes, list[float]]:
    """The whole narration (one WAV, a pause between segments) and each segment's length in
    seconds including the pause after it."""
    pcm: list[bytes] = []
    lengths: list[float] = []
    rate = 0
    for i in range(count):
        with wave.open(io.BytesIO(st.blobs.get(render_key(job.video, f"audio/{i:03d}.wav")))) as w:
            rate = rate or w.getframerate()
            data = w.readframes(w.getnframes())
        pause = int(rate * PAUSE_S) * 2 if i < count - 1 else 0
        pcm += [data, b"\0" * pause]
        lengths.append((len(data) + pause) / 2 / rate)
    return _wav(b"".join(pcm), rate), lengths
