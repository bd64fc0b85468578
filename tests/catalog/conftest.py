"""Catalog fixtures: a catalog on SQLite, the real MiniLM embedder (loaded once) and an
embedded Qdrant collection under the test's home; sources written in the real schema."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mangaflow.bootstrap import build, set_context
from mangaflow.catalog import sample
from mangaflow.catalog.parts import Catalog, catalog
from mangaflow.platform.ports import EventBus
from tests.conftest import make_settings


class ListBus(EventBus):
    """Keeps what is published (no delivery)."""

    def __init__(self) -> None:
        self.published: list[Any] = []

    def publish(self, event: Any) -> None:
        self.published.append(event)


@pytest.fixture(scope="session")
def embedder() -> Any:
    from mangaflow.platform.registry import build_embedder

    return build_embedder(make_settings(Path("/nonexistent")))


def make_catalog(home: Path, embedder: Any = None, bus: EventBus | None = None, **settings: Any) -> Catalog:
    values: dict[str, Any] = {"catalog_images": False}
    values.update(settings)
    c = build(make_settings(home, **values), bus=bus or ListBus())
    set_context(c)
    return catalog(c, embedder=embedder)


@pytest.fixture
def cat(tmp_path: Path, embedder: Any) -> Iterator[Catalog]:
    cat = make_catalog(tmp_path / "home", embedder)
    yield cat
    cat.close()


@pytest.fixture(scope="session")
def base_entries() -> list[dict[str, Any]]:
    return list(sample.entries(60, seed=11))


def entries_copy(base: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return copy.deepcopy(base)


def write_source(path: Path, data: list[dict[str, Any]], **meta: Any) -> str:
    return str(sample.write(path, data, meta or None))
