"""The support stack as its tests build it (fixture ``support_built`` in ``conftest.py``): on
the platform's stacks with the current routes (the support routes are the integrator's, and
``PRODUCT_STACKS`` gets ``support`` then). Imports the CDK: only CDK test modules import this."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aws_cdk as cdk
from cdk_nag import AwsSolutionsChecks
from stacks.config import stage_config
from stacks.platform import PlatformStacks
from stacks.support import SupportStack

from mangaflow.products import routes

Built = tuple[SupportStack, PlatformStacks]


def build_support(
    outdir: Path, stage: str = "dev", context: dict[str, Any] | None = None, *, nag: bool = True
) -> Built:
    app = cdk.App(outdir=str(outdir), context=context)
    config = stage_config(stage)
    platform = PlatformStacks(app, config, routes=list(routes()))
    stack = SupportStack(app, f"MangaFlow-{stage}-Support", config=config, platform=platform)
    if nag:
        cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    app.synth()  # raises on an unacknowledged AwsSolutions finding or a support aspect error
    return stack, platform
