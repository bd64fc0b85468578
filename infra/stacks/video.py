"""The video product's part of the CDK app (trends -> narrated videos -> YouTube):
``MangaFlow-<stage>-Video``, on top of the platform's stacks.

- a bucket for video work and results: ``renders/`` (intermediate mezzanines, stills, audio;
  expire after 7 days) and ``videos/`` (finished videos; Infrequent Access after 30 days);
- a secret for the YouTube OAuth credentials (JSON ``client_id``, ``client_secret``,
  ``refresh_token``; values set after deploy);
- a MediaConvert queue and the role its jobs run as (read/write under the two prefixes only);
  two rules on the account's default bus (where MediaConvert's events arrive) turn a finished
  job of this queue (COMPLETE or ERROR) into a ``video.render.finished`` platform event, sent
  to that route's SQS buffer in the Events stack (:mod:`stacks.video_events`);
- an alert topic (KMS-encrypted, AWS Budgets may publish) with an optional e-mail
  subscription, and a monthly AWS Budgets cost budget that notifies it;
- the daily trends schedule (``video.trends.requested`` on the platform bus);
- grants for the flow runs' task role (Workers stack), and the settings as outputs
  (:data:`SETTINGS`).

Context (``cdk deploy -c key=value``): ``videoMonthlyBudgetUsd`` (whole USD, default 50) and
``videoAlertEmail`` (an address subscribed to the alert topic; none by default).
"""

from __future__ import annotations

import re
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_budgets as budgets
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_mediaconvert as mediaconvert
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_scheduler_targets as scheduler_targets
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

from stacks.config import StageConfig, context_int
from stacks.nag import acknowledge, wildcard_resource_finding
from stacks.platform import PlatformStacks
from stacks.platform.events import event_bus_name
from stacks.platform.storage import access_logs_bucket
from stacks.video_events import RenderFinishedRules

#: The source of every event of the video product.
SOURCE = "mangaflow.video"
#: Intermediate render files (mezzanines, stills, audio): expire after :data:`RENDERS_DAYS`.
RENDERS_PREFIX = "renders/"
#: Finished videos: Infrequent Access after :data:`VIDEOS_IA_DAYS`.
VIDEOS_PREFIX = "videos/"
#: The prefixes of the video bucket; flows and MediaConvert may use these only.
PREFIXES = (RENDERS_PREFIX, VIDEOS_PREFIX)
RENDERS_DAYS, VIDEOS_IA_DAYS, NONCURRENT_DAYS = 7, 30, 7
#: The daily trends run: EventBridge Scheduler cron, evaluated in :data:`TRENDS_TIME_ZONE`.
TRENDS_DETAIL_TYPE = "video.trends.requested"
TRENDS_CRON = "cron(0 8 * * ? *)"
TRENDS_TIME_ZONE = cdk.TimeZone.AMERICA_NEW_YORK
#: The monthly cost budget without ``-c videoMonthlyBudgetUsd=N``.
DEFAULT_MONTHLY_BUDGET_USD = 50
#: (notification type, % of the budget) of the budget's notifications to the alert topic.
BUDGET_NOTIFICATIONS = (("ACTUAL", 80), ("ACTUAL", 100), ("FORECASTED", 100))
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")

#: The settings the video code reads -> the output of this stack that holds each value.
SETTINGS = {
    "MANGAFLOW_VIDEO_BUCKET": "VideoBucketName",
    "MANGAFLOW_YOUTUBE_SECRET_ID": "YoutubeSecretArn",
    "MANGAFLOW_VIDEO_MEDIACONVERT_ROLE_ARN": "MediaConvertRoleArn",
    "MANGAFLOW_VIDEO_MEDIACONVERT_QUEUE_ARN": "MediaConvertQueueArn",
    "MANGAFLOW_VIDEO_ALERT_TOPIC_ARN": "VideoAlertTopicArn",
}


def video_bucket_name(config: StageConfig) -> str:
    """Fixed and globally unique, like the episode and catalog buckets'."""
    return f"{config.name('video')}-{cdk.Aws.ACCOUNT_ID}-{cdk.Aws.REGION}"


def build(
    app: cdk.App, platform: PlatformStacks, config: StageConfig, env: cdk.Environment | None
) -> tuple[cdk.Stack, ...]:
    return (
        VideoStack(
            app, f"MangaFlow-{config.stage}-Video", config=config, platform=platform, env=env
        ),
    )


