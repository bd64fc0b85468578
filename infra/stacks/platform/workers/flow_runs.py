"""What each flow run gets from the Workers stack: the image repository, the log group, the
task role (what flow code may do) and the execution role (what ECS does to start it)."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct, IConstruct

from stacks.config import StageConfig
from stacks.nag import acknowledge, wildcard_resource_finding
from stacks.platform.storage import episode_bucket_name
from stacks.platform.workers.names import (
    COMPLETE_SECRET_SUFFIX,
    ECS_TASKS,
    SECRET_ARN,
    context_list,
    flow_run_log_group_name,
    log_group_arn,
    qloo_secret_name,
)


def images_kept(config: StageConfig) -> int:
    return 50 if config.is_prod else 15


def image_repository(scope: Construct, config: StageConfig) -> ecr.Repository:
    """Immutable tags: deployments pin `MANGAFLOW_IMAGE` to a git commit tag, so a tag must
    never move under a registered deployment (a retried or re-triggered run starts the code it
    was deployed with, and a stray push cannot replace an image in use). AES-256 (ECR-managed
    keys): a customer KMS key would add cost and key policy to manage for a repository that no
    other account reads."""
    return ecr.Repository(
        scope,
        "Repository",
        repository_name=config.name("flows"),
        image_scan_on_push=True,
        image_tag_mutability=ecr.TagMutability.IMMUTABLE,
        encryption=ecr.RepositoryEncryption.AES_256,
        lifecycle_rules=[
            ecr.LifecycleRule(
                rule_priority=1,
                description="Untagged layers of interrupted or superseded pushes",
                tag_status=ecr.TagStatus.UNTAGGED,
                max_image_age=cdk.Duration.days(1),
            ),
            ecr.LifecycleRule(
                rule_priority=2,
                description="Keep the most recent images (older deployments' tags go)",
                tag_status=ecr.TagStatus.ANY,
                max_image_count=images_kept(config),
            ),
        ],
        removal_policy=config.removal_policy,
        empty_on_delete=not config.is_prod,
    )


def flow_run_log_group(scope: Construct, config: StageConfig) -> logs.LogGroup:
    return logs.LogGroup(
        scope,
        "FlowRunLogs",
        log_group_name=flow_run_log_group_name(config),
        retention=config.log_retention,
        removal_policy=config.removal_policy,
    )


def task_role(scope: Construct, config: StageConfig, bus: events.IEventBus) -> iam.Role:
    """What flow code may do (boto3 in the task picks it up): table, bucket, bus, Bedrock.
    Role names are left to CloudFormation: IAM names are account-wide, and the stack outputs
    carry the ARNs."""
    role = iam.Role(
        scope,
        "TaskRole",
        assumed_by=iam.ServicePrincipal(ECS_TASKS),
        description=f"MangaFlow {config.stage} flow runs: table, bucket, bus, Bedrock.",
    )
    # Table and bucket: their own grant methods, called on copies imported by StorageStack's
    # fixed names (as ApiStack scopes its IAM). Same statements as on the originals, but no
    # cross-stack export pins the Storage stack's resources (mangaflow_app keeps the deploy
    # order), and cdk-nag's findings are stable strings.
    table_name, bucket_name = config.name("table"), episode_bucket_name(config)
    table = dynamodb.TableV2.from_table_attributes(
        scope, "Table", table_name=table_name, grant_index_permissions=True
    )
    bucket = s3.Bucket.from_bucket_name(scope, "Bucket", bucket_name)
    table.grant_read_write_data(role)
    bucket.grant_read_write(role)
    bus.grant_put_events_to(role)
    model_ids = context_list(scope, "bedrockModelIds")
    models = [
        cdk.Stack.of(scope).format_arn(
            service="bedrock", account="", resource="foundation-model", resource_name=model
        )
        for model in (model_ids or ["*"])
    ]
    # Converse/ConverseStream are authorized by these two actions (no separate action).
    role.add_to_policy(
        iam.PolicyStatement(
            actions=["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"],
            resources=models,
        )
    )
    _acknowledge_task_role(role, config, model_ids, table_name)
    return role


def execution_role(
    scope: Construct,
    config: StageConfig,
    *,
    repository: ecr.IRepository,
    flow_run_logs: logs.ILogGroup,
    prefect_secret: secretsmanager.ISecret,
) -> tuple[iam.Role, secretsmanager.ISecret]:
    """What ECS does to start a flow run: pull the image, ship its logs, read the secrets of
    ecs.yaml. Instead of AmazonECSTaskExecutionRolePolicy (any repository, any log group) the
    same actions scoped to this repository and log group. Returns (role, the Qloo secret)."""
    role = iam.Role(
        scope,
        "ExecutionRole",
        assumed_by=iam.ServicePrincipal(ECS_TASKS),
        description=f"MangaFlow {config.stage} flow runs: image pull, logs, secrets.",
    )
    repository.grant_pull(role)
    flow_run_logs.grant_write(role)
    # prefect-aws sets `awslogs-create-group: true`: the log driver calls CreateLogGroup
    # (a no-op on this existing group, but it must be allowed).
    role.add_to_policy(
        iam.PolicyStatement(
            actions=["logs:CreateLogGroup"],
            resources=[log_group_arn(scope, flow_run_log_group_name(config))],
        )
    )
    qloo_secret = _qloo_secret(scope, config)
    qloo_secret.grant_read(role)
    # The flow runs' Prefect API key, as an ECS secret (never a plain env var in RunTask).
    prefect_secret.grant_read(role)
    acknowledge_image_pull(role)
    return role, qloo_secret


def acknowledge_image_pull(role: IConstruct) -> None:
    acknowledge(
        role,
        wildcard_resource_finding("*"),
        "repository.grant_pull: ecr:GetAuthorizationToken has no resource-level "
        "permissions (it returns a registry login); the layer and image actions are "
        "scoped to this repository.",
    )


def _qloo_secret(scope: Construct, config: StageConfig) -> secretsmanager.ISecret:
    """``-c qlooSecretArn`` (checked), else the secret named ``mangaflow-<stage>-qloo-api-key``."""
    arn = scope.node.try_get_context("qlooSecretArn")
    if arn is None:
        return secretsmanager.Secret.from_secret_name_v2(
            scope, "QlooSecret", qloo_secret_name(config)
        )
    arn = str(arn)
    if not SECRET_ARN.match(arn):
        raise ValueError(
            f"context qlooSecretArn={arn!r}: expected a Secrets Manager secret ARN "
            "(arn:aws:secretsmanager:<region>:<account>:secret:<name>-<suffix>)"
        )
    if COMPLETE_SECRET_SUFFIX.search(arn):
        return secretsmanager.Secret.from_secret_complete_arn(scope, "QlooSecret", arn)
    return secretsmanager.Secret.from_secret_partial_arn(scope, "QlooSecret", arn)


def _acknowledge_task_role(
    role: iam.Role, config: StageConfig, model_ids: list[str], table_name: str
) -> None:
    acknowledge(
        role,
        wildcard_resource_finding(
            f"arn:<AWS::Partition>:dynamodb:<AWS::Region>:<AWS::AccountId>:table/{table_name}/index/*"
        ),
        "table.grant_read_write_data: flows query GSI1/GSI2 of this one table (the "
        "single-table access patterns); the wildcard covers only its indexes.",
    )
    acknowledge(
        role,
        wildcard_resource_finding(
            f"arn:<AWS::Partition>:s3:::{config.name('episodes')}-<AWS::AccountId>-<AWS::Region>/*"
        ),
        "bucket.grant_read_write: flows write and read episode files (pages, PDF, CBZ) "
        "under any key of this one bucket.",
    )
    for action in (
        "s3:GetObject*",
        "s3:GetBucket*",
        "s3:List*",
        "s3:DeleteObject*",
        "s3:Abort*",
    ):
        acknowledge(
            role,
            f"AwsSolutions-IAM5[Action::{action}]",
            "The action groups of bucket.grant_read_write (read, write, delete, abort "
            "multipart uploads), on the episode bucket only.",
        )
    if not model_ids:
        acknowledge(
            role,
            wildcard_resource_finding(
                "arn:<AWS::Partition>:bedrock:<AWS::Region>::foundation-model/*"
            ),
            "The text and image models are settings (MANGAFLOW_BEDROCK_TEXT_MODEL/"
            "IMAGE_MODEL) changed without a deploy; only AWS foundation models of this "
            "region. Narrow it with -c bedrockModelIds=<id>,<id>.",
        )
