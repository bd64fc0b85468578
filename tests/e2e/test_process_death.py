"""A generation whose process is killed mid-run (no hooks run, nothing cleans up) does not stay
PROCESSING: its heartbeats stop, and `mangaflow reap` fails it with an error saying why."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from mangaflow.bootstrap import build
from mangaflow.manga.repository import repo
from tests.conftest import make_settings
from tests.e2e.test_cli_generate import BIN, run

pytestmark = pytest.mark.slow


def test_killed_generation_is_failed_by_the_reaper(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "MANGAFLOW_"))}
    env.update(MANGAFLOW_HOME=str(tmp_path / "home"), PREFECT_HOME=str(tmp_path / "prefect"),
               PREFECT_SERVER_ANALYTICS_ENABLED="false", COLUMNS="160",
               MANGAFLOW_HEARTBEAT_SECONDS="0.2", MANGAFLOW_STALE_AFTER_SECONDS="2")  # fmt: skip
    proc = subprocess.Popen(
        [str(BIN), "generate", "--genre", "Mystery", "--theme", "Friendship", "--art-style",
         "Black and White", "--audience", "Teens", "--rating", "PG-13", "--seed", "5",
         "--out", str(tmp_path / "out")],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    c = build(make_settings(tmp_path / "home", heartbeat_seconds=0.2, stale_after_seconds=2))
    try:
        deadline = time.monotonic() + 240
        first_beat = None
        while True:  # until the images stage runs and its heartbeats are seen to advance
            assert proc.poll() is None, "generate ended before it could be killed"
            assert time.monotonic() < deadline, "generate never reached the images stage"
            reqs = c.requests.list_requests("local") if c.settings.db_path.exists() else []
            if reqs and reqs[0].stage == "images" and reqs[0].running:
                if first_beat is None:
                    first_beat = reqs[0].heartbeat_at
                elif reqs[0].heartbeat_at != first_beat:
                    break
            time.sleep(0.05)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # no hooks, no clean-up: as an OOM kill
        proc.wait(timeout=30)
    request_id = reqs[0].request_id
    assert c.requests.get_request(request_id).status == "PROCESSING"

    shown = run(["status", request_id], env)
    assert "PROCESSING" in shown.stdout and "alive" in shown.stdout
    deadline = time.monotonic() + 60
    while not (listed := run(["reap", "--dry-run"], env)).stdout.count(request_id):
        assert time.monotonic() < deadline, listed.stdout  # silent for > 2 s by now
    assert c.requests.get_request(request_id).status == "PROCESSING"  # a dry run changes nothing

    reaped = run(["reap"], env)
    assert reaped.returncode == 0 and request_id in reaped.stdout, reaped.stdout + reaped.stderr
    failed = c.requests.get_request(request_id)
    assert failed.status == "FAILED" and failed.stage == "images"
    shown = run(["status", request_id], env)
    assert "FAILED" in shown.stdout and "process running it stopped" in shown.stdout
    assert "No request" in run(["reap"], env).stdout  # nothing left to reap


def _children(pid: int) -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        found.update(int(p) for p in (task / "children").read_text().split())
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def _image_calls(c: Any, request_id: str) -> int:
    rows = c.table.query(f"REQUEST#{request_id}", "USAGE#")
    return sum(int(r["calls"]) for r in rows if r["kind"] == "image")


def test_killed_generation_resumes_drawing_only_the_missing_panels(tmp_path: Path) -> None:
    """kill -9 of the CLI alone in the images stage: its Prefect server dies with it, and
    `mangaflow resume` completes the same request, drawing only the panels not yet stored."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "MANGAFLOW_"))}
    env.update(MANGAFLOW_HOME=str(tmp_path / "home"), PREFECT_HOME=str(tmp_path / "prefect"),
               PREFECT_SERVER_ANALYTICS_ENABLED="false", COLUMNS="160",
               MANGAFLOW_HEARTBEAT_SECONDS="0.2", MANGAFLOW_STALE_AFTER_SECONDS="600")  # fmt: skip
    proc = subprocess.Popen(
        [str(BIN), "generate", "--genre", "Mystery", "--theme", "Friendship", "--art-style",
         "Black and White", "--audience", "Teens", "--rating", "PG-13", "--seed", "5",
         "--pages", "12"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    c = build(make_settings(tmp_path / "home", heartbeat_seconds=0.2, stale_after_seconds=600))
    images = tmp_path / "home" / "blobs" / "images"
    try:
        deadline = time.monotonic() + 240
        while True:  # until a few panels of the images stage are stored
            assert proc.poll() is None, "generate ended before it could be killed"
            assert time.monotonic() < deadline, "generate never reached the images stage"
            if len(list(images.rglob("image-*.png"))) >= 3:
                break
            time.sleep(0.02)
        servers = _children(proc.pid)
        assert servers, "generate runs no Prefect server of its own"
        os.kill(proc.pid, signal.SIGKILL)  # the CLI alone, as an OOM kill would
        proc.wait(timeout=30)
        deadline = time.monotonic() + 30
        while any(_alive(pid) for pid in servers):  # PR_SET_PDEATHSIG kills them
            assert time.monotonic() < deadline, "the Prefect server outlived the killed CLI"
            time.sleep(0.1)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
    request_id = c.requests.list_requests("local")[0].request_id
    req = c.requests.get_request(request_id)
    assert req.status == "PROCESSING" and req.stage == "images"
    episode = repo(c).get_episode(str(req.episode_id))
    total = int(episode.panels or 0)
    stored = len(list(images.rglob("image-*.png")))
    assert 3 <= stored < total
    calls_before = _image_calls(c, request_id)

    resumed = run(["resume", request_id, "--out", str(tmp_path / "out")], env)
    assert resumed.returncode == 0, resumed.stdout[-3000:] + resumed.stderr[-3000:]
    assert "PDF:" in resumed.stdout
    done = c.requests.get_request(request_id)
    assert done.status == "COMPLETED" and done.request_id == request_id
    assert _image_calls(c, request_id) - calls_before == total - stored  # only the missing ones
    assert len(list(images.rglob("image-*.png"))) == total
    assert (tmp_path / "out" / "episode.pdf").read_bytes()[:5] == b"%PDF-"
