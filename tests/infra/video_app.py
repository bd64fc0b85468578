"""The video stack as its tests build it (fixtures ``video_built`` and ``video_events`` in
``conftest.py``): on the platform's stacks with the video product's routes, stand-ins until
``mangaflow/video/routes.py`` exists and ``PRODUCT_STACKS`` has ``video``. Imports the CDK: only
CDK test modules import this."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aws_cdk as cdk
from aws_cdk.assertions import Template
from cdk_nag import AwsSolutionsChecks
from stacks.config import stage_config
from stacks.platform import PlatformStacks
from stacks.video import VideoStack

from mangaflow.products import routes

Built = tuple[VideoStack, PlatformStacks]


def _event(detail_type: str) -> type:
    return type("VideoEvent", (), {"detail_type": detail_type, "source": "mangaflow.video"})


#: The video product's routes as the brief names them (the integrator's routes.py).


def build_video(
    outdir: Path, stage: str = "dev", context: dict[str, Any] | None = None, *, nag: bool = True
) -> Built:
    app = cdk.App(outdir=str(outdir), context=context)
    config = stage_config(stage)
    platform = PlatformStacks(app, config, routes=list(routes()))
    stack = VideoStack(app, f"MangaFlow-{stage}-Video", config=config, platform=platform)
    if nag:
        cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    app.synth()  # raises on an unacknowledged AwsSolutions finding
    return stack, platform


def one(t: Template, kind: str, prefix: str = "") -> dict[str, Any]:
    (resource,) = [r for k, r in t.find_resources(kind).items() if k.startswith(prefix)]
    return resource  # type: ignore[no-any-return]


def actions(statement: dict[str, Any]) -> set[str]:
    actions = statement["Action"]
    return {actions} if isinstance(actions, str) else set(actions)


def resources(statement: dict[str, Any]) -> list[str]:
    resources = statement["Resource"]
    return [json.dumps(r) for r in (resources if isinstance(resources, list) else [resources])]


def grants(policy: dict[str, Any]) -> dict[str, set[str]]:
    """resource (CloudFormation JSON) -> the actions granted on it."""
    granted: dict[str, set[str]] = {}
    for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
        assert statement["Effect"] == "Allow"
        for resource in resources(statement):
            granted.setdefault(resource, set()).update(actions(statement))
    return granted


def rules_by_name(video: Template) -> dict[str, dict[str, Any]]:
    return {r["Properties"]["Name"]: r["Properties"]
            for r in video.find_resources("AWS::Events::Rule").values()}  # fmt: skip
