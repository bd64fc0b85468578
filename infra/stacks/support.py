"""The support product's part of the CDK app (multi-tenant support agents):
``MangaFlow-<stage>-Support``, on top of the platform's stacks.

- one customer-managed KMS key (rotation on) encrypting everything below: the documents
  bucket, the table, the escalation topic, the CloudTrail log files, the log groups, the
  Qdrant API-key secret and the Qdrant volume;
- the documents bucket (versioned, SSE-KMS, TLS only, access logs, no public access); a
  tenant's files live under ``support/tenants/<tenant>/`` (``tenancy.blob_prefix``);
- the support table (``PK``/``SK``, ``GSI1``/``GSI2`` like the platform's table, PITR, KMS);
- the vector index: a Qdrant server on ECS Fargate (:mod:`stacks.support_qdrant`);
- Cognito groups ``role:admin``, ``role:agent``, ``role:customer`` on the platform's user pool
  (``tenancy.from_claims`` reads ``role:<name>`` and ``tenant:<id>`` groups; a tenant's group
  ``tenant:<id>`` is created when the tenant is onboarded, not here);
- the escalation topic (KMS) - CloudWatch may publish to it (the support alarms go there: the
  platform's alarm topic uses ``alias/aws/sns``, which CloudWatch alarms cannot publish to);
- a CloudTrail trail of data events of the documents bucket and the table (log file
  validation, KMS-encrypted log files in an encrypted bucket of its own);
- the streaming chat API and the alarms (:mod:`stacks.support_api`);
- CDK Aspects that fail synthesis on unencrypted storage or missing tags
  (:mod:`stacks.support_aspects`).

**Tenant-scoped IAM.** No role of this stack reads the table or the bucket directly. The
``TenantDataRole`` is assumed *per request* by the support code - the chat function, the
platform's API function (support routes) and the flow runs (ingestion) - with the session tag
``tenant=<the caller's tenant id>``, taken from the verified token (``sts:AssumeRole`` with
``Tags=[{"Key": "tenant", "Value": principal.tenant_id}]``, then DynamoDB/S3 clients built with
those credentials). Its statements are conditioned on that tag:

- DynamoDB: ``ForAllValues:StringLike`` ``dynamodb:LeadingKeys`` =
  ``TENANT#${aws:PrincipalTag/tenant}#*`` (every support key is ``tenancy.scoped``:
  ``TENANT#<id>#...``; the trailing ``#`` keeps tenant ``acme`` out of ``acme-2``'s keys),
  on the table and its indexes (GSI keys are scoped the same way);
- S3: objects under ``support/tenants/${aws:PrincipalTag/tenant}/*`` only, and
  ``s3:ListBucket`` only with an ``s3:prefix`` under it.

The trust policy admits only those three roles, only with a ``tenant`` session tag, and no
other tag keys. Qdrant has no IAM: its payload filter (``VectorFilter`` on the tenant) is the
code's.
"""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_cloudtrail as cloudtrail
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from constructs import Construct

from stacks.config import StageConfig
from stacks.nag import acknowledge, wildcard_resource_finding
from stacks.platform import PlatformStacks
from stacks.platform.storage import access_logs_bucket
from stacks.support_api import ChatApi, SupportAlarms
from stacks.support_aspects import guard
from stacks.support_qdrant import QdrantService

SOURCE = "mangaflow.support"
#: The tags of every taggable resource of this stack (checked by the aspects).
TAGS = {"product": "support", "tenancy": "pooled"}
DOCUMENTS_PREFIX = "support/tenants/"
TENANT_TAG = "tenant"
#: The session tag the tenant role's conditions read.
PRINCIPAL_TENANT = f"${{aws:PrincipalTag/{TENANT_TAG}}}"
LEADING_KEYS = f"TENANT#{PRINCIPAL_TENANT}#*"
TENANT_OBJECTS = f"{DOCUMENTS_PREFIX}{PRINCIPAL_TENANT}/*"
ROLES = ("admin", "agent", "customer")
TABLE_ACTIONS = (
    "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem",
    "dynamodb:Query", "dynamodb:BatchGetItem", "dynamodb:BatchWriteItem",
    "dynamodb:ConditionCheckItem",
)  # fmt: skip
OBJECT_ACTIONS = ("s3:GetObject", "s3:GetObjectVersion", "s3:PutObject", "s3:DeleteObject",
                  "s3:AbortMultipartUpload")  # fmt: skip
