"""``prefect deploy --all`` from prefect.yaml registers every deployment on a Prefect server, on
the local process pool and, through ``deployments/ecs/deploy.py``, on the ECS pool."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("prefect_server")]
ROOT = Path(__file__).resolve().parents[2]
DEPLOYMENTS = ROOT / "deployments"
ECS_POOL = "mangaflow-ecs"
#: What an operator exports before deploying the ECS variant: stand-ins for an AWS account.
ECS_DEPLOY_ENV = {
    "MANGAFLOW_IMAGE": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/mangaflow:test",
    "MANGAFLOW_STAGE": "dev", "AWS_ACCOUNT_ID": "123456789012", "AWS_REGION": "eu-west-1",
    "MANGAFLOW_QLOO_SECRET_ARN": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:qloo-AbC",
}  # fmt: skip
#: The pool's account-wide settings, as Prefect variables (names from base-job-template.json).
ECS_POOL_VARIABLES = {
    "mangaflow_ecs_cluster": "mangaflow",
    "mangaflow_ecs_task_role_arn": "arn:aws:iam::123456789012:role/mangaflow-task",
    "mangaflow_ecs_execution_role_arn": "arn:aws:iam::123456789012:role/mangaflow-execution",
    "mangaflow_ecs_log_group": "/mangaflow/dev/flow-runs",
    "mangaflow_prefect_api_key_secret_arn":
        "arn:aws:secretsmanager:eu-west-1:123456789012:secret:mangaflow-dev-prefect-api-url-AbC:key::",
}  # fmt: skip


def _run(args: list[str], tmp_path: Path, **extra_env: str) -> subprocess.CompletedProcess[str]:
    """A command from the project root against the session's Prefect server, as a user would
    type it (fresh PREFECT_HOME, no MANGAFLOW_* from the test process)."""
    from prefect.settings import PREFECT_API_URL

    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "MANGAFLOW_"))}
    env.update(PREFECT_API_URL=str(PREFECT_API_URL.value()), PREFECT_HOME=str(tmp_path / "prefect"),
               PREFECT_SERVER_ANALYTICS_ENABLED="false", **extra_env)  # fmt: skip
    result = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result


def _prefect(*args: str) -> list[str]:
    return [str(Path(sys.executable).parent / "prefect"), "--no-prompt", *args]


def _create_pool(name: str, kind: str, template: Path, tmp_path: Path) -> Any:
    """``prefect work-pool create`` from a deployments/ file; returns the pool as stored."""
    from prefect import get_client

    _run(_prefect("work-pool", "create", name, "--type", kind, "--base-job-template",
                  str(template.relative_to(ROOT)), "--overwrite"), tmp_path)  # fmt: skip
    with get_client(sync_client=True) as client:
        pool = client.read_work_pool(name)
    assert pool.type == kind
    assert pool.base_job_template == json.loads(template.read_text())  # accepted as written
    return pool


def _registered(pool: str) -> tuple[dict[str, Any], dict[Any, str]]:
    """prefect.yaml's deployments found on ``pool`` by name, and flow names by flow id."""
    from prefect import get_client

    spec = yaml.safe_load((ROOT / "prefect.yaml").read_text())
    expected = {d["name"] for d in spec["deployments"]}
    from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterName

    with get_client(sync_client=True) as client:  # the shared test server holds many others
        deployments = client.read_deployments(
            deployment_filter=DeploymentFilter(name=DeploymentFilterName(any_=sorted(expected))),
            limit=200,
        )
        flows = {f.id: f.name for f in client.read_flows(limit=200)}
    ours = {d.name: d for d in deployments if d.name in expected and d.work_pool_name == pool}
    assert set(ours) == expected
    return ours, flows


