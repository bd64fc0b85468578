"""Video fixtures: a studio on SQLite under the test's home, with a bus that keeps events."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mangaflow.bootstrap import build, set_context
from mangaflow.platform.ports import EventBus
from mangaflow.video.parts import Studio, studio
from tests.conftest import make_settings


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