class VideoStack(cdk.Stack):
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
        # The bus and the render-finished buffer by their fixed names (no export pins them);
        # this dependency keeps the deploy order.
        self.add_stack_dependency(platform.events)
        self.bus = events.EventBus.from_event_bus_name(self, "PlatformBus", event_bus_name(config))
        self.monthly_budget_usd = context_int(
            self, "videoMonthlyBudgetUsd", default=DEFAULT_MONTHLY_BUDGET_USD, minimum=1
        )
        self.alert_email = self._alert_email()

        self.access_logs_bucket, self.bucket = self._buckets()
        self.youtube_secret = self._youtube_secret()
        self.mediaconvert_queue = mediaconvert.CfnQueue(
            self,
            "MediaConvertQueue",
            name=config.name("video"),
            description=f"MangaFlow {config.stage}: renders of narrated videos.",
            pricing_plan="ON_DEMAND",
            status="ACTIVE",
        )
        self.mediaconvert_role = self._mediaconvert_role()
        self.render_finished = RenderFinishedRules(
            self,
            "RenderFinished",
            config=config,
            events_stack=platform.events,
            queue_arn=self.mediaconvert_queue.attr_arn,
        )
        self.alert_key, self.alert_topic = self._alert_topic()
        self.budget = self._budget()
        self.trends_schedule = self._trends_schedule()
        # What flow code may do: the task role of the Workers stack (imported: the policy
        # lives here, so the Workers stack needs nothing of the video product's).
        self.flow_runs_role = iam.Role.from_role_arn(
            self, "FlowRunTaskRole", platform.workers.task_role.role_arn, mutable=True
        )
        self._grant(self.flow_runs_role)

        values = {
            "MANGAFLOW_VIDEO_BUCKET": self.bucket.bucket_name,
            "MANGAFLOW_YOUTUBE_SECRET_ID": self.youtube_secret.secret_arn,
            "MANGAFLOW_VIDEO_MEDIACONVERT_ROLE_ARN": self.mediaconvert_role.role_arn,
            "MANGAFLOW_VIDEO_MEDIACONVERT_QUEUE_ARN": self.mediaconvert_queue.attr_arn,
            "MANGAFLOW_VIDEO_ALERT_TOPIC_ARN": self.alert_topic.topic_arn,
        }
        #: setting -> value (tokens), for whatever passes them to the flows' environment.
        self.settings = values
        for setting, output in SETTINGS.items():
            cdk.CfnOutput(self, output, value=values[setting], description=setting)

    # ------------------------------------------------------------------------------ context
    def _alert_email(self) -> str | None:
        raw = self.node.try_get_context("videoAlertEmail")
        if raw is None or raw == "":
            return None
        if not EMAIL.fullmatch(str(raw)):
            raise ValueError(
                f"context videoAlertEmail={raw!r}: expected one e-mail address "
                "(name@example.org), subscribed to the video alert topic"
            )
        return str(raw)

    # ------------------------------------------------------------------------------ storage
    def _buckets(self) -> tuple[s3.Bucket, s3.Bucket]:
        config = self.config
        access_logs = access_logs_bucket(self, config)
        bucket = s3.Bucket(
            self,
            "VideoBucket",
            bucket_name=video_bucket_name(config),
            encryption=s3.BucketEncryption.S3_MANAGED,  # MediaConvert reads/writes it without KMS
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            versioned=True,
            server_access_logs_bucket=access_logs,
            server_access_logs_prefix="video-bucket/",
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="abort-incomplete-multipart-uploads",
                    abort_incomplete_multipart_upload_after=cdk.Duration.days(7),
                ),
                s3.LifecycleRule(
                    id="expire-renders",
                    prefix=RENDERS_PREFIX,
                    expiration=cdk.Duration.days(RENDERS_DAYS),
                ),
                s3.LifecycleRule(
                    id="videos-to-infrequent-access",
                    prefix=VIDEOS_PREFIX,
                    transitions=[
                        s3.Transition(
                            storage_class=s3.StorageClass.INFREQUENT_ACCESS,
                            transition_after=cdk.Duration.days(VIDEOS_IA_DAYS),
                        )
                    ],
                ),
                s3.LifecycleRule(
                    id="expire-noncurrent-versions",
                    noncurrent_version_expiration=cdk.Duration.days(NONCURRENT_DAYS),
                    expired_object_delete_marker=True,
                ),
            ],
            removal_policy=config.removal_policy,
            auto_delete_objects=not config.is_prod,
        )
        return access_logs, bucket

    # ------------------------------------------------------------------------------- secret
    def _youtube_secret(self) -> secretsmanager.Secret:
        """Created with a generated placeholder, as the catalog's secrets; the operator puts
        the value after deploy (``aws secretsmanager put-secret-value``)."""
        secret = secretsmanager.Secret(
            self,
            "YoutubeSecret",
            secret_name=self.config.name("video-youtube"),
            description='YouTube OAuth credentials of the uploading channel: JSON {"client_id": '
            '"...", "client_secret": "...", "refresh_token": "..."}; set after deploy.',
            removal_policy=self.config.removal_policy,
        )
        acknowledge(
            secret,
            "AwsSolutions-SMG4",
            "Holds an OAuth client and refresh token issued by Google, which Secrets Manager "
            "cannot rotate; rotated by putting the new value when the channel re-authorizes.",
        )
        return secret

    # --------------------------------------------------------------------------- MediaConvert
    def _mediaconvert_role(self) -> iam.Role:
        """What MediaConvert jobs run as: read inputs and write outputs under the bucket's two
        prefixes, for jobs of this account only (confused-deputy condition)."""
        role = iam.Role(
            self,
            "MediaConvertRole",
            assumed_by=iam.ServicePrincipal(
                "mediaconvert.amazonaws.com",
                conditions={"StringEquals": {"aws:SourceAccount": self.account}},
            ),
            description=f"MangaFlow {self.config.stage} MediaConvert jobs: the video bucket's "
            "renders/ and videos/ only.",
        )
        for prefix in PREFIXES:
            self.bucket.grant_read(role, f"{prefix}*")
            self.bucket.grant_put(role, f"{prefix}*")
        bucket = self.get_logical_id(self.bucket.node.default_child)  # type: ignore[arg-type]
        for prefix in PREFIXES:
            acknowledge(
                role,
                wildcard_resource_finding(f"<{bucket}.Arn>/{prefix}*"),
                f"bucket.grant_read/grant_put on {prefix}: MediaConvert reads a job's inputs "
                "and writes its outputs under this prefix (keys are per request).",
            )
        for action in ("s3:GetObject*", "s3:GetBucket*", "s3:List*", "s3:Abort*"):
            acknowledge(
                role,
                f"AwsSolutions-IAM5[Action::{action}]",
                "The action groups of bucket.grant_read/grant_put (read, write, abort "
                "multipart uploads; no delete), on the video bucket's two prefixes only.",
            )
        return role

    # ------------------------------------------------------------------------------- alerts
    def _alert_topic(self) -> tuple[kms.Key, sns.Topic]:
        """A customer managed key, not ``alias/aws/sns``: AWS Budgets can only publish to an
        encrypted topic whose key policy lets it use the key, and an AWS managed key's
        policy cannot be changed."""
        config, budgets_service = self.config, iam.ServicePrincipal("budgets.amazonaws.com")
        from_this_account = {"StringEquals": {"aws:SourceAccount": self.account}}
        key = kms.Key(
            self,
            "AlertKey",
            description=f"MangaFlow {config.stage}: encrypts the video alert topic.",
            enable_key_rotation=True,
            removal_policy=config.removal_policy,
        )
        key.add_to_resource_policy(
            iam.PolicyStatement(
                actions=["kms:GenerateDataKey*", "kms:Decrypt"],
                principals=[budgets_service],
                resources=["*"],  # in a key policy: this key
                conditions=from_this_account,
            )
        )
        topic = sns.Topic(
            self,
            "AlertTopic",
            topic_name=config.name("video-alerts"),
            display_name=f"MangaFlow {config.stage} video alerts",
            master_key=key,
            enforce_ssl=True,
        )
        topic.add_to_resource_policy(
            iam.PolicyStatement(
                actions=["sns:Publish"],
                principals=[budgets_service],
                resources=[topic.topic_arn],
                conditions={
                    **from_this_account,
                    "ArnLike": {"aws:SourceArn": f"arn:{self.partition}:budgets::{self.account}:*"},
                },
            )
        )
        if self.alert_email:
            topic.add_subscription(subscriptions.EmailSubscription(self.alert_email))
        return key, topic

    def _budget(self) -> budgets.CfnBudget:
        """The monthly cost of the account (AWS Budgets cannot single out Polly and
        MediaConvert reliably: no resource tags on Polly) against ``videoMonthlyBudgetUsd``,
        a backstop for the flows' own caps (``MANGAFLOW_VIDEO_*_CAP_USD``)."""
        subscriber = budgets.CfnBudget.SubscriberProperty(
            address=self.alert_topic.topic_arn, subscription_type="SNS"
        )
        budget = budgets.CfnBudget(
            self,
            "MonthlyBudget",
            budget=budgets.CfnBudget.BudgetDataProperty(
                budget_name=self.config.name("video-monthly"),
                budget_type="COST",
                time_unit="MONTHLY",
                budget_limit=budgets.CfnBudget.SpendProperty(
                    amount=self.monthly_budget_usd, unit="USD"
                ),
            ),
            notifications_with_subscribers=[
                budgets.CfnBudget.NotificationWithSubscribersProperty(
                    notification=budgets.CfnBudget.NotificationProperty(
                        notification_type=kind,
                        comparison_operator="GREATER_THAN",
                        threshold=percent,
                        threshold_type="PERCENTAGE",
                    ),
                    subscribers=[subscriber],
                )
                for kind, percent in BUDGET_NOTIFICATIONS
            ],
        )
        # Budgets checks it may publish when the budget is created: after the topic policy.
        budget.node.add_dependency(self.alert_topic)
        return budget

    # ----------------------------------------------------------------------------- schedule
    def _trends_schedule(self) -> scheduler.Schedule:
        """As the catalog's schedules: EventBridge Scheduler puts a platform event (eventId:
        the execution id, the same on every retry) on the bus, every day at 08:00 New York
        time (daylight saving followed)."""
        execution = scheduler.ContextAttribute.execution_id
        return scheduler.Schedule(
            self,
            "TrendsSchedule",
            schedule_name=self.config.name("video-trends"),
            description="Daily trends run (video.trends.requested): 08:00 America/New_York.",
            schedule=scheduler.ScheduleExpression.expression(TRENDS_CRON, TRENDS_TIME_ZONE),
            target=scheduler_targets.EventBridgePutEvents(
                scheduler_targets.EventBridgePutEventsEntry(
                    event_bus=self.bus,
                    source=SOURCE,
                    detail_type=TRENDS_DETAIL_TYPE,
                    detail=scheduler.ScheduleTargetInput.from_object(
                        {
                            "eventId": execution,
                            "userId": "system",
                            "requestId": execution,
                            "timestamp": scheduler.ContextAttribute.scheduled_time,
                        }
                    ),
                ),
                retry_attempts=3,
                max_event_age=cdk.Duration.hours(1),
            ),
        )

    # --------------------------------------------------------------------------------- IAM
    def _grant(self, role: iam.IRole) -> None:
        """Least privilege for flow code: read the YouTube secret, read/write under the
        bucket's two prefixes, create and read MediaConvert jobs on this queue and pass the
        MediaConvert role (to MediaConvert only), publish alerts, synthesize speech."""
        self.youtube_secret.grant_read(role)
        for prefix in PREFIXES:
            self.bucket.grant_read_write(role, f"{prefix}*")
        jobs = self.format_arn(service="mediaconvert", resource="jobs", resource_name="*")
        role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["mediaconvert:CreateJob", "mediaconvert:GetJob"],
                resources=[self.mediaconvert_queue.attr_arn, jobs],
            )
        )
        role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["iam:PassRole"],
                resources=[self.mediaconvert_role.role_arn],
                conditions={"StringEquals": {"iam:PassedToService": "mediaconvert.amazonaws.com"}},
            )
        )
        self.alert_topic.grant_publish(role)
        role.add_to_principal_policy(
            iam.PolicyStatement(actions=["polly:SynthesizeSpeech"], resources=["*"])
        )
        self._acknowledge_grants(role)

    def _acknowledge_grants(self, role: iam.IRole) -> None:
        bucket = self.get_logical_id(self.bucket.node.default_child)  # type: ignore[arg-type]
        for prefix in PREFIXES:
            acknowledge(
                role,
                wildcard_resource_finding(f"<{bucket}.Arn>/{prefix}*"),
                f"bucket.grant_read_write on {prefix}: flows write and read render inputs and "
                "finished videos under this prefix of the video bucket (keys are per request).",
            )
        for action in ("s3:GetObject*", "s3:GetBucket*", "s3:List*", "s3:DeleteObject*",
                       "s3:Abort*"):  # fmt: skip
            acknowledge(
                role,
                f"AwsSolutions-IAM5[Action::{action}]",
                "The action groups of bucket.grant_read_write (read, write, delete, abort "
                "multipart uploads), on the video bucket's two prefixes only.",
            )
        acknowledge(
            role,
            wildcard_resource_finding(
                "arn:<AWS::Partition>:mediaconvert:<AWS::Region>:<AWS::AccountId>:jobs/*"
            ),
            "CreateJob and GetJob authorize on the job resource, whose id MediaConvert assigns "
            "when the job is created; CreateJob is also scoped to this stack's queue.",
        )
        acknowledge(
            role,
            "AwsSolutions-IAM5[Resource::*]",
            "polly:SynthesizeSpeech: its only resource type is a pronunciation lexicon, and "
            "the narration uses none; the action reads no stored data.",
        )
        acknowledge(
            role,
            "AwsSolutions-IAM5[Action::kms:GenerateDataKey*]",
            "topic.grant_publish: publishing to the KMS-encrypted alert topic needs data keys "
            "of its key (this stack's AlertKey only).",
        )
