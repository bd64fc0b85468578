"""cdk-nag 3.x helpers: every acknowledgment carries a specific reason, in code."""

from __future__ import annotations

import aws_cdk as cdk
from constructs import IConstruct


def acknowledge(scope: IConstruct, rule_id: str, reason: str) -> None:
    """Acknowledge one AwsSolutions rule on ``scope`` (and its children)."""
    cdk.Validations.of(scope).acknowledge(cdk.Acknowledgment(id=rule_id, reason=reason))


def managed_policy_finding(policy: str) -> str:
    """cdk-nag 3 acknowledges each IAM4 finding with its evidence, not the bare rule id."""
    return f"AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/{policy}]"


def wildcard_resource_finding(resource: str) -> str:
    """The IAM5 finding id for one wildcard resource (as cdk-nag flattens it)."""
    return f"AwsSolutions-IAM5[Resource::{resource}]"


def acknowledge_lambda_basics(fn: IConstruct) -> None:
    """The finding every CDK-created Lambda role gets."""
    acknowledge(
        fn,
        managed_policy_finding("service-role/AWSLambdaBasicExecutionRole"),
        "AWSLambdaBasicExecutionRole only allows creating log streams and putting log events; "
        "a hand-written copy would be the same statement.",
    )
