"""``prefect deploy --all`` from prefect.yaml registers every deployment on a Prefect server."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("prefect_server")]
ROOT = Path(__file__).resolve().parents[2]


def test_prefect_deploy_all_registers_every_deployment(tmp_path: Path) -> None:
    from prefect import get_client
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.exceptions import ObjectAlreadyExists
    from prefect.settings import PREFECT_API_URL

    api_url = str(PREFECT_API_URL.value())
    with get_client(sync_client=True) as client, contextlib.suppress(ObjectAlreadyExists):
        client.create_work_pool(WorkPoolCreate(name="local", type="process"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(PREFECT_API_URL=api_url, PREFECT_HOME=str(tmp_path / "prefect"),
               PREFECT_SERVER_ANALYTICS_ENABLED="false")  # fmt: skip
    result = subprocess.run(
        [str(Path(sys.executable).parent / "prefect"), "--no-prompt", "deploy", "--all"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]

    config = yaml.safe_load((ROOT / "prefect.yaml").read_text())
    expected = {d["name"] for d in config["deployments"]}
    with get_client(sync_client=True) as client:
        deployments = client.read_deployments(limit=100)
        flows = {f.id: f.name for f in client.read_flows(limit=100)}
    ours = {d.name: d for d in deployments if d.name in expected and d.work_pool_name == "local"}
    assert set(ours) == expected
    for name in ("story", "episode", "images", "batch", "regenerate"):
        schema = ours[name].parameter_openapi_schema or {}
        assert "event" in schema.get("properties", {}), name  # stage flows take the event
    assert flows[ours["story"].flow_id] == "generate-story"
