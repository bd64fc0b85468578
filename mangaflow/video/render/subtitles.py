"""Subtitles from narration: cues timed by the speech provider's word marks, written as SRT
or WebVTT (YouTube takes both).

Cue rules (the usual broadcast/Netflix-style limits): at most 2 lines of at most 42
characters, on screen at least 1 s and at most 7 s, never overlapping. Cues break at
sentence ends where they can, otherwise when the next word would not fit. A cue stays up
until the next one starts (capped at 7 s), so the text is readable through short pauses.

Without word marks (a provider that gives none), words are timed by their position in the
text, interpolated between the sentence marks if there are any, else spread evenly over
the segment — the text still appears in order, just less exactly in sync.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from mangaflow.platform.ports.speech import SpeechMark

MAX_LINES = 2
MAX_CHARS = 42
MIN_S = 1.0
MAX_S = 7.0
_SENTENCE_END = re.compile(r"[.!?…。！？][\"'”’)\]]*$")


@dataclass(frozen=True)
class Cue:
    start_s: float
    end_s: float
    text: str  # lines joined by "\n"

    @property
    def lines(self) -> list[str]:
        return self.text.split("\n")


@dataclass(frozen=True)
class Segment:
    """One stretch of narration placed at ``start_s``..``end_s`` in the video, with the marks
    the speech provider returned for it (times relative to the segment's start)."""

    text: str
    marks: Sequence[SpeechMark]
    start_s: float
    end_s: float


def wrap(text: str, width: int = MAX_CHARS) -> list[str] | None:
    """``text`` on at most two balanced lines of at most ``width`` characters, or None."""
    text = " ".join(text.split())
    if len(text) <= width:
        return [text]
    words = text.split(" ")
    best: list[str] | None = None
    for i in range(1, len(words)):
        a, b = " ".join(words[:i]), " ".join(words[i:])
        if (
            len(a) <= width
            and len(b) <= width
            and (best is None or max(len(a), len(b)) < max(map(len, best)))
        ):
            best = [a, b]
    return best


def _words(text: str, marks: Sequence[SpeechMark], duration_s: float) -> list[tuple[float, str]]:
    """(seconds into the segment, word with its trailing punctuation) in order."""
    spans = [(m.start, m.time_ms / 1000) for m in marks if m.kind == "word"]
    if spans:
        spans.sort(key=lambda s: (s[1], s[0]))
        starts = [s for s, _ in spans]
        out = []
        for k, (start, t) in enumerate(spans):
            end = starts[k + 1] if k + 1 < len(starts) and starts[k + 1] > start else len(text)
            piece = " ".join(text[start:end].split())
            if piece:
                out.append((t, piece))
        return out
    # No word marks: time each word by its character offset, between known anchors.
    anchors = sorted({(0, 0.0), (len(text), duration_s)} |
                     {(m.start, m.time_ms / 1000) for m in marks if m.kind == "sentence"})  # fmt: skip
    out = []
    for match in re.finditer(r"\S+", text):
        pos = match.start()
        lo = max((a for a in anchors if a[0] <= pos), key=lambda a: a[0])
        hi = min((a for a in anchors if a[0] > pos), key=lambda a: a[0], default=lo)
        share = (pos - lo[0]) / (hi[0] - lo[0]) if hi[0] > lo[0] else 0.0
        out.append((lo[1] + share * (hi[1] - lo[1]), match.group()))
    return out


def _split_long(word: str) -> list[str]:
    return [word[i : i + MAX_CHARS] for i in range(0, len(word), MAX_CHARS)]


def cues_from_marks(
    text: str, marks: Sequence[SpeechMark], offset_s: float, end_s: float
) -> list[Cue]:
    """Cues for one narration segment that starts at ``offset_s`` and ends at ``end_s`` in
    the video; ``marks`` are the provider's speech marks for ``text`` (times relative to the
    segment). Cues are at least 1 s long unless the segment itself is shorter."""
    if end_s <= offset_s or not text.strip():
        return []
    words = [(t, p) for t, w in _words(text, marks, end_s - offset_s) for p in _split_long(w)]
    groups: list[tuple[float, list[str]]] = []
    for t, word in words:
        t = min(max(offset_s + t, offset_s), end_s)
        if groups:
            start, cur = groups[-1]
            sentence_done = bool(_SENTENCE_END.search(cur[-1])) and t - start >= MIN_S
            too_long = t - start >= MAX_S
            if not (sentence_done or too_long) and wrap(" ".join([*cur, word])) is not None:
                cur.append(word)
                continue
        groups.append((t, [word]))
    starts = [g[0] for g in groups] + [end_s]
    drafts = [_Draft(starts[k], starts[k + 1], " ".join(ws)) for k, (_, ws) in enumerate(groups)]
    return _settle(drafts, end_s)


@dataclass
class _Draft:
    start: float
    end: float
    text: str


def _settle(drafts: list[_Draft], end_s: float) -> list[Cue]:
    """Merge or stretch cues shorter than 1 s, cap them at 7 s."""
    out: list[_Draft] = []
    for d in drafts:
        if out and d.end - d.start < MIN_S:
            prev = out[-1]
            merged = f"{prev.text} {d.text}"
            if wrap(merged) is not None and d.end - prev.start <= MAX_S:
                prev.end, prev.text = d.end, merged
                continue
        out.append(d)
    # a cue still under 1 s takes time from the start of the next one when that can spare it
    for k, d in enumerate(out):
        if d.end - d.start < MIN_S:
            limit = out[k + 1].end - MIN_S if k + 1 < len(out) else end_s
            d.end = min(d.start + MIN_S, max(d.end, limit))
            if k + 1 < len(out):
                out[k + 1].start = d.end
    result = []
    for d in out:
        lines = wrap(d.text)
        result.append(Cue(d.start, min(d.end, d.start + MAX_S),
                          "\n".join(lines) if lines else d.text))  # fmt: skip
    return result


def cues_from_segments(segments: Iterable[Segment]) -> list[Cue]:
    """Cues of consecutive narration segments, in order, with no overlaps between them."""
    cues: list[Cue] = []
    for seg in sorted(segments, key=lambda s: s.start_s):
        for cue in cues_from_marks(seg.text, seg.marks, seg.start_s, seg.end_s):
            if cues and cues[-1].end_s > cue.start_s:
                last = cues[-1]
                cues[-1] = Cue(last.start_s, cue.start_s, last.text)
            cues.append(cue)
    return [c for c in cues if c.end_s > c.start_s]


def _stamp(seconds: float, sep: str) -> str:
    ms = max(0, round(seconds * 1000))
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}{sep}{ms:03d}"


def to_srt(cues: Iterable[Cue]) -> str:
    """SubRip: numbered cues, ``00:00:01,000 --> 00:00:02,500``, a blank line after each."""
    blocks = [f"{k}\n{_stamp(c.start_s, ',')} --> {_stamp(c.end_s, ',')}\n{c.text}\n"
              for k, c in enumerate(cues, start=1)]  # fmt: skip
    return "\n".join(blocks)


def to_vtt(cues: Iterable[Cue]) -> str:
    """WebVTT: the ``WEBVTT`` header, then ``00:00:01.000 --> 00:00:02.500`` cues (text
    escaped: ``&``, ``<``, ``>``)."""
    blocks = [f"{_stamp(c.start_s, '.')} --> {_stamp(c.end_s, '.')}\n"
              f"{html.escape(c.text, quote=False)}\n" for c in cues]  # fmt: skip
    return "WEBVTT\n\n" + "\n".join(blocks)