TRAIL_DAYS = 365

#: The settings the support code reads -> the output of this stack that holds each value.
SETTINGS = {
    "MANGAFLOW_SUPPORT_TABLE": "SupportTableName",
    "MANGAFLOW_SUPPORT_BUCKET": "SupportBucketName",
    "MANGAFLOW_QDRANT_URL": "SupportQdrantUrl",
    "MANGAFLOW_SUPPORT_QDRANT_SECRET_ARN": "SupportQdrantSecretArn",
    "MANGAFLOW_SUPPORT_ESCALATION_TOPIC_ARN": "SupportEscalationTopicArn",
    "MANGAFLOW_SUPPORT_TENANT_ROLE_ARN": "SupportTenantRoleArn",
    "MANGAFLOW_SUPPORT_CHAT_URL": "SupportChatUrl",
    "MANGAFLOW_SUPPORT_IDENTITY_POOL_ID": "SupportIdentityPoolId",
}


def support_table_name(config: StageConfig) -> str:
    return config.name("support")


def support_bucket_name(config: StageConfig) -> str:
    """Fixed and globally unique, like the other buckets'."""
    return f"{config.name('support')}-{cdk.Aws.ACCOUNT_ID}-{cdk.Aws.REGION}"


def build(
    app: cdk.App, platform: PlatformStacks, config: StageConfig, env: cdk.Environment | None
) -> tuple[cdk.Stack, ...]:
    return (
        SupportStack(
            app, f"MangaFlow-{config.stage}-Support", config=config, platform=platform, env=env
        ),
    )


