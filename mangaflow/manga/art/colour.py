"""Colours for the offline artist: the ink and paper colours, hex parsing and colour
arithmetic (mixing, darkening, lightening, luma), and the seeded random generator every
drawing draws from."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence

RGB = tuple[int, int, int]

INK: RGB = (26, 22, 30)
WHITE: RGB = (255, 255, 255)


def stable_rng(*parts: object) -> random.Random:
    """A ``random.Random`` seeded from sha256 of the parts (never the salted ``hash``)."""
    digest = hashlib.sha256("\x1f".join(str(p) for p in parts).encode("utf-8")).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def parse_hex(value: object, fallback: RGB) -> RGB:
    text = str(value or "").strip().lstrip("#")
    if len(text) == 3:
        text = "".join(ch * 2 for ch in text)
    if len(text) != 6:
        return fallback
    try:
        return (int(text[0:2], 16), int(text[2:4], 16), int(text[4:6], 16))
    except ValueError:
        return fallback


def mix(a: Sequence[int], b: Sequence[int], t: float) -> RGB:
    return (
        int(round(a[0] + (b[0] - a[0]) * t)),
        int(round(a[1] + (b[1] - a[1]) * t)),
        int(round(a[2] + (b[2] - a[2]) * t)),
    )


def darker(c: Sequence[int], f: float = 0.72) -> RGB:
    return (int(c[0] * f), int(c[1] * f), int(c[2] * f))


def lighter(c: Sequence[int], t: float = 0.35) -> RGB:
    return mix(c, WHITE, t)


def luma(c: Sequence[int]) -> float:
    return 0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2]
