"""CDK Aspects that make synthesis FAIL on a support stack that stores data unencrypted or
leaves a resource untagged (:func:`guard`):

- :class:`RequireEncryption`: an S3 bucket without ``BucketEncryption``, a DynamoDB table
  without SSE enabled (KMS: AWS or customer managed), an SNS topic or log group without a KMS
  key, an SQS queue with neither a KMS key nor SQS-managed SSE, an EFS file system not
  ``Encrypted``;
- :class:`RequireTags`: any taggable resource lacking one of :data:`REQUIRED_TAGS`.

Each finding is an error annotation on the resource (``cdk synth`` prints it and exits
non-zero) *and* a construct validation, so an in-process ``app.synth()`` raises too (error
annotations alone only stop the CLI). Both run with ``AspectPriority.READONLY``, after the
``Tags`` aspects (``MUTATING``) have tagged the tree.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import aws_cdk as cdk
import jsii
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_efs as efs
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import IConstruct, IValidation

#: The tags every taggable resource of the support product carries.
REQUIRED_TAGS = ("product", "tenancy")


@jsii.implements(IValidation)
class _Finding:
    def __init__(self, message: str) -> None:
        self.message = message

    def validate(self) -> list[str]:
        return [self.message]


def fail(node: IConstruct, rule: str, message: str) -> None:
    """Record ``message`` as an error annotation and a validation of ``node`` (once: the
    stabilization loop may visit a node again)."""
    marker = f"support-aspects:{rule}"
    if node.node.try_get_context(marker) or any(m.type == marker for m in node.node.metadata):
        return
    node.node.add_metadata(marker, True)
    cdk.Annotations.of(node).add_error(f"[{rule}] {message}")
    node.node.add_validation(_Finding(f"[{rule}] {message}"))


def _truthy(value: Any) -> bool:
    """A property that is set: a token (an intrinsic) counts as set; False/None/"" do not."""
    return not (value is None or value is False or (isinstance(value, str) and value == ""))


def _sse_enabled(spec: Any) -> bool:
    if spec is None:
        return False
    if cdk.Token.is_unresolved(spec):
        return True
    return bool(getattr(spec, "sse_enabled", False))


#: (L1 class, what it is, is it encrypted?)
ENCRYPTION_RULES: Sequence[tuple[type, str, Callable[[Any], bool]]] = (
    (s3.CfnBucket, "S3 bucket", lambda r: _truthy(r.bucket_encryption)),
    (dynamodb.CfnTable, "DynamoDB table", lambda r: _sse_enabled(r.sse_specification)),
    (dynamodb.CfnGlobalTable, "DynamoDB table", lambda r: _sse_enabled(r.sse_specification)),
    (sns.CfnTopic, "SNS topic", lambda r: _truthy(r.kms_master_key_id)),
    (sqs.CfnQueue, "SQS queue",
     lambda r: _truthy(r.kms_master_key_id) or r.sqs_managed_sse_enabled is True),
    (efs.CfnFileSystem, "EFS file system", lambda r: r.encrypted is True),
    (logs.CfnLogGroup, "log group", lambda r: _truthy(r.kms_key_id)),
)  # fmt: skip


@jsii.implements(cdk.IAspect)
class RequireEncryption:
    def visit(self, node: IConstruct) -> None:
        for kind, what, encrypted in ENCRYPTION_RULES:
            if isinstance(node, kind) and not encrypted(node):
                fail(node, "SupportEncryption", f"{what} {node.node.path} is not encrypted")


@jsii.implements(cdk.IAspect)
class RequireTags:
    def __init__(self, tags: Sequence[str] = REQUIRED_TAGS) -> None:
        self.tags = tuple(tags)

    def visit(self, node: IConstruct) -> None:
        if not isinstance(node, cdk.CfnResource) or not cdk.TagManager.is_taggable(node):
            return
        present = node.tags.tag_values()  # type: ignore[attr-defined]
        missing = [tag for tag in self.tags if not present.get(tag)]
        if missing:
            fail(node, "SupportTags", f"{node.cfn_resource_type} {node.node.path} has no "
                 f"{' / '.join(missing)} tag")  # fmt: skip


def guard(scope: IConstruct) -> None:
    """Apply both aspects to ``scope`` (after tagging)."""
    for aspect in (RequireEncryption(), RequireTags()):
        cdk.Aspects.of(scope).add(aspect, priority=cdk.AspectPriority.READONLY)
