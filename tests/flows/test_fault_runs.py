"""Whole runs against the fault-injecting OpenAI-compatible fake: every fault kind alone on one
call is survived, a permanent fault is not retried, and a panel that fails for good ends the
episode only once every other panel is drawn and lettered."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from flows.manga.generation import generate_images
from flows.manga.pipeline import generate_manga
from mangaflow.bootstrap import build, set_context
from mangaflow.manga.domain import keys
from mangaflow.manga.domain.events import ImageGenerationRequested
from mangaflow.manga.repository import repo
from mangaflow.manga.services import panels
from mangaflow.manga.services.submit import submit_preferences
from mangaflow.manga.taste import OfflineInsights
from mangaflow.platform.context import Context
from mangaflow.platform.errors import ProviderAuthError, ProviderUnavailable
from mangaflow.platform.registry import load_registry
from tests.conftest import VALID_PREFS, make_settings
from tests.doubles import CountingImage, ScriptedText
from tests.fakes.faults import KINDS, FaultPlan
from tests.fakes.openai_server import FakeOpenAIServer

pytestmark = pytest.mark.slow
SMALL = {**VALID_PREFS, "pagesPerEpisode": 2}


def wire(tmp_path: Path, server: FakeOpenAIServer, **extra: Any) -> Context:
    settings = make_settings(tmp_path / "home", **server.settings_overrides(**extra))
    registry = load_registry()
    c = build(settings, text=registry.create_text("openai", settings),
              image=registry.create_image("openai", settings), insights=OfflineInsights())  # fmt: skip
    set_context(c)
    return c


def panel_count(c: Context, request_id: str) -> int:
    req = c.requests.get_request(request_id)
    panels = repo(c).get_episode(req.episode_id).panels
    assert panels is not None
    return panels


@pytest.mark.parametrize("endpoint", ["text", "image"])
@pytest.mark.parametrize("kind", KINDS)
def test_each_fault_alone_on_one_call_is_survived(
    tmp_path: Path, kind: str, endpoint: str
) -> None:
    plan = FaultPlan(retry_after=0.2, **{f"{endpoint}_script": [kind]})  # type: ignore[arg-type]
    with FakeOpenAIServer(faults=plan) as server:
        # In-call retries as by default; a hang costs the (short, here) read timeout and is
        # retried by the task.
        c = wire(tmp_path, server, provider_retries=2, http_timeout_seconds=2.0)
        result = generate_manga(SMALL, user_id="alice")
        req = c.requests.get_request(result["request_id"])
        assert (req.status, req.error) == ("COMPLETED", None)
        assert plan.injected == Counter({kind: 1})
        assert len(server.text_requests) == 2 + (endpoint == "text")  # story, episode, 1 retry
        drawn = panel_count(c, result["request_id"])
        assert len(server.image_requests) == drawn + (endpoint == "image")


@pytest.mark.parametrize(("kind", "endpoint"), [("corrupt", "image"), ("truncated", "text")])
def test_invalid_answers_are_retried_by_the_task_too(
    tmp_path: Path, kind: str, endpoint: str
) -> None:
    """Without in-call retries, an invalid answer is still transient: the task retries it."""
    plan = FaultPlan(**{f"{endpoint}_script": [kind, kind]})  # type: ignore[arg-type]
    with FakeOpenAIServer(faults=plan) as server:
        c = wire(tmp_path, server, provider_retries=0)
        result = generate_manga(SMALL, user_id="alice")
        assert c.requests.get_request(result["request_id"]).status == "COMPLETED"
        assert plan.injected == Counter({kind: 2})


def test_a_permanent_fault_is_not_retried(tmp_path: Path) -> None:
    plan = FaultPlan(text_script=["401"])
    with FakeOpenAIServer(faults=plan) as server:
        c = wire(tmp_path, server, provider_retries=2)
        req = submit_preferences(c, "alice", SMALL)
        with pytest.raises(ProviderAuthError):
            generate_manga(SMALL, user_id="alice", request_id=req.request_id)
        failed = c.requests.get_request(req.request_id)
        assert failed.status == "FAILED" and "MANGAFLOW_OPENAI_API_KEY" in (failed.error or "")
        assert len(server.requests) == 1  # neither the adapter nor the task retried it


def test_a_failed_panel_ends_the_episode_after_the_others_and_a_rerun_draws_only_it(
    tmp_path: Path,
) -> None:
    image = CountingImage(error=ProviderUnavailable, doomed=1)
    settings = make_settings(tmp_path / "home", retries=1)
    c = build(settings, text=ScriptedText(), image=image, insights=OfflineInsights())
    set_context(c)
    req = submit_preferences(c, "alice", SMALL)
    with pytest.raises(ProviderUnavailable) as info:
        generate_manga(SMALL, user_id="alice", request_id=req.request_id)

    record = c.requests.get_request(req.request_id)
    episode = repo(c).get_episode(record.episode_id)
    pages = panels.panel_pages(c, record.episode_id)
    panel_key = lambda n: keys.panel_image("alice", record.story_id, 1, n)  # noqa: E731
    missing = sorted(n for ns in pages.values() for n in ns if not c.blobs.exists(panel_key(n)))
    assert len(missing) == 1  # only the doomed panel; every other one was drawn
    [lost] = missing
    assert episode.panels is not None
    assert image.calls == episode.panels - 1 + 2  # the doomed panel: 1 try + 1 retry
    assert f"1 of {episode.panels} panels failed" in info.value.message
    assert f"(panels {lost})" in info.value.message and "draws only the missing" in info.value.message
    assert info.value.details["failed_panels"] == [lost]
    for page, numbers in pages.items():  # pages without the lost panel are lettered
        lettered = c.blobs.exists(keys.page_png("alice", record.story_id, 1, page))
        assert lettered == (lost not in numbers), page
    assert not c.blobs.exists(keys.episode_pdf("alice", record.story_id, 1))
    assert (record.status, record.stage) == ("FAILED", "images")
    assert f"panels {lost}" in (record.error or "") and "ProviderUnavailable" in record.error

    healthy = CountingImage()
    c2 = build(settings, text=ScriptedText(), image=healthy, insights=OfflineInsights())
    set_context(c2)
    c2.requests.update_request(req.request_id, status="PROCESSING", stage="images", error=None)
    generate_images(ImageGenerationRequested(userId="alice", requestId=req.request_id,
                                             storyId=record.story_id,
                                             episodeId=record.episode_id).detail())  # fmt: skip
    assert healthy.calls == 1  # only the missing panel
    assert c2.requests.get_request(req.request_id).status == "COMPLETED"
    assert c2.blobs.exists(keys.episode_pdf("alice", record.story_id, 1))
