"""``mangaflow up``: Prefect server, API and dashboard on loopback; one Ctrl-C stops them."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.slow
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(url: str, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return True
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    return False


def test_up_runs_everything_and_stops_cleanly(tmp_path: Path) -> None:
    api, dash, pf = free_port(), free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "MANGAFLOW_"))}
    env.update(MANGAFLOW_HOME=str(tmp_path / "home"), PREFECT_HOME=str(tmp_path / "prefect"),
               PREFECT_SERVER_ANALYTICS_ENABLED="false", MANGAFLOW_USER_ID="alice")  # fmt: skip
    proc = subprocess.Popen(
        [str(BIN / "mangaflow"), "up", "--api-port", str(api), "--dashboard-port", str(dash),
         "--prefect-port", str(pf)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    try:
        assert wait_for(f"http://127.0.0.1:{api}/health", 180), "API never came up"
        assert wait_for(f"http://127.0.0.1:{dash}/_stcore/health", 60), "dashboard never came up"
        token = subprocess.run([str(BIN / "mangaflow"), "token", "--user", "alice"], env=env,
                               capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip
        headers = {"Authorization": f"Bearer {token.splitlines()[-1]}"}
        body = {"genres": ["Comedy"], "themes": ["Family"], "artStyle": "Colorful",
                "targetAudience": "All Ages", "contentRating": "G", "pagesPerEpisode": 1}  # fmt: skip
        accepted = httpx.post(f"http://127.0.0.1:{api}/preferences", json=body, headers=headers)
        assert accepted.status_code == 202
        status_url = f"http://127.0.0.1:{api}{accepted.json()['statusUrl']}"
        deadline, status = time.monotonic() + 180, {}
        while time.monotonic() < deadline:
            status = httpx.get(status_url, headers=headers).json()
            if status["status"] in ("COMPLETED", "FAILED"):
                break
            time.sleep(0.5)
        assert status["status"] == "COMPLETED", status
        prefect = f"http://127.0.0.1:{pf}/api"
        runs = httpx.post(f"{prefect}/flow_runs/filter",
                          json={"sort": "EXPECTED_START_TIME_DESC", "limit": 20}).json()  # fmt: skip
        names = {r["name"] for r in runs}
        assert len(runs) >= 3 and names  # the stage flows reported to the server

        # prefect.yaml's deployments are served: a run created on the server executes.
        served = {"story", "episode", "images", "regenerate", "reaper"}
        deadline, deployments = time.monotonic() + 120, {}
        while time.monotonic() < deadline and not served <= set(deployments):
            found = httpx.post(f"{prefect}/deployments/filter", json={"limit": 50}).json()
            deployments = {d["name"]: d for d in found}
            time.sleep(0.5)
        assert served <= set(deployments) and not {"manga", "batch"} & set(deployments)
        run = httpx.post(f"{prefect}/deployments/{deployments['reaper']['id']}/create_flow_run",
                         json={}).json()  # fmt: skip
        deadline, state = time.monotonic() + 120, None
        while time.monotonic() < deadline and state not in ("COMPLETED", "FAILED", "CRASHED"):
            state = (httpx.get(f"{prefect}/flow_runs/{run['id']}").json().get("state")
                     or {}).get("type")  # fmt: skip
            time.sleep(0.5)
        assert state == "COMPLETED"
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            pytest.fail("mangaflow up did not stop within 60 s of Ctrl-C")
    for port in (api, dash, pf):
        with socket.socket() as s:
            assert s.connect_ex(("127.0.0.1", port)) != 0, f"port {port} still open after stop"
