"""One libespeak-ng call in a fresh process (standard library only; run by :mod:`.espeak` as
``python -I -S _espeak_child.py``).

libespeak-ng keeps synthesis state in C globals (pitch flutter, wave phase, noise seed, ...)
that survive ``espeak_Terminate``: the same text spoken twice in one process gives different
samples. A fresh process per call makes the output a function of the request alone, and
keeps the process-global, thread-unsafe C API out of the caller's process.

stdin: one JSON object, ``{"op": "voices" | "speak", "library", "data", ...}``; ``speak``
also takes ``voice`` (an espeak voice name), ``rate`` (words per minute), ``pitch`` and
``range`` (0-100) and ``text``. stdout: one JSON line (``sample_rate``, ``version``, and
``voices`` or ``events``: ``[type, text_position, length, audio_position_ms]``), then for
``speak`` the 16-bit mono PCM. Failures: a message on stderr and exit status 2 (3: no such
voice).
"""

from __future__ import annotations

import ctypes
import json
import sys
from typing import Any

AUDIO_OUTPUT_SYNCHRONOUS = 2
INITIALIZE_DONT_EXIT = 0x8000
CHARS_UTF8 = 0x1
ENDPAUSE = 0x1000
POS_CHARACTER = 1
EVENT_WORD, EVENT_SENTENCE = 1, 2
RATE, VOLUME, PITCH, RANGE, PUNCTUATION, WORDGAP = 1, 2, 3, 4, 5, 7
RAND_SEED = 1


class _Id(ctypes.Union):
    _fields_ = [("number", ctypes.c_int), ("name", ctypes.c_char_p), ("string", ctypes.c_char * 8)]


class Event(ctypes.Structure):
    """``espeak_EVENT`` (speak_lib.h)."""

    _fields_ = [
        ("type", ctypes.c_int), ("unique_identifier", ctypes.c_uint),
        ("text_position", ctypes.c_int), ("length", ctypes.c_int),
        ("audio_position", ctypes.c_int), ("sample", ctypes.c_int),
        ("user_data", ctypes.c_void_p), ("id", _Id),
    ]  # fmt: skip


class Voice(ctypes.Structure):
    """``espeak_VOICE``; ``languages`` is (priority byte, zero-terminated name)..., then 0."""

    _fields_ = [
        ("name", ctypes.c_char_p), ("languages", ctypes.c_void_p),
        ("identifier", ctypes.c_char_p), ("gender", ctypes.c_ubyte), ("age", ctypes.c_ubyte),
        ("variant", ctypes.c_ubyte), ("xx1", ctypes.c_ubyte), ("score", ctypes.c_int),
        ("spare", ctypes.c_void_p),
    ]  # fmt: skip


Callback = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int,
                            ctypes.POINTER(Event))  # fmt: skip


def fail(message: str, status: int = 2) -> None:
    sys.stderr.write(message)
    sys.exit(status)


def load(library: str, data: str) -> tuple[Any, int, str]:
    lib = ctypes.CDLL(library)
    lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
    lib.espeak_Info.restype = ctypes.c_char_p
    lib.espeak_Info.argtypes = [ctypes.POINTER(ctypes.c_char_p)]
    lib.espeak_ListVoices.restype = ctypes.POINTER(ctypes.POINTER(Voice))
    lib.espeak_ListVoices.argtypes = [ctypes.c_void_p]
    lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
    lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
    lib.espeak_SetSynthCallback.argtypes = [Callback]
    lib.espeak_Synth.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int,
                                 ctypes.c_uint, ctypes.c_uint, ctypes.c_void_p, ctypes.c_void_p]  # fmt: skip
    rate = lib.espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 0, data.encode(), INITIALIZE_DONT_EXIT)
    if rate <= 0:
        fail(f"espeak_Initialize failed ({rate}) with data path {data}")
    version = (lib.espeak_Info(None) or b"").decode()
    return lib, rate, version


def voices(lib: Any) -> list[dict[str, Any]]:
    found = []
    table = lib.espeak_ListVoices(None)
    i = 0
    while table[i]:
        voice = table[i].contents
        raw = ctypes.string_at(voice.languages, 256)
        languages, j = [], 0
        while j < len(raw) and raw[j] != 0:
            priority, end = raw[j], raw.index(b"\0", j + 1)
            languages.append([priority, raw[j + 1 : end].decode()])
            j = end + 1
        found.append({"name": (voice.name or b"").decode(), "languages": languages,
                      "identifier": (voice.identifier or b"").decode()})  # fmt: skip
        i += 1
    return found


def speak(lib: Any, request: dict[str, Any]) -> tuple[list[list[int]], bytes]:
    pcm = bytearray()
    events: list[list[int]] = []

    def collect(wav: Any, count: int, event: Any) -> int:
        if count > 0:
            pcm.extend(ctypes.string_at(wav, count * 2))
        k = 0
        while event[k].type != 0:
            e = event[k]
            if e.type in (EVENT_WORD, EVENT_SENTENCE):
                events.append([e.type, e.text_position, e.length, e.audio_position])
            k += 1
        return 0

    callback = Callback(collect)
    lib.espeak_SetSynthCallback(callback)
    if hasattr(lib, "espeak_ng_SetRandSeed"):
        lib.espeak_ng_SetRandSeed.argtypes = [ctypes.c_long]
        lib.espeak_ng_SetRandSeed(RAND_SEED)
    if lib.espeak_SetVoiceByName(str(request["voice"]).encode()) != 0:
        fail(f"espeak-ng has no voice {request['voice']!r}", 3)
    for parameter, value in ((RATE, request["rate"]), (PITCH, request["pitch"]),
                             (RANGE, request["range"]), (VOLUME, 100), (WORDGAP, 0),
                             (PUNCTUATION, 0)):  # fmt: skip
        lib.espeak_SetParameter(parameter, int(value), 0)
    text = str(request["text"]).encode("utf-8")
    status = lib.espeak_Synth(text, len(text) + 1, 0, POS_CHARACTER, 0, CHARS_UTF8 | ENDPAUSE,
                              None, None)  # fmt: skip
    if status != 0:
        fail(f"espeak_Synth failed ({status})")
    return events, bytes(pcm)


def main() -> None:
    request = json.loads(sys.stdin.buffer.read())
    lib, rate, version = load(request["library"], request["data"])
    header: dict[str, Any] = {"sample_rate": rate, "version": version}
    pcm = b""
    if request["op"] == "voices":
        header["voices"] = voices(lib)
    else:
        header["events"], pcm = speak(lib, request)
    out = sys.stdout.buffer
    out.write(json.dumps(header).encode() + b"\n")
    out.write(pcm)
    out.flush()


if __name__ == "__main__":
    main()
