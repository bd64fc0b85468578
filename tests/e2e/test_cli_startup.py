"""CLI runs and their Prefect server: a start-up that never strands a request, fresh homes that
start every time, and two runs on one home at once."""

from __future__ import annotations

import os
import re
import subprocess
import time
from pathlib import Path

import pytest

from flows.platform.server import LocalServer
from mangaflow.bootstrap import build
from tests.conftest import make_settings
from tests.e2e.test_cli_generate import BIN, run

pytestmark = pytest.mark.slow
GENERATE = ["generate", "--genre", "Action", "--theme", "Friendship", "--art-style",
            "Black and White", "--audience", "Teens", "--rating", "PG-13", "--pages", "2"]  # fmt: skip


def user_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "MANGAFLOW_"))}
    env.update(MANGAFLOW_HOME=str(tmp_path / "home"), PREFECT_SERVER_ANALYTICS_ENABLED="false",
               COLUMNS="160", **extra)  # fmt: skip
    return env


def test_twenty_fresh_prefect_homes_start_every_time(tmp_path: Path) -> None:
    took = []
    for i in range(20):
        server = LocalServer(tmp_path / f"prefect-{i}", startup_seconds=180)
        started = time.monotonic()
        server.start()
        took.append(time.monotonic() - started)
        assert server.process is not None and server.process.poll() is None
        server.stop()
    assert len(took) == 20  # each start returned healthy (a failed start raises)


def test_a_server_that_cannot_start_strands_no_request(tmp_path: Path) -> None:
    env = user_env(tmp_path, MANGAFLOW_PREFECT_STARTUP_SECONDS="0.01")
    result = run(GENERATE, env)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "did not start in 0.01 s" in result.stderr and "Traceback" not in result.stderr
    c = build(make_settings(tmp_path / "home"))
    assert c.requests.list_requests("local") == []  # nothing stored, nothing left PENDING


def test_two_runs_on_one_home_at_once_both_complete(tmp_path: Path) -> None:
    env = user_env(tmp_path)
    procs = [subprocess.Popen([str(BIN), *GENERATE, "--seed", str(seed)], env=env, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
             for seed in (1, 2)]  # fmt: skip
    outputs = [p.communicate(timeout=400) for p in procs]
    for proc, (out, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, out[-2000:] + err[-2000:]
        assert "PDF:" in out
    ids = {re.search(r"Request (\w+)", out).group(1) for out, _ in outputs}  # type: ignore[union-attr]
    c = build(make_settings(tmp_path / "home"))
    assert {c.requests.get_request(i).status for i in ids} == {"COMPLETED"} and len(ids) == 2


def test_out_under_a_regular_file_is_refused_before_any_work(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    env = user_env(tmp_path)
    result = run([*GENERATE, "--out", str(blocker / "sub")], env)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "is a file, not a directory" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "home").exists()  # refused before anything was stored
