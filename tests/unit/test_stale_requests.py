"""A request never stays PROCESSING after the process running it died: running flows send
heartbeats, and silent requests are failed by the reaper (the API's worker, the ``reaper``
deployment, ``mangaflow reap``)."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from mangaflow.bootstrap import build
from mangaflow.manga.services.submit import submit_preferences
from mangaflow.platform.context import Context
from mangaflow.platform.errors import ConfigError
from mangaflow.platform.events import GenerationFailed
from mangaflow.platform.requests import lifecycle as status
from mangaflow.platform.requests.model import GenerationRequest, parse_ts, to_ts, utcnow
from tests.conftest import VALID_PREFS, make_settings

STALE_AFTER = 60.0


@pytest.fixture
def c(tmp_path: Path) -> Context:
    return build(make_settings(tmp_path / "home", heartbeat_seconds=0.05,
                               stale_after_seconds=STALE_AFTER))  # fmt: skip


def _until(check: Callable[[], bool], what: str, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def _processing(c: Context, stage: str = "images", running: bool = True) -> GenerationRequest:
    """A request in ``stage``; ``running``: a flow was at work on it (and then went silent)."""
    req = submit_preferences(c, "u1", VALID_PREFS, publish=False)
    c.requests.mark_stage(req.request_id, stage)  # type: ignore[arg-type]
    c.requests.touch_request(req.request_id, running=running)
    return c.requests.get_request(req.request_id)


def test_a_running_flow_keeps_its_request_alive_and_stops_when_done(c: Context) -> None:
    req = _processing(c, running=False)
    with status.heartbeat(c, req.request_id):
        assert c.requests.get_request(req.request_id).running
        first = c.requests.get_request(req.request_id).heartbeat_at
        _until(lambda: c.requests.get_request(req.request_id).heartbeat_at != first, "a 2nd beat")
        status.complete(c, req.request_id)
        done = c.requests.get_request(req.request_id)
        time.sleep(0.2)  # several beat intervals: none may touch the finished request
    after = c.requests.get_request(req.request_id)
    assert after.status == "COMPLETED"
    assert (after.updated_at, after.heartbeat_at) == (done.updated_at, done.heartbeat_at)


def test_a_flow_that_ends_leaves_its_request_waiting_not_running(c: Context) -> None:
    req = _processing(c, running=False)
    with status.heartbeat(c, req.request_id):
        pass
    assert not c.requests.get_request(req.request_id).running  # waiting for its next stage


def test_reaper_fails_only_silent_running_requests(c: Context) -> None:
    silent = _processing(c, "images")
    alive = _processing(c, "story")
    waiting = _processing(c, "episode", running=False)  # queued for its next stage
    finished = _processing(c)
    status.complete(c, finished.request_id)
    pending = submit_preferences(c, "u1", VALID_PREFS, publish=False)
    now = parse_ts(silent.last_seen) + timedelta(seconds=STALE_AFTER + 1)
    beat = to_ts(now - timedelta(seconds=5))
    c.requests.update_request(alive.request_id, heartbeat_at=beat)  # beat 5 s before "now"

    assert [r.request_id for r in status.stale(c, now)] == [silent.request_id]
    reaped = status.reap_stale(c, now)

    assert [r.request_id for r in reaped] == [silent.request_id]
    failed = c.requests.get_request(silent.request_id)
    assert failed.status == "FAILED" and failed.stage == "images"
    assert failed.error and "stage 'images'" in failed.error and "stopped" in failed.error
    assert c.requests.get_request(alive.request_id).status == "PROCESSING"
    assert c.requests.get_request(waiting.request_id).status == "PROCESSING"
    assert c.requests.get_request(finished.request_id).status == "COMPLETED"
    assert c.requests.get_request(pending.request_id).status == "PENDING"
    published = [e for e in c.bus.published if isinstance(e, GenerationFailed)]  # type: ignore[attr-defined]
    assert [(e.request_id, e.stage) for e in published] == [(silent.request_id, "images")]
    assert status.reap_stale(c, now) == []  # a second sweep finds nothing


def test_a_flow_running_longer_than_the_limit_is_never_reaped(tmp_path: Path) -> None:
    c = build(make_settings(tmp_path / "home", heartbeat_seconds=0.05, stale_after_seconds=0.3))
    req = _processing(c, running=False)
    deadline = time.monotonic() + 1.5  # five times the limit
    with status.heartbeat(c, req.request_id):
        while time.monotonic() < deadline:
            assert status.reap_stale(c) == []
            time.sleep(0.05)
    assert c.requests.get_request(req.request_id).status == "PROCESSING"


def test_a_beat_between_the_sweep_and_its_write_saves_the_request(
    c: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    req = _processing(c)
    later = parse_ts(req.last_seen) + timedelta(seconds=STALE_AFTER + 1)
    seen = status.stale(c, later)
    assert [r.request_id for r in seen] == [req.request_id]
    _until(lambda: utcnow() > str(req.heartbeat_at), "the clock to move on")
    c.requests.touch_request(req.request_id)  # the flow shows life after the sweep read it
    monkeypatch.setattr(status, "stale", lambda *_: seen)
    assert status.reap_stale(c, later) == []
    assert c.requests.get_request(req.request_id).status == "PROCESSING"


def test_the_api_worker_reaps_requests_a_dead_process_left(tmp_path: Path) -> None:
    """A request left PROCESSING by an earlier server is failed by the next one's worker."""
    from flows.platform.worker import Worker

    settings = make_settings(tmp_path / "home", heartbeat_seconds=0.1, stale_after_seconds=0.5)
    earlier = build(settings)
    req = _processing(earlier)  # ... and then that process died
    c = build(settings)
    with Worker(c):
        _until(lambda: c.requests.get_request(req.request_id).status == "FAILED", "the reaper")
    assert "stopped" in (c.requests.get_request(req.request_id).error or "")


def test_stale_limit_below_three_heartbeats_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="STALE_AFTER_SECONDS.*HEARTBEAT_SECONDS"):
        make_settings(tmp_path, heartbeat_seconds=30, stale_after_seconds=60)