class SupportStack(cdk.Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: StageConfig,
        platform: PlatformStacks,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.config = config
        for stack in (platform.storage, platform.events, platform.api, platform.workers):
            self.add_stack_dependency(stack)
        for tag, value in TAGS.items():
            cdk.Tags.of(self).add(tag, value)

        self.key = self._key()
        self.access_logs_bucket = access_logs_bucket(self, config)
        self.bucket = self._documents_bucket()
        self.table = self._table()
        self.escalation_topic = sns.Topic(
            self,
            "EscalationTopic",
            topic_name=config.name("support-escalations"),
            display_name=f"MangaFlow {config.stage} support escalations",
            master_key=self.key,
            enforce_ssl=True,
        )
        self.trail_bucket, self.trail = self._trail()
        self.qdrant = QdrantService(
            self, "Qdrant", config=config, workers=platform.workers, key=self.key
        )
        self.groups = {
            role: cognito.CfnUserPoolGroup(
                self,
                f"{role.title()}Group",
                user_pool_id=platform.api.user_pool.user_pool_id,
                group_name=f"role:{role}",
                description=f"Support {role}s (tenancy.from_claims); with a tenant:<id> group.",
            )
            for role in ROLES
        }
        self.chat = ChatApi(
            self,
            "Chat",
            config=config,
            platform=platform,
            key=self.key,
            qdrant=self.qdrant,
            environment={
                "MANGAFLOW_TABLE_NAME": support_table_name(config),
                "MANGAFLOW_BUCKET": self.bucket.bucket_name,
                "MANGAFLOW_SUPPORT_TABLE": support_table_name(config),
                "MANGAFLOW_SUPPORT_BUCKET": self.bucket.bucket_name,
                "MANGAFLOW_SUPPORT_ESCALATION_TOPIC_ARN": self.escalation_topic.topic_arn,
            },
        )
        self.escalation_topic.grant_publish(self.chat.function)
        # The callers of the tenant role: the chat, the platform API, the flow runs.
        api_role = platform.api.api_function.role
        assert api_role is not None  # a Function made without a role gets one
        self.api_role = iam.Role.from_role_arn(
            self, "ApiFunctionRole", api_role.role_arn, mutable=True
        )
        self.flow_runs_role = iam.Role.from_role_arn(
            self, "FlowRunTaskRole", platform.workers.task_role.role_arn, mutable=True
        )
        callers: list[iam.IRole] = [self.chat.role, self.api_role, self.flow_runs_role]
        self.tenant_role = self._tenant_role(callers)
        for caller in callers:
            caller.add_to_principal_policy(
                iam.PolicyStatement(
                    actions=["sts:AssumeRole", "sts:TagSession"],
                    resources=[self.tenant_role.role_arn],
                )
            )
        self.chat.function.add_environment(
            "MANGAFLOW_SUPPORT_TENANT_ROLE_ARN", self.tenant_role.role_arn
        )
        for reader in (self.chat.role, self.flow_runs_role):
            self.qdrant.api_key.grant_read(reader)
        self.alarms = SupportAlarms(
            self, "Alarms", config=config, chat=self.chat, topic=self.escalation_topic
        )

        values = {
            "MANGAFLOW_SUPPORT_TABLE": self.table.table_name,
            "MANGAFLOW_SUPPORT_BUCKET": self.bucket.bucket_name,
            "MANGAFLOW_QDRANT_URL": self.qdrant.url,
            "MANGAFLOW_SUPPORT_QDRANT_SECRET_ARN": self.qdrant.api_key.secret_arn,
            "MANGAFLOW_SUPPORT_ESCALATION_TOPIC_ARN": self.escalation_topic.topic_arn,
            "MANGAFLOW_SUPPORT_TENANT_ROLE_ARN": self.tenant_role.role_arn,
            "MANGAFLOW_SUPPORT_CHAT_URL": self.chat.url.url,
            "MANGAFLOW_SUPPORT_IDENTITY_POOL_ID": self.chat.identity_pool.identity_pool_id,
        }
        #: setting -> value (tokens), for whatever passes them to the code's environment.
        self.settings = values
        for setting, output in SETTINGS.items():
            cdk.CfnOutput(self, output, value=values[setting], description=setting)
        guard(self)

    # ---------------------------------------------------------------------------------- KMS
    def _key(self) -> kms.Key:
        """The one key; its policy lets CloudWatch (alarms -> the escalation topic),
        CloudTrail (log files of this account's trails) and CloudWatch Logs (log groups of
        this account and region) use it."""
        key = kms.Key(
            self,
            "Key",
            alias=f"alias/{self.config.name('support')}",
            description=f"MangaFlow {self.config.stage} support: documents, table, topic, "
            "trail, logs, Qdrant.",
            enable_key_rotation=True,
            removal_policy=self.config.removal_policy,
        )
        account, partition, region = self.account, self.partition, self.region
        key.add_to_resource_policy(iam.PolicyStatement(
            sid="CloudWatchAlarmsPublishToEncryptedTopic",
            actions=["kms:Decrypt", "kms:GenerateDataKey*"],
            principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
            resources=["*"],  # in a key policy: this key
            conditions={"StringEquals": {"aws:SourceAccount": account}},
        ))  # fmt: skip
        key.add_to_resource_policy(iam.PolicyStatement(
            sid="CloudTrailEncryptsLogFiles",
            actions=["kms:GenerateDataKey*", "kms:DescribeKey"],
            principals=[iam.ServicePrincipal("cloudtrail.amazonaws.com")],
            resources=["*"],
            conditions={
                "StringEquals": {"aws:SourceAccount": account},
                "StringLike": {"kms:EncryptionContext:aws:cloudtrail:arn":
                               f"arn:{partition}:cloudtrail:*:{account}:trail/*"},
            },
        ))  # fmt: skip
        key.add_to_resource_policy(iam.PolicyStatement(
            sid="CloudWatchLogsEncryptsLogGroups",
            actions=["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*",
                     "kms:Describe*"],
            principals=[iam.ServicePrincipal(f"logs.{region}.amazonaws.com")],
            resources=["*"],
            conditions={"ArnLike": {"kms:EncryptionContext:aws:logs:arn":
                                    f"arn:{partition}:logs:{region}:{account}:log-group:*"}},
        ))  # fmt: skip
        return key

    # ------------------------------------------------------------------------------ storage
    def _documents_bucket(self) -> s3.Bucket:
        config = self.config
        return s3.Bucket(
            self,
            "DocumentsBucket",
            bucket_name=support_bucket_name(config),
            encryption=s3.BucketEncryption.KMS,
            encryption_key=self.key,
            bucket_key_enabled=True,  # fewer KMS calls; the context is then the bucket ARN
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            versioned=True,
            server_access_logs_bucket=self.access_logs_bucket,
            server_access_logs_prefix="support-documents/",
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="abort-incomplete-multipart-uploads",
                    abort_incomplete_multipart_upload_after=cdk.Duration.days(7),
                ),
                s3.LifecycleRule(
                    id="expire-noncurrent-versions",
                    noncurrent_version_expiration=cdk.Duration.days(90),
                ),
            ],
            removal_policy=config.removal_policy,
            auto_delete_objects=not config.is_prod,
        )

    def _table(self) -> dynamodb.Table:
        """``Table``, not the platform's ``TableV2``: a global table's customer-managed key is
        per replica and needs a region-specific stack; this app's stacks are env-agnostic."""
        config, string = self.config, dynamodb.AttributeType.STRING
        table = dynamodb.Table(
            self,
            "SupportTable",
            table_name=support_table_name(config),
            partition_key=dynamodb.Attribute(name="PK", type=string),
            sort_key=dynamodb.Attribute(name="SK", type=string),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            encryption=dynamodb.TableEncryption.CUSTOMER_MANAGED,
            encryption_key=self.key,
            deletion_protection=config.is_prod,
            removal_policy=config.removal_policy,
        )
        for index in ("GSI1", "GSI2"):
            table.add_global_secondary_index(
                index_name=index,
                partition_key=dynamodb.Attribute(name=f"{index}PK", type=string),
                sort_key=dynamodb.Attribute(name=f"{index}SK", type=string),
            )
        return table

    # ---------------------------------------------------------------------------- CloudTrail
    def _trail(self) -> tuple[s3.Bucket, cloudtrail.Trail]:
        """Data events only (the account's management events are another trail's): object
        reads/writes under the documents bucket and item reads/writes of the table."""
        config = self.config
        bucket = s3.Bucket(
            self,
            "TrailBucket",
            # CloudTrail encrypts each log file with the support key (SSE-KMS) itself.
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            versioned=True,
            server_access_logs_bucket=self.access_logs_bucket,
            server_access_logs_prefix="support-trail/",
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="expire-trail-logs",
                    expiration=cdk.Duration.days(TRAIL_DAYS),
                    noncurrent_version_expiration=cdk.Duration.days(30),
                ),
            ],  # fmt: skip
            removal_policy=config.removal_policy,
            auto_delete_objects=not config.is_prod,
        )
        trail = cloudtrail.Trail(
            self,
            "Trail",
            trail_name=config.name("support"),
            bucket=bucket,
            encryption_key=self.key,
            enable_file_validation=True,
            include_global_service_events=False,
            is_multi_region_trail=False,
        )
        cfn = trail.node.default_child
        assert isinstance(cfn, cloudtrail.CfnTrail)

        def data(name: str, kind: str, arn: dict[str, list[str]]) -> Any:
            fields = [("eventCategory", {"equal_to": ["Data"]}), ("resources.type", {
                "equal_to": [kind]}), ("resources.ARN", arn)]  # fmt: skip
            return cloudtrail.CfnTrail.AdvancedEventSelectorProperty(
                name=name,
                field_selectors=[cloudtrail.CfnTrail.AdvancedFieldSelectorProperty(
                    field=field, **{k: v for k, v in sel.items()}) for field, sel in fields],
            )  # fmt: skip

        cfn.add_property_deletion_override("EventSelectors")  # not both kinds of selector
        cfn.advanced_event_selectors = [
            data("support documents", "AWS::S3::Object",
                 {"starts_with": [f"{self.bucket.bucket_arn}/"]}),
            data("support table", "AWS::DynamoDB::Table", {"equal_to": [self.table.table_arn]}),
        ]  # fmt: skip
        acknowledge(
            self.access_logs_bucket,
            "AwsSolutions-S1",
            "This bucket is the server-access-log destination of the documents and trail "
            "buckets; logging it into itself (or a third bucket) would loop.",
        )
        return bucket, trail

    # --------------------------------------------------------------------------------- IAM
    def _tenant_role(self, callers: list[iam.IRole]) -> iam.Role:
        """The session-tagged role (see the module docstring)."""
        trust = {
            "Null": {f"aws:RequestTag/{TENANT_TAG}": "false"},
            "ForAllValues:StringEquals": {"aws:TagKeys": [TENANT_TAG]},
        }
        role = iam.Role(
            self,
            "TenantDataRole",
            assumed_by=iam.PrincipalWithConditions(
                iam.ArnPrincipal(callers[0].role_arn), trust
            ).with_session_tags(),
            description=f"MangaFlow {self.config.stage} support: one tenant's records and "
            "documents (session tag tenant).",
            max_session_duration=cdk.Duration.hours(1),
        )
        for caller in callers[1:]:
            role.assume_role_policy.add_statements(  # type: ignore[union-attr]
                iam.PolicyStatement(
                    actions=["sts:AssumeRole", "sts:TagSession"],
                    principals=[iam.ArnPrincipal(caller.role_arn)],
                    conditions=trust,
                )
            )
        table_arn = self.table.table_arn
        role.add_to_policy(iam.PolicyStatement(
            sid="TenantItemsOnly",
            actions=list(TABLE_ACTIONS),
            resources=[table_arn, f"{table_arn}/index/*"],
            conditions={"ForAllValues:StringLike": {"dynamodb:LeadingKeys": [LEADING_KEYS]}},
        ))  # fmt: skip
        role.add_to_policy(iam.PolicyStatement(
            sid="TenantDocumentsOnly",
            actions=list(OBJECT_ACTIONS),
            resources=[self.bucket.arn_for_objects(TENANT_OBJECTS)],
        ))  # fmt: skip
        role.add_to_policy(iam.PolicyStatement(
            sid="ListTenantDocumentsOnly",
            actions=["s3:ListBucket", "s3:ListBucketVersions"],
            resources=[self.bucket.bucket_arn],
            conditions={"StringLike": {"s3:prefix": [TENANT_OBJECTS]}},
        ))  # fmt: skip
        role.add_to_policy(iam.PolicyStatement(
            sid="SupportKeyViaS3AndDynamoDb",
            actions=["kms:Decrypt", "kms:GenerateDataKey"],
            resources=[self.key.key_arn],
            conditions={"StringEquals": {"kms:ViaService": [
                f"s3.{self.region}.amazonaws.com", f"dynamodb.{self.region}.amazonaws.com"]}},
        ))  # fmt: skip
        table = self.get_logical_id(self.table.node.default_child)  # type: ignore[arg-type]
        bucket = self.get_logical_id(self.bucket.node.default_child)  # type: ignore[arg-type]
        acknowledge(
            role,
            wildcard_resource_finding(f"<{table}.Arn>/index/*"),
            "Queries on GSI1/GSI2 of the support table, under the same dynamodb:LeadingKeys "
            "condition (TENANT#<session tag tenant>#...).",
        )
        acknowledge(
            role,
            # cdk-nag writes the policy variable ${aws:PrincipalTag/tenant} as <...>.
            wildcard_resource_finding(
                f"<{bucket}.Arn>/{DOCUMENTS_PREFIX}<aws:PrincipalTag/{TENANT_TAG}>/*"
            ),
            "The objects of the session's tenant only: the wildcard is the keys under "
            "support/tenants/<session tag tenant>/.",
        )
        return role
