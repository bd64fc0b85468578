"""StorageStack: the single DynamoDB table and the S3 bucket for episode files."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_s3 as s3
from constructs import Construct

from stacks.config import StageConfig
from stacks.nag import acknowledge


def episode_bucket_name(config: StageConfig) -> str:
    """Fixed, globally unique name so other stacks can scope IAM to it without exports."""
    return f"{config.name('episodes')}-{cdk.Aws.ACCOUNT_ID}-{cdk.Aws.REGION}"


def access_logs_bucket(scope: Construct, config: StageConfig) -> s3.Bucket:
    """A stack's server-access-log bucket (``AccessLogsBucket``): S3-managed keys (log delivery
    cannot write to SSE-KMS), ACLs kept (CloudFront standard logs are written with one), a
    year of logs."""
    return s3.Bucket(
        scope,
        "AccessLogsBucket",
        encryption=s3.BucketEncryption.S3_MANAGED,
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
        enforce_ssl=True,
        object_ownership=s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
        lifecycle_rules=[
            s3.LifecycleRule(id="expire-access-logs", expiration=cdk.Duration.days(365))
        ],
        removal_policy=config.removal_policy,
        auto_delete_objects=not config.is_prod,
    )


class StorageStack(cdk.Stack):
    def __init__(
        self, scope: Construct, construct_id: str, *, config: StageConfig, **kwargs
    ) -> None:  # type: ignore[no-untyped-def]
        super().__init__(scope, construct_id, **kwargs)
        string = dynamodb.AttributeType.STRING

        self.table = dynamodb.TableV2(
            self,
            "Table",
            table_name=config.name("table"),
            partition_key=dynamodb.Attribute(name="PK", type=string),
            sort_key=dynamodb.Attribute(name="SK", type=string),
            billing=dynamodb.Billing.on_demand(),
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            encryption=dynamodb.TableEncryptionV2.aws_managed_key(),
            deletion_protection=config.is_prod,
            removal_policy=config.removal_policy,
            global_secondary_indexes=[
                dynamodb.GlobalSecondaryIndexPropsV2(
                    index_name="GSI1",
                    partition_key=dynamodb.Attribute(name="GSI1PK", type=string),
                    sort_key=dynamodb.Attribute(name="GSI1SK", type=string),
                ),
                dynamodb.GlobalSecondaryIndexPropsV2(
                    index_name="GSI2",
                    partition_key=dynamodb.Attribute(name="GSI2PK", type=string),
                    sort_key=dynamodb.Attribute(name="GSI2SK", type=string),
                ),
            ],
        )

        auto_delete = not config.is_prod
        self.access_logs_bucket = access_logs_bucket(self, config)
        acknowledge(
            self.access_logs_bucket,
            "AwsSolutions-S1",
            "This bucket is the server-access-log destination of the episode bucket; logging it "
            "into itself (or a third bucket) would loop or only move the finding.",
        )

        self.bucket = s3.Bucket(
            self,
            "EpisodeBucket",
            bucket_name=episode_bucket_name(config),
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            versioned=True,
            server_access_logs_bucket=self.access_logs_bucket,
            server_access_logs_prefix="episode-bucket/",
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="abort-incomplete-multipart-uploads",
                    abort_incomplete_multipart_upload_after=cdk.Duration.days(7),
                ),
                s3.LifecycleRule(
                    id="episode-files-to-infrequent-access",
                    transitions=[
                        s3.Transition(
                            storage_class=s3.StorageClass.INFREQUENT_ACCESS,
                            transition_after=cdk.Duration.days(90),
                        )
                    ],
                ),
                s3.LifecycleRule(
                    id="expire-noncurrent-versions",
                    noncurrent_version_expiration=cdk.Duration.days(30),
                ),
            ],
            removal_policy=config.removal_policy,
            auto_delete_objects=auto_delete,
        )

        cdk.CfnOutput(self, "TableName", value=self.table.table_name)
        cdk.CfnOutput(self, "BucketName", value=self.bucket.bucket_name)
