"""Per-stage settings, chosen with ``cdk synth -c stage=dev|staging|prod`` (default dev)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_logs as logs
from constructs import Construct

STAGES = ("dev", "staging", "prod")
#: ``infra/``: the CDK app, with the Lambda handlers under ``lambdas/``.
INFRA_DIR = Path(__file__).resolve().parent.parent
LAMBDAS_DIR = INFRA_DIR / "lambdas"


@dataclass(frozen=True)
class StageConfig:
    stage: str
    removal_policy: cdk.RemovalPolicy
    log_retention: logs.RetentionDays
    api_rate_limit: int
    api_burst_limit: int
    advanced_security: bool  # Cognito Plus plan + full-function threat protection

    @property
    def is_prod(self) -> bool:
        return self.stage == "prod"

    def name(self, suffix: str) -> str:
        return f"mangaflow-{self.stage}-{suffix}"


def stage_config(stage: str) -> StageConfig:
    if stage not in STAGES:
        raise ValueError(f"unknown stage {stage!r}: use -c stage=dev|staging|prod")
    prod = stage == "prod"
    return StageConfig(
        stage=stage,
        removal_policy=cdk.RemovalPolicy.RETAIN if prod else cdk.RemovalPolicy.DESTROY,
        log_retention=logs.RetentionDays.ONE_YEAR if prod else logs.RetentionDays.ONE_MONTH,
        api_rate_limit=100 if prod else 20,
        api_burst_limit=200 if prod else 40,
        advanced_security=prod,
    )


def stage_from_context(scope: Construct) -> StageConfig:
    return stage_config(str(scope.node.try_get_context("stage") or "dev"))


def context_int(scope: Construct, key: str, *, default: int, minimum: int) -> int:
    """A whole number from ``-c key=N`` (``default`` without one); a clear error otherwise."""
    raw = scope.node.try_get_context(key)
    if raw is None:
        return default
    try:
        value = int(str(raw))
    except ValueError:
        value = minimum - 1
    if value < minimum:
        raise ValueError(f"context {key}={raw!r}: expected a whole number >= {minimum}")
    return value
