"""MangaFlow against a real OpenAI-compatible HTTP server on loopback (text and images)."""

from __future__ import annotations

import contextlib
import logging
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from flows.manga.pipeline import generate_manga
from mangaflow.bootstrap import build, set_context
from mangaflow.manga.services.submit import submit_preferences
from mangaflow.manga.taste import OfflineInsights
from mangaflow.platform.context import Context
from mangaflow.platform.errors import ProviderAuthError, ProviderOutputError
from tests.conftest import VALID_PREFS, make_settings
from tests.fakes.openai_server import FakeOpenAIServer

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("prefect_server")]
SECRET = "sk-test-DO-NOT-LEAK-4242"
SMALL = {**VALID_PREFS, "pagesPerEpisode": 2}


@pytest.fixture
def server() -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer(required_key=SECRET) as s:
        yield s


def wire(tmp_path: Path, server: FakeOpenAIServer, key: str = SECRET, **extra: Any) -> Context:
    settings = make_settings(tmp_path / "home", **server.settings_overrides(key=key, **extra))
    from mangaflow.platform.registry import load_registry

    registry = load_registry()
    c = build(settings, text=registry.create_text("openai", settings),
              image=registry.create_image("openai", settings), insights=OfflineInsights())  # fmt: skip
    set_context(c)
    return c


def stored_bytes(home: Path) -> bytes:
    return b"".join(p.read_bytes() for p in home.rglob("*") if p.is_file())


def test_cli_generates_an_episode_through_the_openai_compatible_server(
    server: FakeOpenAIServer, tmp_path: Path
) -> None:
    server.malformed_text_responses = 2  # repaired by re-prompting with the validation error
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "MANGAFLOW_"))}
    env.update(MANGAFLOW_HOME=str(tmp_path / "home"), PREFECT_HOME=str(tmp_path / "prefect"),
               PREFECT_SERVER_ANALYTICS_ENABLED="false", MANGAFLOW_OPENAI_BASE_URL=server.url,
               MANGAFLOW_OPENAI_API_KEY=SECRET, MANGAFLOW_OPENAI_TEXT_MODEL="fake-chat",
               MANGAFLOW_OPENAI_IMAGE_MODEL="fake-image", COLUMNS="120")  # fmt: skip
    result = subprocess.run(
        [str(Path(sys.executable).parent / "mangaflow"), "generate", "--genre", "Mystery",
         "--theme", "Justice", "--art-style", "Colorful", "--audience", "Adults", "--rating",
         "R", "--pages", "2", "--text-provider", "openai", "--image-provider", "openai",
         "--out", str(tmp_path / "out")],
        env=env, capture_output=True, text=True, timeout=400,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert (tmp_path / "out" / "episode.pdf").read_bytes().startswith(b"%PDF")
    assert "text/openai" in result.stdout and "image/openai" in result.stdout
    assert len(server.text_requests) == 2 + 2  # two malformed answers, then story and episode
    assert len(server.image_requests) >= 2
    assert all(r.headers.get("authorization") == f"Bearer {SECRET}" for r in server.requests)
    assert SECRET not in result.stdout + result.stderr
    assert SECRET.encode() not in stored_bytes(tmp_path / "home")


def test_always_malformed_json_fails_the_request_saying_why(
    server: FakeOpenAIServer, tmp_path: Path
) -> None:
    server.always_malformed = True
    c = wire(tmp_path, server)
    req = submit_preferences(c, "alice", SMALL)
    with pytest.raises(ProviderOutputError):
        generate_manga(SMALL, user_id="alice", request_id=req.request_id)
    failed = c.requests.get_request(req.request_id)
    assert failed.status == "FAILED" and failed.stage == "story"
    assert "invalid story bible" in (failed.error or "") and "3 times" in (failed.error or "")
    assert len(server.text_requests) == 3  # not retried by Prefect: invalid output is permanent


def test_a_bad_key_fails_once_naming_the_setting_and_never_leaks(
    server: FakeOpenAIServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    wrong = "sk-wrong-KEY-9999"
    c = wire(tmp_path, server, key=wrong)
    req = submit_preferences(c, "alice", SMALL)
    with pytest.raises(ProviderAuthError):
        generate_manga(SMALL, user_id="alice", request_id=req.request_id)
    failed = c.requests.get_request(req.request_id)
    assert failed.status == "FAILED" and "MANGAFLOW_OPENAI_API_KEY" in (failed.error or "")
    assert len(server.text_requests) == 1  # one attempt, no retries
    assert wrong not in caplog.text and SECRET not in caplog.text
    assert wrong.encode() not in stored_bytes(c.settings.home)


def test_no_more_than_the_limit_of_image_calls_in_flight(
    server: FakeOpenAIServer, tmp_path: Path
) -> None:
    server.image_delay = 0.15
    c = wire(tmp_path, server, image_concurrency=2)
    result = generate_manga({**VALID_PREFS, "pagesPerEpisode": 3}, user_id="alice")
    assert c.requests.get_request(result["request_id"]).status == "COMPLETED"
    assert len(server.image_requests) >= 10
    assert server.max_in_flight == 2
    usage = c.requests.get_request(result["request_id"]).usage
    assert usage["image/openai"]["images"] == len(server.image_requests)
    assert re.fullmatch(r"\d+", str(int(usage["text/openai"]["input_tokens"])))


def test_qloo_down_falls_back_to_cached_insights_and_says_so(tmp_path: Path) -> None:
    from mangaflow.manga.writer.model import OfflineTextModel
    from mangaflow.platform.adapters.insights.breaker import reset_breakers
    from mangaflow.platform.adapters.insights.qloo import QlooInsights
    from tests.doubles import CountingImage
    from tests.fakes.qloo_server import FakeQloo

    reset_breakers()
    with FakeQloo(required_key="qloo-key") as qloo:
        settings = make_settings(tmp_path / "home", insights_provider="qloo",
                                 qloo_base_url=qloo.url, qloo_api_key="qloo-key",
                                 qloo_breaker_failures=2)  # fmt: skip

        def run(prefs: dict[str, Any]) -> Any:
            c = build(settings, text=OfflineTextModel(), image=CountingImage(),
                      insights=QlooInsights(settings))  # fmt: skip
            set_context(c)
            req = submit_preferences(c, "alice", prefs)
            with contextlib.suppress(Exception):  # the request record says what happened
                generate_manga(prefs, user_id="alice", request_id=req.request_id)
            return c.requests.get_request(req.request_id)

        first = run(SMALL)
        assert first.status == "COMPLETED" and not first.params.get("insightsFallback")
        qloo.down = True
        second = run(SMALL)
        assert second.status == "COMPLETED" and second.params.get("insightsFallback") is True
        assert any("cached insights" in note for note in second.notes)
        other = {**SMALL, "genres": ["Horror"], "themes": ["Survival"], "contentRating": "PG"}
        third = run(other)  # never fetched before: nothing to fall back on
        assert third.status == "FAILED" and "no cached insights" in (third.error or "")
    reset_breakers()
