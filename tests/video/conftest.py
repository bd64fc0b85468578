"""Video fixtures: a studio on SQLite with a bus that keeps events; the loopback fake YouTube, a SQLite item table for the quota ledger, a
controllable clock, AWS under moto, and files to publish."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from moto import mock_aws

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
