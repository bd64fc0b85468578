"""Every page renders, on an empty store and on one with a generated episode."""

from __future__ import annotations

import pytest

from mangaflow.platform.context import Context
from tests.dashboard.conftest import PAGES, USER, open_page, texts


@pytest.mark.parametrize("page", list(PAGES))
def test_page_renders_on_an_empty_store(store: Context, page: str) -> None:
    at = open_page(page)
    assert not at.exception, [e.value for e in at.exception]
    assert [t.value for t in at.title] == [PAGES[page]]
    # The sidebar names the dashboard's user.
    assert any(f"`{USER}`" in str(m.value) for m in at.sidebar.markdown)


@pytest.mark.parametrize("page", list(PAGES))
def test_page_renders_with_an_episode(with_episode: dict[str, str], page: str) -> None:
    at = open_page(page)
    assert not at.exception, [e.value for e in at.exception]
    assert [t.value for t in at.title] == [PAGES[page]]


def test_empty_store_says_what_to_do(store: Context) -> None:
    assert "Create" in texts(open_page("pages/platform/overview.py"))
    assert "No stories yet" in texts(open_page("pages/manga/library.py"))
    assert "No failed requests" in texts(open_page("pages/platform/failures.py"))
    actions = texts(open_page("pages/manga/batch_continue.py"))
    assert "Create one manga first" in actions and "No stories to continue" in actions


def test_library_shows_pages_and_downloads(with_episode: dict[str, str]) -> None:
    at = open_page("pages/manga/library.py")
    assert not at.exception
    downloads = at.get("download_button")
    assert len(downloads) == 2  # PDF and CBZ
    assert len(at.get("image")) == 3  # two thumbnails and the page viewer
    assert "Page 1 of 2" in texts(at)
    at.button(key=f"next_{with_episode['episode']}").click().run()
    assert not at.exception
    assert "Page 2 of 2" in texts(at)


def test_library_opens_the_episode_named_in_the_url(with_episode: dict[str, str]) -> None:
    at = open_page("pages/manga/library.py")
    at.query_params["story"] = with_episode["story"]
    at.query_params["episode"] = with_episode["episode"]
    at.run()
    assert not at.exception
    assert at.selectbox(key="lib_story").value == with_episode["story"]


def test_runs_page_without_a_prefect_server_says_how_to_start_one(
    store: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flows.platform import runs as prefect_runs

    monkeypatch.setattr(prefect_runs, "api_url", lambda: None)
    at = open_page("pages/platform/runs.py")
    assert not at.exception
    body = texts(at)
    assert "prefect server start" in body and "PREFECT_API_URL" in body


def test_runs_page_with_an_unreachable_server_says_how_to_start_one(
    store: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    import socket

    from flows.platform import runs as prefect_runs

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setattr(prefect_runs, "api_url", lambda: f"http://127.0.0.1:{port}/api")
    at = open_page("pages/platform/runs.py")
    assert not at.exception
    assert any("No Prefect server answers" in w.value for w in at.warning)
    assert "prefect server start" in texts(at)
