"""The API as a client sees it: a real uvicorn server on a loopback port, flows running in the
background worker, a local token."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn

from flows.platform.worker import Worker
from mangaflow.api.app import create_app
from mangaflow.api.auth import issue_local_token
from mangaflow.bootstrap import build, set_context
from mangaflow.platform.context import Context
from tests.conftest import VALID_PREFS, make_settings

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("prefect_server")]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Context]]:
    c = build(make_settings(tmp_path / "home"))
    set_context(c)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(lambda: c), host="127.0.0.1", port=port,
                                           log_level="warning"))  # fmt: skip
    thread = threading.Thread(target=server.run, daemon=True)
    with Worker(c):
        thread.start()
        deadline = time.monotonic() + 30
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        assert server.started
        yield f"http://127.0.0.1:{port}", c
        server.should_exit = True
        thread.join(timeout=10)


def test_post_poll_list_fetch_download(served: tuple[str, Context]) -> None:
    url, c = served
    headers = {"Authorization": f"Bearer {issue_local_token(c.settings, 'alice')}"}
    with httpx.Client(base_url=url, headers=headers, timeout=30) as http:
        started = time.monotonic()
        accepted = http.post("/preferences", json={**VALID_PREFS, "pagesPerEpisode": 2})
        assert accepted.status_code == 202 and time.monotonic() - started < 2
        status_url = accepted.json()["statusUrl"]
        seen = set()
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            status = http.get(status_url).json()
            seen.add(status["status"])
            if status["status"] in ("COMPLETED", "FAILED"):
                break
            time.sleep(0.3)
        assert status["status"] == "COMPLETED", status
        assert "PROCESSING" in seen or "PENDING" in seen
        stories = http.get("/stories").json()["stories"]
        assert len(stories) == 1 and stories[0]["storyId"] == status["storyId"]
        episode = http.get(f"/episodes/{status['episodeId']}").json()
        pdf = http.get(episode["downloads"]["pdf"])
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
        other = {"Authorization": f"Bearer {issue_local_token(c.settings, 'bob')}"}
        assert http.get(episode["downloads"]["pdf"], headers=other).status_code == 404


@pytest.mark.parametrize("chunked", [True, False], ids=["chunked", "content-length"])
def test_an_oversized_body_gets_413_however_it_is_sent(
    served: tuple[str, Context], chunked: bool
) -> None:
    url, c = served
    headers = {"Authorization": f"Bearer {issue_local_token(c.settings, 'alice')}",
               "Content-Type": "application/json"}  # fmt: skip
    body = b'{"notes": "' + b"x" * (10 * 1024 * 1024) + b'"}'

    def chunks() -> Iterator[bytes]:
        for i in range(0, len(body), 64 * 1024):
            yield body[i : i + 64 * 1024]

    with httpx.Client(base_url=url, headers=headers, timeout=60) as http:
        answer = http.post("/preferences", content=chunks() if chunked else body)
    assert answer.status_code == 413, answer.text
    assert answer.json()["error"]["code"] == "payload_too_large"
    assert c.requests.list_requests("alice") == []  # nothing stored