def test_prefect_deploy_all_registers_every_deployment(tmp_path: Path) -> None:
    from prefect import get_client

    _create_pool("local", "process", DEPLOYMENTS / "local" / "base-job-template.json", tmp_path)
    _run(_prefect("deploy", "--all"), tmp_path)

    ours, flows = _registered("local")
    for name in ("story", "episode", "images", "batch", "regenerate"):
        schema = ours[name].parameter_openapi_schema or {}
        assert "event" in schema.get("properties", {}), name  # stage flows take the event
    assert flows[ours["story"].flow_id] == "generate-story"
    # The pool's runs chain stages through deployments; manga and batch drain the inline bus.
    buses = {name: (d.job_variables or {}).get("env", {}).get("MANGAFLOW_EVENT_BUS")
             for name, d in ours.items()}  # fmt: skip
    assert buses == {"story": None, "episode": None, "images": None, "regenerate": None,
                     "manga": "inline", "batch": "inline", "reaper": None, "weekly": None,
                     "enrich": None, "review": None, "snapshot": None, "airing": None,
                     "episode-update": None, "daily": None, "produce": None,
                     "render-finished": None, "stats": None, "ingest": None,
                     "decided": None}  # fmt: skip
    # The catalog's enrichment runs wait (paused) up to a day for a reviewer.
    env = (ours["enrich"].job_variables or {}).get("env", {})
    assert env.get("MANGAFLOW_CATALOG_REVIEW_WAIT_SECONDS") == "86400"
    # The reaper sweeps on its own every 5 minutes (requests left PROCESSING by a dead process).
    with get_client(sync_client=True) as client:
        schedules = client.read_deployment_schedules(ours["reaper"].id)
        crons = {name: [(s.schedule.cron, s.schedule.timezone)  # type: ignore[union-attr]
                        for s in client.read_deployment_schedules(ours[name].id)]
                 for name in ("weekly", "snapshot", "airing", "daily")}  # fmt: skip
    assert [s.schedule.interval.total_seconds() for s in schedules] == [300]  # type: ignore[union-attr]
    assert crons == {"weekly": [("0 1 * * 6", "UTC")], "snapshot": [("0 2 * * 0", "UTC")],
                     "airing": [("30 0 * * *", "UTC")],
                     "daily": [("0 8 * * *", "America/New_York")]}  # fmt: skip


def test_ecs_variant_registers_the_same_deployments_on_the_ecs_pool(tmp_path: Path) -> None:
    from prefect import get_client
    from prefect.client.schemas.actions import VariableCreate
    from prefect.exceptions import ObjectAlreadyExists
    from prefect_aws.workers.ecs_worker import ECSJobConfiguration

    from mangaflow.products import routes

    pool = _create_pool(ECS_POOL, "ecs", DEPLOYMENTS / "ecs" / "base-job-template.json", tmp_path)
    _run([sys.executable, "deployments/ecs/deploy.py"], tmp_path, **ECS_DEPLOY_ENV)

    ours, flows = _registered(ECS_POOL)
    started_by_events = {f"{flows[d.flow_id]}/{name}" for name, d in ours.items()}
    assert set(routes().deployments().values()) <= started_by_events  # e.g. generate-story/story
    for name, d in ours.items():
        jv = d.job_variables or {}
        assert "{{" not in json.dumps(jv), (name, jv)  # every placeholder filled at deploy
        assert jv["image"] == ECS_DEPLOY_ENV["MANGAFLOW_IMAGE"]
        assert {k: jv["env"][k] for k in ("MANGAFLOW_TABLE_BACKEND", "MANGAFLOW_BLOB_BACKEND")} \
            == {"MANGAFLOW_TABLE_BACKEND": "dynamodb", "MANGAFLOW_BLOB_BACKEND": "s3"}  # fmt: skip
        assert jv["env"]["MANGAFLOW_EVENT_BUS"] == (
            "inline" if name in ("manga", "batch") else "eventbridge"
        )
        assert jv["env"]["MANGAFLOW_BUCKET"] == "mangaflow-dev-episodes-123456789012-eu-west-1"
        assert jv["env"]["MANGAFLOW_TABLE_NAME"] == "mangaflow-dev-table"
        assert jv["secrets"] == [{"name": "MANGAFLOW_QLOO_API_KEY",
                                  "valueFrom": ECS_DEPLOY_ENV["MANGAFLOW_QLOO_SECRET_ARN"]}]  # fmt: skip
        assert d.pull_steps == [{"prefect.deployments.steps.set_working_directory":
                                 {"directory": "/opt/mangaflow"}}]  # fmt: skip
    assert (ours["images"].job_variables["cpu"], ours["story"].job_variables["cpu"]) == (2048, 1024)

    # What the ECS worker would run for the images deployment: the template's defaults, the
    # deployment's job variables and the pool's Prefect variables, rendered as the worker does.
    with get_client(sync_client=True) as client:
        for name, value in ECS_POOL_VARIABLES.items():
            with contextlib.suppress(ObjectAlreadyExists):
                client.create_variable(VariableCreate(name=name, value=value))
    job = asyncio.run(ECSJobConfiguration.from_template_and_values(
        pool.base_job_template, ours["images"].job_variables))  # fmt: skip
    container = job.task_definition["containerDefinitions"][0]
    images = ours["images"].job_variables
    assert (container["image"], container["secrets"]) == (images["image"], images["secrets"])
    assert (job.task_definition["cpu"], job.task_definition["memory"]) == (2048, 4096)
    assert job.cluster == job.task_run_request["cluster"] == "mangaflow"
    assert job.task_run_request["overrides"]["taskRoleArn"] == ECS_POOL_VARIABLES[
        "mangaflow_ecs_task_role_arn"]  # fmt: skip
    assert job.execution_role_arn == ECS_POOL_VARIABLES["mangaflow_ecs_execution_role_arn"]
    assert job.configure_cloudwatch_logs and job.cloudwatch_logs_options == {
        "awslogs-group": "/mangaflow/dev/flow-runs"}  # fmt: skip
    assert job.env["MANGAFLOW_BLOB_BACKEND"] == "s3"
    assert job.prefect_api_key_secret_arn == ECS_POOL_VARIABLES[  # an ECS secret, not env
        "mangaflow_prefect_api_key_secret_arn"]  # fmt: skip


