"""Manga's part of the CDK app: what only manga deploys, on top of the platform's stacks.

Nothing yet, so :func:`build` adds no stack. What manga contributes today reaches the platform
without it: its event routes (``mangaflow/manga/routes.py``, collected by
``mangaflow.products.routes()``) become one EventBridge rule, SQS buffer and DLQ each in the
Events stack, plus the webhook Lambda's ``ROUTES`` map; its flows run on the Workers stack with
the platform's task role (table, bucket, bus, Bedrock models). A manga-only resource (a stack
``MangaFlow-<stage>-Manga``, or a grant on one of ``platform``'s roles) is added here.
"""

from __future__ import annotations

import aws_cdk as cdk

from stacks.config import StageConfig
from stacks.platform import PlatformStacks


def build(
    app: cdk.App, platform: PlatformStacks, config: StageConfig, env: cdk.Environment | None
) -> tuple[cdk.Stack, ...]:
    """Manga's own stacks (none: see the module docstring)."""
    return ()
