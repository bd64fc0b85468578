"""Dashboard tests: the app under ``streamlit.testing.v1.AppTest`` against a store in a temp
``MANGAFLOW_HOME`` (empty, or with one generated episode)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from mangaflow.bootstrap import build, set_context
from mangaflow.platform.config import get_settings
from mangaflow.platform.context import Context
from tests import builders
from tests.conftest import make_settings

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "dashboard" / "streamlit_app.py"
USER = "local"  # the dashboard's default MANGAFLOW_USER_ID

#: page file (relative to the app) → its title
PAGES = {
    "pages/platform/overview.py": "Overview",
    "pages/platform/runs.py": "Runs",
    "pages/manga/library.py": "Library",
    "pages/manga/create.py": "Create",
    "pages/manga/batch_continue.py": "Batch and Continue",
    "pages/platform/failures.py": "Failures",
    "pages/catalog/search.py": "Catalog Search",
    "pages/catalog/review.py": "Review Queue",
    "pages/catalog/syncs.py": "Sync History",
    "pages/video/topics.py": "Topics & budget",
    "pages/video/trends.py": "Trends",
    "pages/video/videos.py": "Videos",
    "pages/support/documents.py": "Documents & approvals",
    "pages/support/conversations.py": "Conversations",
    "pages/support/tickets.py": "Tickets",
}


@pytest.fixture(autouse=True)
def _fresh_streamlit_cache() -> Iterator[None]:
    """``st.cache_data`` is process-global: without this, one test sees another's store."""
    st.cache_data.clear()
    yield
    st.cache_data.clear()


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Context]:
    """An empty store that the dashboard (which builds from MANGAFLOW_* settings) uses."""
    home = tmp_path / "home"
    monkeypatch.setenv("MANGAFLOW_HOME", str(home))
    monkeypatch.delenv("MANGAFLOW_USER_ID", raising=False)
    get_settings.cache_clear()
    set_context(None)
    c = build(make_settings(home))
    set_context(c)
    yield c
    set_context(None)
    get_settings.cache_clear()


def make_episode(c: Context, user: str = USER, pages: int = 1) -> dict[str, str]:
    return builders.make_episode(c, user, pages)


@pytest.fixture(scope="session")
def episode_template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """A store with one 2-page episode, generated once per session (copied per test)."""
    home = tmp_path_factory.mktemp("dashboard-template") / "home"
    c = build(make_settings(home))
    ids = make_episode(c, pages=2)
    return home, ids


@pytest.fixture
def with_episode(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, episode_template: tuple[Path, dict[str, str]]
) -> Iterator[dict[str, str]]:
    """The dashboard's store is a fresh copy of :func:`episode_template`."""
    template, ids = episode_template
    home = tmp_path / "home"
    shutil.copytree(template, home)
    monkeypatch.setenv("MANGAFLOW_HOME", str(home))
    monkeypatch.delenv("MANGAFLOW_USER_ID", raising=False)
    get_settings.cache_clear()
    set_context(build(make_settings(home)))
    yield ids
    set_context(None)
    get_settings.cache_clear()


def open_page(page: str, timeout: float = 60) -> AppTest:
    """The app run once on ``page`` (a key of :data:`PAGES`)."""
    at = AppTest.from_file(str(APP), default_timeout=timeout).run()
    if page != "pages/platform/overview.py":
        at.switch_page(page).run()
    return at


def texts(at: AppTest) -> str:
    """Every markdown, caption, alert and title text of the current page, joined."""
    parts: list[str] = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "info", "success",
                 "warning", "error"):  # fmt: skip
        parts.extend(str(e.value) for e in getattr(at, kind))
    return "\n".join(parts)
