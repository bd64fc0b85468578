"""Subtitles: cue rules (≤ 2 lines × 42 characters, 1..7 s, no overlaps, text in order)
and the exact SRT / WebVTT formats."""

from __future__ import annotations

import random
import re

import pytest

from mangaflow.platform.ports.speech import SpeechMark
from mangaflow.video.render.subtitles import (
    Cue,
    Segment,
    cues_from_marks,
    cues_from_segments,
    to_srt,
    to_vtt,
    wrap,
)

WORDS = [
    *[
        "the",
        "dragon",
        "returned",
        "to",
        "the",
        "valley",
        "after",
        "nine",
        "long",
        "winters",
        "and",
        "nobody",
        "in",
    ],
    *[
        "the",
        "town",
        "of",
        "Eldmoor",
        "was",
        "ready",
        "for",
        "what",
        "it",
        "carried",
        "incomprehensibly",
    ],
]


def narration(seed: int, sentences: int = 8) -> tuple[str, list[SpeechMark], float]:
    """A text of random sentences with word (and sentence) marks at speaking pace, with
    occasional long pauses; returns (text, marks, duration)."""
    rng = random.Random(seed)
    text, marks, t = "", [], 0
    for _ in range(sentences):
        words = [rng.choice(WORDS) for _ in range(rng.randint(2, 22))]
        sentence = " ".join(words).capitalize() + rng.choice([".", "!", "?", ","])
        start = len(text)
        marks.append(SpeechMark(t, "sentence", start, start + len(sentence), sentence))
        for m in re.finditer(r"\S+", sentence):
            marks.append(SpeechMark(t, "word", start + m.start(), start + m.end(), m.group()))
            t += rng.randint(180, 520) + (rng.random() < 0.05) * rng.randint(1000, 9000)
        text += sentence + " "
        t += rng.randint(100, 800)
    return text.strip(), marks, t / 1000 + 0.5


def assert_rules(cues: list[Cue], text: str, start: float, end: float) -> None:
    assert cues, "no cues"
    for cue in cues:
        assert len(cue.lines) <= 2 and all(0 < len(ln) <= 42 for ln in cue.lines), cue
        assert 1.0 - 1e-9 <= cue.end_s - cue.start_s <= 7.0 + 1e-9, cue
        assert start <= cue.start_s and cue.end_s <= end + 1e-9
    for a, b in zip(cues, cues[1:], strict=False):
        assert a.end_s <= b.start_s + 1e-9, (a, b)
    # every word is shown once, in order
    assert " ".join(" ".join(c.lines) for c in cues).split() == text.split()


@pytest.mark.parametrize("seed", range(12))
def test_cues_keep_the_rules_for_any_narration(seed: int) -> None:
    text, marks, duration = narration(seed)
    cues = cues_from_marks(text, marks, 12.5, 12.5 + duration)
    assert_rules(cues, text, 12.5, 12.5 + duration)
    # a cue starts when its first word is spoken
    word_times = {m.start: 12.5 + m.time_ms / 1000 for m in marks if m.kind == "word"}
    assert cues[0].start_s == pytest.approx(word_times[0])


def test_cues_break_at_sentence_ends() -> None:
    text = "The dragon returns to the valley. Nobody expected it. The town must decide."
    marks, t = [], 0
    for m in re.finditer(r"\S+", text):
        marks.append(SpeechMark(t, "word", m.start(), m.end(), m.group()))
        t += 400
    cues = cues_from_marks(text, marks, 0.0, t / 1000)
    assert [c.text for c in cues] == ["The dragon returns to the valley.",
                                      "Nobody expected it.", "The town must decide."]  # fmt: skip


def test_without_word_marks_words_are_spread_between_sentence_marks() -> None:
    text = "First sentence is here. Second one starts much later."
    marks = [SpeechMark(0, "sentence", 0, 23, "First sentence is here."),
             SpeechMark(6000, "sentence", 24, len(text), "Second one starts much later.")]  # fmt: skip
    cues = cues_from_marks(text, marks, 0.0, 9.0)
    assert [c.text for c in cues] == ["First sentence is here.", "Second one starts much later."]
    assert cues[1].start_s == pytest.approx(6.0)
    assert cues[0].end_s == pytest.approx(6.0)
    bare = cues_from_marks(text, [], 0.0, 9.0)  # no marks at all: by position in the text
    assert_rules(bare, text, 0.0, 9.0)


def test_segments_do_not_overlap_and_empty_ones_give_nothing() -> None:
    a_text, a_marks, a_len = narration(1, 3)
    b_text, b_marks, b_len = narration(2, 3)
    segments = [Segment(b_text, b_marks, a_len - 0.5, a_len - 0.5 + b_len),  # starts early
                Segment(a_text, a_marks, 0.0, a_len), Segment("   ", [], 99.0, 100.0)]  # fmt: skip
    cues = cues_from_segments(segments)
    for a, b in zip(cues, cues[1:], strict=False):
        assert a.end_s <= b.start_s
    assert " ".join(" ".join(c.lines) for c in cues).split() == f"{a_text} {b_text}".split()


def test_wrap_balances_two_lines_or_refuses() -> None:
    assert wrap("short") == ["short"]
    lines = wrap("Nobody expected it, least of all the old fisherman who warned them")
    assert lines is not None and len(lines) == 2 and max(map(len, lines)) <= 42
    assert abs(len(lines[0]) - len(lines[1])) < 15
    assert wrap("word " * 30) is None


def test_srt_and_vtt_formats() -> None:
    cues = [Cue(0.0, 1.5, "Hello <world> & co"), Cue(61.25, 3723.004, "Line one\nline two")]
    assert to_srt(cues) == (
        "1\n00:00:00,000 --> 00:00:01,500\nHello <world> & co\n\n"
        "2\n00:01:01,250 --> 01:02:03,004\nLine one\nline two\n"
    )
    assert to_vtt(cues) == (
        "WEBVTT\n\n"
        "00:00:00.000 --> 00:00:01.500\nHello &lt;world&gt; &amp; co\n\n"
        "00:01:01.250 --> 01:02:03.004\nLine one\nline two\n"
    )
