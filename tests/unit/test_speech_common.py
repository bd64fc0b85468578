"""The speech adapters' shared pieces: request checks, spans, WAV reading, estimated marks,
espeak's event mapping and Polly's offsets."""

from __future__ import annotations

import io
import struct
import wave

import pytest

from mangaflow.platform.adapters.speech.common import (
    check_request,
    estimated_marks,
    pcm_to_wav,
    read_wav,
    samples,
    sentence_spans,
    word_spans,
)
from mangaflow.platform.adapters.speech.espeak import espeak_parameters, marks_from_events
from mangaflow.platform.adapters.speech.polly import parse_marks, polly_input
from mangaflow.platform.errors import ProviderError, ProviderUnavailable, ValidationError
from mangaflow.platform.ports import SpeechRequest


def test_every_bad_field_is_named_at_once() -> None:
    with pytest.raises(ValidationError) as info:
        check_request(SpeechRequest(text="", style="shouty", rate=3.0, language=" "), 100)
    assert info.value.fields == ["text", "style", "rate", "language"]
    with pytest.raises(ValidationError, match="101 characters") as info:
        check_request(SpeechRequest(text="x" * 101), 100)
    assert info.value.fields == ["text"]
    check_request(SpeechRequest(text="x" * 100, style="calm", rate=0.5), 100)


def test_word_and_sentence_spans() -> None:
    text = "  It’s $3.50, e.g. 50% off—today! Well-known? こんにちは、世界。"
    assert [text[s:e] for s, e in word_spans(text)] == [
        "It’s", "$3.50", "e.g", "50%", "off", "today", "Well-known", "こんにちは", "世界"]  # fmt: skip
    assert [text[s:e] for s, e in sentence_spans(text)] == [
        "It’s $3.50, e.g.", "50% off—today!", "Well-known?", "こんにちは、世界。"]  # fmt: skip
    assert sentence_spans("...  ") == []


def test_estimated_marks_are_proportional() -> None:
    text = "One two. Three four."
    marks = estimated_marks(text, 2000)
    assert [(m.kind, m.value, m.time_ms) for m in marks] == [
        ("sentence", "One two.", 0), ("word", "One", 0), ("word", "two", 400),
        ("sentence", "Three four.", 900), ("word", "Three", 900), ("word", "four", 1500)]  # fmt: skip


def wav_of(channels: int, width: int, frames: bytes, rate: int = 8000) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(width)
        w.setframerate(rate)
        w.writeframes(frames)
    return out.getvalue()


def test_read_wav_mixes_down_and_reads_streamed_headers() -> None:
    stereo = struct.pack("<4h", 1000, 3000, -2000, -4000)
    pcm, rate = read_wav(wav_of(2, 2, stereo), provider="p")
    assert (list(samples(pcm)), rate) == ([2000, -3000], 8000)
    streamed = bytearray(pcm_to_wav(struct.pack("<3h", 1, 2, 3), 24000))
    streamed[4:8] = streamed[40:44] = b"\xff\xff\xff\xff"
    assert read_wav(bytes(streamed), provider="p") == (struct.pack("<3h", 1, 2, 3), 24000)


def test_read_wav_refuses_what_it_cannot_use() -> None:
    with pytest.raises(ProviderUnavailable, match="not a WAV"):
        read_wav(b"<html>502</html>", provider="p")
    with pytest.raises(ProviderUnavailable, match="cut short"):
        read_wav(wav_of(1, 2, b"\x01\x00" * 100)[:-50], provider="p")
    with pytest.raises(ProviderError, match="8-bit") as info:
        read_wav(wav_of(1, 1, b"\x80" * 10), provider="p")
    assert type(info.value) is ProviderError  # permanent: asking again gives the same
    float_wav = bytearray(wav_of(1, 2, b"\x00" * 8))
    float_wav[20:22] = struct.pack("<H", 3)  # WAVE_FORMAT_IEEE_FLOAT
    with pytest.raises(ProviderError, match="not PCM"):
        read_wav(bytes(float_wav), provider="p")


def test_espeak_events_become_marks() -> None:
    text = "Hi 2024 ok. Yes"
    #      kind, 1-based position, length, ms: "2024" read as three words at one position
    events = [[2, 1, 0, 0], [1, 1, 2, 0], [1, 4, 4, 200], [1, 5, 4, 400], [1, 5, 4, 600],
              [2, 13, 0, 1500], [1, 13, 3, 1500]]  # fmt: skip
    marks = marks_from_events(text, events, 2000)
    assert [(m.kind, m.value, m.time_ms) for m in marks] == [
        ("sentence", "Hi 2024 ok.", 0), ("word", "Hi", 0), ("word", "2024", 200),
        ("word", "ok", 922), ("sentence", "Yes", 1500), ("word", "Yes", 1500)]  # fmt: skip
    # "ok" (offset 8) had no event: 200 + (1500 - 200) * (8 - 3) / (12 - 3) ms, between 2024 and Yes


def test_espeak_rate_and_style_mapping() -> None:
    assert espeak_parameters(SpeechRequest(text="x")) == {"rate": 175, "pitch": 50, "range": 50}
    calm = espeak_parameters(SpeechRequest(text="x", style="calm"))
    energetic = espeak_parameters(SpeechRequest(text="x", style="energetic", rate=2.0))
    assert calm["rate"] < 175 and calm["pitch"] < 50 and calm["range"] < 50
    assert energetic == {"rate": 402, "pitch": 60, "range": 75}
    assert espeak_parameters(SpeechRequest(text="x", style="calm", rate=0.5))["rate"] == 80


def test_polly_byte_offsets_become_character_offsets() -> None:
    text = "Ça & là"
    ssml, kind, byte_at = polly_input(text, 1.1)
    assert (ssml, kind) == ('<speak><prosody rate="110%">Ça &amp; là</prosody></speak>', "ssml")
    raw = ssml.encode()
    start = raw.index("là".encode())
    body = (b'{"time":5,"type":"sentence","start":28,"end":%d,"value":"x"}\n'
            b'{"time":300,"type":"word","start":%d,"end":%d,"value":"x"}\n'
            b'{"time":9,"type":"viseme","value":"p"}\n') % (start + 3, start, start + 3)  # fmt: skip
    marks = parse_marks(body, text, byte_at, 1000)
    assert [(m.kind, m.start, m.end, m.value) for m in marks] == [
        ("sentence", 0, 7, "Ça & là"), ("word", 5, 7, "là")]  # fmt: skip
    with pytest.raises(ProviderUnavailable, match="do not parse"):
        parse_marks(b'{"time": "soon", "type": "word"}\n', text, byte_at, 1000)
