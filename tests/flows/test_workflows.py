"""Batch, continue and regeneration workflows (SPEC §3) under a real Prefect server."""

from __future__ import annotations

import threading
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from flows.manga.batch import mark_batch_failed, run_batch
from flows.manga.pipeline import generate_manga
from flows.platform.dispatch import HANDLERS, run_once
from flows.platform.local import no_heartbeats, run_here
from mangaflow.bootstrap import build, set_context
from mangaflow.manga.domain.events import (
    BatchWorkflowRequested,
    EpisodeGenerationRequested,
    PanelRegenerationRequested,
)
from mangaflow.manga.repository import repo
from mangaflow.manga.services import batches as workflows
from mangaflow.manga.services import queries
from mangaflow.manga.services.batches import continue_story, get_batch, start_batch
from mangaflow.manga.services.regenerate import start_regeneration
from mangaflow.manga.services.submit import submit_preferences
from mangaflow.manga.taste import OfflineInsights
from mangaflow.platform.context import Context
from mangaflow.platform.errors import ConfigError, NotFound, ProviderAuthError, ValidationError
from mangaflow.platform.events import parse_event
from mangaflow.platform.ports import EventBus, TextRequest, TextResult
from mangaflow.platform.requests.model import GenerationRequest
from tests.conftest import VALID_PREFS, make_settings
from tests.doubles import CountingImage, ScriptedText

pytestmark = pytest.mark.slow
ONE_PAGE = {**VALID_PREFS, "pagesPerEpisode": 1}


class RecordingText(ScriptedText):
    """The offline writer, keeping every request; the ``fail_episode``-th episode script
    call (and only it) raises ``ProviderAuthError`` (permanent: not retried)."""

    def __init__(self, fail_episode: int | None = None) -> None:
        super().__init__()
        self.fail_episode = fail_episode
        self.requests: list[TextRequest] = []
        self.episode_calls = 0

    def complete(self, request: TextRequest) -> TextResult:
        with self._lock:
            self.calls += 1
            self.requests.append(request)
            if request.task == "episode_script":
                self.episode_calls += 1
            failing = request.task == "episode_script" and self.episode_calls == self.fail_episode
        if failing:
            raise ProviderAuthError("scripted failure of story 2")
        return self.inner.complete(request)


class ListBus(EventBus):
    """A bus that only keeps what is published (no inline delivery)."""

    def __init__(self) -> None:
        self.published: list[Any] = []

    def publish(self, event: Any) -> None:
        self.published.append(event)


def wire(tmp_path: Path, text: Any = None, **parts: Any) -> Context:
    c = build(make_settings(tmp_path / "home"), text=text or RecordingText(),
              image=CountingImage(), insights=OfflineInsights(), **parts)  # fmt: skip
    set_context(c)
    return c


def test_a_batch_runs_its_stories_one_after_another_and_survives_a_failure(
    tmp_path: Path,
) -> None:
    text = RecordingText(fail_episode=2)  # story 2's episode script fails
    c = wire(tmp_path, text=text)
    submit_preferences(c, "alice", ONE_PAGE, publish=False)  # the latest stored preferences
    body = start_batch(c, "alice", 3)
    batch_id = body["batchId"]
    assert body == {"batchId": batch_id, "requestId": batch_id, "status": "PENDING",
                    "statusUrl": f"/status/{batch_id}", "numberOfStories": 3}  # fmt: skip
    event = c.bus.published[-1]  # type: ignore[attr-defined]
    assert isinstance(event, BatchWorkflowRequested)
    assert event.envelope()["source"] == "manga.workflow"
    assert parse_event("Batch Workflow Requested", event.detail()) == event
    assert event.detail()["batchId"] == event.detail()["requestId"] == batch_id

    with no_heartbeats():
        result = run_once(event)  # routed by detail-type to flows.manga.batch.run_batch

    batch = get_batch(c, batch_id, "alice")
    assert result["status"] == batch["status"] == "PARTIAL" and batch["type"] == "BATCH"
    stories = batch["stories"]
    assert [s["index"] for s in stories] == [1, 2, 3]
    assert [s["status"] for s in stories] == ["COMPLETED", "FAILED", "COMPLETED"]
    failed = c.requests.get_request(stories[1]["requestId"])
    assert (failed.status, failed.stage) == ("FAILED", "episode")
    assert "ProviderAuthError" in stories[1]["error"] and stories[1]["episodeId"] is None
    for s in (stories[0], stories[2]):
        assert s["error"] is None and s["links"]["pdf"] == f"/episodes/{s['episodeId']}/pdf"
        assert c.requests.get_request(s["requestId"]).status == "COMPLETED"
        assert repo(c).get_episode(s["episodeId"], user_id="alice").status == "COMPLETED"
    reqs = [c.requests.get_request(s["requestId"]) for s in stories]
    assert len({r.seed for r in reqs}) == 3 and len({s["storyId"] for s in stories}) == 3
    # No overlap: each story ended (on the batch and on its request) before the next began.
    for i in range(2):
        assert stories[i]["startedAt"] <= stories[i]["finishedAt"] <= stories[i + 1]["startedAt"]
        assert reqs[i].updated_at <= reqs[i + 1].created_at
    assert text.calls == 2 + 2 + 2  # the failure was permanent: not retried

    # The stage events the stage flows published were run (claimed) by the batch: their
    # delivery by the bus now does nothing.
    with no_heartbeats():
        c.bus.drain(HANDLERS)  # type: ignore[attr-defined]
    assert text.calls == 6
    assert [c.requests.get_request(r.request_id).updated_at for r in reqs] == [r.updated_at
                                                                           for r in reqs]  # fmt: skip
    assert queries.status(c, "alice", batch_id)["stories"] == batch["stories"]
    with pytest.raises(NotFound):
        queries.status(c, "mallory", batch_id)
    with pytest.raises(NotFound):
        get_batch(c, "no-such-batch", "alice")


