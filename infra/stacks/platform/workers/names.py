"""Names the Workers stack shares with the Prefect ECS work pool (``deployments/ecs/``), and
its CDK context helpers."""

from __future__ import annotations

import re

import aws_cdk as cdk
from constructs import Construct

from stacks.config import StageConfig

#: The work pool of deployments/ecs/ (ecs.yaml, base-job-template.json).
WORK_POOL = "mangaflow-ecs"
#: prefect-aws names the task definitions it registers ``prefect_<pool>_<deployment id>``.
TASK_FAMILY_PREFIX = f"prefect_{WORK_POOL}_"
WORKER_HEALTH_PORT = 8080  # `prefect worker start --with-healthcheck`
ECS_TASKS = "ecs-tasks.amazonaws.com"
SECRET_ARN = re.compile(r"^arn:[\w-]+:secretsmanager:[\w-]+:\d{12}:secret:[\w/+=.@-]+$")
COMPLETE_SECRET_SUFFIX = re.compile(r"-[A-Za-z0-9]{6}$")


def flow_run_log_group_name(config: StageConfig) -> str:
    """Per stage, so two stages can share an account; the pool's ``awslogs-group`` must name
    it (``deployments/ecs/base-job-template.json`` defaults to ``/mangaflow/flow-runs``)."""
    return f"/mangaflow/{config.stage}/flow-runs"


def qloo_secret_name(config: StageConfig) -> str:
    return config.name("qloo-api-key")


def context_list(scope: Construct, key: str) -> list[str]:
    raw = scope.node.try_get_context(key)
    if raw is None:
        return []
    items = raw if isinstance(raw, list) else str(raw).split(",")
    return [str(item).strip() for item in items if str(item).strip()]


def log_group_arn(scope: Construct, name: str) -> str:
    return cdk.Stack.of(scope).format_arn(
        service="logs",
        resource="log-group",
        resource_name=name,
        arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
    )
