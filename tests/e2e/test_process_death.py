"""A generation whose process is killed mid-run (no hooks run, nothing cleans up) does not stay
PROCESSING: its heartbeats stop, and `mangaflow reap` fails it with an error saying why."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from mangaflow.bootstrap import build
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
