"""Video fixtures: a studio on SQLite with a bus that keeps events; the loopback fake YouTube, a SQLite item table for the quota ledger, a
controllable clock, AWS under moto, and files to publish."""

from __future__ import annotations

import math
import os
import random
import struct
import wave
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from moto import mock_aws
from PIL import Image, ImageDraw

from mangaflow.bootstrap import build, set_context
from mangaflow.platform.adapters.storage.sqlite import SqliteItemTable
from mangaflow.platform.config import Settings
from mangaflow.platform.ports import EventBus
from mangaflow.video.parts import Studio, studio
from tests.conftest import make_settings
from tests.fakes.youtube_server import FakeYouTubeServer

REGION = "us-east-1"


class Clock:
    """A settable UTC clock (``clock()`` returns the time; ``advance`` moves it)."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def yt() -> Iterator[FakeYouTubeServer]:
    with FakeYouTubeServer() as server:
        yield server


@pytest.fixture
def table(tmp_path: Path) -> SqliteItemTable:
    return SqliteItemTable(tmp_path / "items.db")


def yt_settings(tmp_path: Path, server: FakeYouTubeServer, **overrides: Any) -> Settings:
    values: dict[str, Any] = server.settings_overrides()
    values.update(overrides)
    return make_settings(tmp_path / "home", **values)


def video_file(tmp_path: Path, size: int, name: str = "clip.mp4") -> Path:
    """``size`` random bytes (the publishers move bytes; they never decode them)."""
    path = tmp_path / name
    path.write_bytes(os.urandom(size))
    return path


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """Fake credentials and region (never the developer's), everything mocked by moto."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing", "AWS_DEFAULT_REGION": REGION, "AWS_REGION": REGION,
        "AWS_CONFIG_FILE": str(tmp_path / "no-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-credentials"),
    }.items():  # fmt: skip
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        yield


NOW = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)


# ------------------------------------------------------------------ the studio (services)
class ListBus(EventBus):
    """Keeps what is published (no delivery)."""

    def __init__(self) -> None:
        self.published: list[Any] = []

    def publish(self, event: Any) -> None:
        self.published.append(event)


def make_studio(home: Path, bus: EventBus | None = None, **settings: Any) -> Studio:
    c = build(make_settings(home, **settings), bus=bus or ListBus())
    return studio(c)


@pytest.fixture
def st(tmp_path: Path) -> Iterator[Studio]:
    s = make_studio(tmp_path / "home")
    set_context(s.c)
    yield s
    set_context(None)


TOPIC: dict[str, Any] = {"name": "Home espresso", "category": "custom",
                         "keywords": ["espresso", "grinder"], "min_minutes": 1,
                         "max_minutes": 1}  # fmt: skip


# ------------------------------------------------------------------ render fixtures
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