def test_pool_templates_extend_the_installed_defaults() -> None:
    """The pool files are the worker types' own templates plus MangaFlow's defaults: nothing
    of prefect / prefect-aws missing, no account ids or ARNs written in."""
    from prefect.workers.process import ProcessWorker
    from prefect_aws.workers.ecs_worker import ECSWorker

    for worker, path in ((ECSWorker, "ecs"), (ProcessWorker, "local")):
        default = worker.get_default_base_job_template()
        text = (DEPLOYMENTS / path / "base-job-template.json").read_text()
        ours = json.loads(text)
        assert set(ours["job_configuration"]) == set(default["job_configuration"]), path
        assert set(default["variables"]["properties"]) <= set(ours["variables"]["properties"])
        assert not re.search(r"arn:aws|\d{12}", text), path
    ecs = json.loads((DEPLOYMENTS / "ecs" / "base-job-template.json").read_text())
    assert ecs["variables"]["properties"]["task_role_arn"]["default"] == (
        "{{ prefect.variables.mangaflow_ecs_task_role_arn }}"
    )


def _dockerfile_steps() -> list[tuple[str, str]]:
    """(instruction, arguments) of deployments/Dockerfile, continuation lines joined."""
    text = (DEPLOYMENTS / "Dockerfile").read_text()
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    joined = re.sub(r"\\\n", " ", "\n".join(lines))
    return [(s.split(None, 1)[0].upper(), s.split(None, 1)[1]) for s in joined.splitlines()
            if s.strip()]  # fmt: skip


def test_image_installs_fonts_like_ci_and_then_the_project() -> None:
    """No Docker engine here: the Dockerfile is checked, not built."""
    steps = _dockerfile_steps()
    assert steps[0] == ("FROM", "python:3.11-slim")
    runs = [args for op, args in steps if op == "RUN"]
    copies = [args.split() for op, args in steps if op == "COPY"]

    # Fonts: the very script CI runs, not a copy of its package list.
    assert "bash scripts/install-fonts.sh" in (ROOT / ".ci" / "run").read_text()
    script_dest = next(dest for src, dest in copies if src == "scripts/install-fonts.sh")
    assert any(f"bash {script_dest}" in r for r in runs)
    fonts_script = (ROOT / "scripts" / "install-fonts.sh").read_text()
    packages = re.search(r'PACKAGES="([^"]+)"', fonts_script)
    assert packages
    dockerfile = (DEPLOYMENTS / "Dockerfile").read_text()
    assert not [p for p in packages.group(1).split() if p in dockerfile]

    # The project, installed from the code the flow runs load their entrypoints from.
    assert any(re.search(r"pip install .*(\s|^)\.(\s|$)", r) for r in runs)
    workdir = next(args for op, args in steps if op == "WORKDIR")
    ecs = yaml.safe_load((DEPLOYMENTS / "ecs" / "ecs.yaml").read_text())
    assert ecs["pull"][0]["prefect.deployments.steps.set_working_directory"]["directory"] == workdir
    copied = {src for src, *_ in copies}
    for d in yaml.safe_load((ROOT / "prefect.yaml").read_text())["deployments"]:
        assert d["entrypoint"].split("/")[0] in copied, d["entrypoint"]
    assert {"mangaflow", "tasks", "pyproject.toml"} <= copied

    # Only named paths are copied, all of them let through by the Dockerfile's ignore file.
    ignore = (DEPLOYMENTS / "Dockerfile.dockerignore").read_text().split()
    assert "*" in ignore and "." not in copied
    assert all((ROOT / src).exists() and f"!{src}" in ignore for src in copied)
    # No secret baked in.
    assert not [a for op, a in steps if op in ("ENV", "ARG") and re.search(
        r"KEY|SECRET|TOKEN|PASSWORD", a, re.I)]  # fmt: skip
