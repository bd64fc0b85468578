"""Video render fixtures: stills drawn with Pillow (a distinct dominant colour each, with
shapes so motion shows) and narration WAVs generated with ``wave``."""

from __future__ import annotations

import math
import random
import struct
import wave
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from mangaflow.platform.config import Settings
from tests.conftest import make_settings

#: Dominant colours of the generated stills, in order.
COLOURS = [(220, 40, 40), (40, 200, 60), (40, 70, 220), (230, 200, 40), (200, 60, 200)]


def draw_still(path: Path, colour: tuple[int, int, int], seed: int,
               size: tuple[int, int] = (480, 320)) -> Path:  # fmt: skip
    """A still of one dominant colour with darker circles and lines (texture for motion)."""
    rng = random.Random(seed)
    img = Image.new("RGB", size, colour)
    draw = ImageDraw.Draw(img)
    dark = tuple(c // 3 for c in colour)
    for _ in range(25):
        x, y, r = rng.randrange(size[0]), rng.randrange(size[1]), rng.randrange(6, 40)
        draw.ellipse((x - r, y - r, x + r, y + r), outline=dark, width=3)
    for _ in range(10):
        draw.line([(rng.randrange(size[0]), rng.randrange(size[1])) for _ in range(2)],
                  fill=dark, width=2)  # fmt: skip
    img.save(path)
    return path


def write_wav(path: Path, seconds: float, rate: int = 24_000) -> Path:
    """A mono 16-bit PCM WAV: a 220 Hz tone with a little noise, ``seconds`` long."""
    rng = random.Random(1)
    frames = int(round(seconds * rate))
    samples = (int(6000 * math.sin(2 * math.pi * 220 * i / rate) + rng.randint(-500, 500))
               for i in range(frames))  # fmt: skip
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(b"".join(struct.pack("<h", s) for s in samples))
    return path


@pytest.fixture
def stills(tmp_path: Path) -> list[Path]:
    return [draw_still(tmp_path / f"still-{i}.png", c, i) for i, c in enumerate(COLOURS)]


@pytest.fixture
def wav(tmp_path: Path) -> Callable[[float], Path]:
    def make(seconds: float) -> Path:
        return write_wav(tmp_path / f"narration-{seconds:.3f}.wav", seconds)

    return make


@pytest.fixture
def video_settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path / "home")
