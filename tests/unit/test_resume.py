"""Which stage a resumed request restarts at, and which requests may be resumed."""

from __future__ import annotations

import subprocess
import sys

import pytest

from mangaflow.manga.services import episode, story
from mangaflow.manga.services.resume import resume
from mangaflow.manga.services.submit import submit_preferences
from mangaflow.platform.context import Context
from mangaflow.platform.errors import Conflict, NotFound
from mangaflow.platform.requests import lifecycle
from tests.conftest import VALID_PREFS


def published(c: Context) -> list[str]:
    return [e.detail_type for e in c.bus.published]  # type: ignore[attr-defined]


def test_a_request_failed_before_its_story_restarts_at_the_story(container: Context) -> None:
    req = submit_preferences(container, "alice", VALID_PREFS, publish=False)
    container.requests.mark_finished(req.request_id, "FAILED", error="insights: 503")
    again = resume(container, "alice", req.request_id)
    assert again.status == "PENDING" and again.error is None
    assert "after: insights: 503" in again.notes[-1]
    assert published(container) == ["Story Generation Requested"]


def test_a_request_with_its_script_restarts_at_the_images(container: Context) -> None:
    req = submit_preferences(container, "alice", {**VALID_PREFS, "pagesPerEpisode": 1},
                             publish=False)  # fmt: skip
    story_id = story.write_story(container, req.request_id, {})
    episode.write_episode(container, req.request_id, story_id, 1)
    container.requests.mark_finished(req.request_id, "FAILED", error="image: 503")
    resume(container, "alice", req.request_id)
    event = container.bus.published[-1]  # type: ignore[attr-defined]
    assert event.detail_type == "Image Generation Requested"
    assert event.request_id == req.request_id and event.story_id == story_id


def test_a_request_with_only_its_story_restarts_at_the_episode(container: Context) -> None:
    req = submit_preferences(container, "alice", VALID_PREFS, publish=False)
    story.write_story(container, req.request_id, {})
    container.requests.mark_finished(req.request_id, "FAILED", error="text: 503")
    resume(container, "alice", req.request_id)
    assert published(container) == ["Episode Generation Requested"]


def test_what_cannot_be_resumed_says_why(container: Context) -> None:
    req = submit_preferences(container, "alice", VALID_PREFS, publish=False)
    with pytest.raises(Conflict, match="queued"):  # PENDING, just created
        resume(container, "alice", req.request_id)
    with pytest.raises(NotFound):  # another user's
        resume(container, "bob", req.request_id)
    with lifecycle.heartbeat(container, req.request_id):  # running, alive in this process
        container.requests.mark_stage(req.request_id, "story")
        with pytest.raises(Conflict, match="still running"):
            resume(container, "alice", req.request_id)
    container.requests.mark_finished(req.request_id, "COMPLETED")
    with pytest.raises(Conflict, match="already COMPLETED"):
        resume(container, "alice", req.request_id)
    assert published(container) == []


def test_a_request_whose_process_is_gone_is_resumed_at_once(container: Context) -> None:
    req = submit_preferences(container, "alice", VALID_PREFS, publish=False)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    container.requests.mark_stage(req.request_id, "story")
    container.requests.touch_request(req.request_id, running=True,
                                     runner=f"{lifecycle.HOST}:{dead.pid}")  # fmt: skip
    assert lifecycle.abandoned(container, container.requests.get_request(req.request_id))
    assert resume(container, "alice", req.request_id).status == "PENDING"


def test_two_resumes_at_once_reopen_once(container: Context) -> None:
    from mangaflow.platform.errors import ConditionFailed

    req = submit_preferences(container, "alice", VALID_PREFS, publish=False)
    failed = container.requests.mark_finished(req.request_id, "FAILED", error="x")
    lifecycle.reopen(container, failed, "first")
    with pytest.raises(ConditionFailed):
        lifecycle.reopen(container, failed, "second")