def test_a_batch_needs_stored_preferences(tmp_path: Path) -> None:
    c = wire(tmp_path)
    with pytest.raises(ValidationError) as info:
        start_batch(c, "alice", 2)
    assert info.value.fields == ["preferences"] and "POST /preferences" in str(info.value)
    submit_preferences(c, "alice", ONE_PAGE, publish=False)
    with pytest.raises(ValidationError) as info:
        start_batch(c, "alice", 0)
    assert info.value.fields == ["numberOfStories"]
    assert c.bus.published == []  # type: ignore[attr-defined]


def test_a_failed_or_crashed_batch_is_marked_failed(tmp_path: Path) -> None:
    c = wire(tmp_path, bus=ListBus())
    submit_preferences(c, "alice", ONE_PAGE, publish=False)
    batch_id = start_batch(c, "alice", 2)["batchId"]
    with pytest.raises(ConfigError):
        run_here(run_batch, c.bus.published[-1].detail())  # type: ignore[attr-defined]
    failed = get_batch(c, batch_id, "alice")
    assert failed["status"] == "FAILED" and "ConfigError" in failed["error"]

    from prefect.states import Crashed

    batch_id = start_batch(c, "alice", 2)["batchId"]
    workflows.begin_batch(c, batch_id)
    req = submit_preferences(c, "alice", ONE_PAGE, publish=False)
    workflows.story_started(c, batch_id, 1, req.request_id)
    run = SimpleNamespace(parameters={"event": {"batchId": batch_id}})
    mark_batch_failed(None, run, Crashed(message="Execution was aborted by the runtime."))
    crashed = get_batch(c, batch_id, "alice")
    assert crashed["status"] == "FAILED" and "aborted" in crashed["error"]
    assert crashed["stories"][0]["status"] == "FAILED"
    assert c.requests.get_request(req.request_id).status == "FAILED"


def test_simultaneous_continues_get_the_next_two_episode_numbers(tmp_path: Path) -> None:
    text = RecordingText()
    c = wire(tmp_path, text=text)
    first = run_here(generate_manga, ONE_PAGE, user_id="alice")
    story_id = first["story_id"]
    summary_1 = repo(c).get_episode(first["episode_id"]).summary
    barrier = threading.Barrier(2)
    made: list[GenerationRequest] = []

    def go() -> None:
        barrier.wait()
        made.append(continue_story(c, "alice", story_id))

    threads = [threading.Thread(target=go) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(r.episode_number or 0 for r in made) == [2, 3]
    assert {(r.type, r.status, r.story_id) for r in made} == {("EPISODE", "PENDING", story_id)}
    events = [e for e in c.bus.published if isinstance(e, EpisodeGenerationRequested)]  # type: ignore[attr-defined]
    assert sorted(e.episode_number for e in events[-2:]) == [2, 3]

    with no_heartbeats():
        c.bus.drain(HANDLERS)  # type: ignore[attr-defined]

    for r in made:
        done = c.requests.get_request(r.request_id)
        assert (done.status, done.episode_number) == ("COMPLETED", r.episode_number)
        ep = repo(c).get_episode(done.episode_id or "", user_id="alice")
        assert ep.number == r.episode_number and c.blobs.exists(ep.pdf_s3_key)
    ep2 = next(q for q in text.requests
               if q.task == "episode_script" and q.context["episode_number"] == 2)  # fmt: skip
    assert ep2.context["previous_summaries"] == [summary_1]
    story = queries.story(c, "alice", story_id)
    assert [e["number"] for e in story["episodes"]] == [1, 2, 3]
    with pytest.raises(NotFound):
        continue_story(c, "mallory", story_id)  # another user's story
    with pytest.raises(NotFound):
        continue_story(c, "alice", "no-such-story")


def test_a_regeneration_event_is_routed_to_the_regenerate_flow(tmp_path: Path) -> None:
    c = wire(tmp_path)
    episode_id = run_here(generate_manga, ONE_PAGE, user_id="alice")["episode_id"]
    req = start_regeneration(c, "alice", episode_id, 1)
    workflows.publish_regeneration(c, req)
    event = c.bus.published[-1]  # type: ignore[attr-defined]
    assert isinstance(event, PanelRegenerationRequested)
    assert event.envelope()["detail-type"] == "Panel Regeneration Requested"
    assert (event.request_id, event.episode_id, event.panel) == (req.request_id, episode_id, 1)

    with no_heartbeats():
        assert run_once(event) is not None
        assert run_once(event) is None  # a duplicate delivery runs nothing
    assert c.requests.get_request(req.request_id).status == "COMPLETED"
    assert repo(c).get_episode(episode_id).panel_versions == {"1": 2}
