"""The CDK app as the template tests synthesize it (fixtures ``dev``, ``prod`` and
``templates`` in ``conftest.py``). Imports the CDK: only CDK test modules import this."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from stacks.mangaflow_app import MangaFlowStacks, build_app

Built = tuple[Any, MangaFlowStacks]
#: The platform's stacks, by attribute of ``MangaFlowStacks.platform``.
PLATFORM_STACKS = ("storage", "events", "api", "monitoring", "workers")


def synth(stage: str, outdir: Path) -> Built:
    app, stacks = build_app(stage, outdir=str(outdir))
    app.synth()  # runs the AwsSolutions checks: any unacknowledged finding raises here
    return app, stacks
