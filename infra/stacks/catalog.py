"""The catalog's part of the CDK app (anime metadata sync + vector search): ``MangaFlow-<stage>-
Catalog``, on top of the platform's stacks.

- a DynamoDB table of catalog records (``PK``/``SK``; ``GSI1`` = the system-status index
  listing ACTIVE / ORPHANED / PENDING_REVIEW entries; TTL ``ttl`` for enrichment locks and
  image-download failure records);
- a bucket for catalog data (``images/``, ``processed/``, ``sources/``) and a CloudFront
  distribution that can read ``images/`` only (origin access control, HTTPS only);
- the dead-letter queue of image ingestion (a flow sends an image it gave up on, with the
  reason) and an alarm on its depth to the platform's alarm topic;
- secrets for the Qdrant URL + key and the optional enricher keys (values set after deploy);
- three schedules that put the catalog's start events on the platform bus (the Events stack
  routes them to their flows once the catalog's routes are in ``mangaflow.products.routes()``);
- grants for the flow runs' task role (Workers stack), and the settings as outputs
  (:data:`SETTINGS`).

Context (``cdk deploy -c key=value``): ``catalogCdnDomainName`` and
``catalogCdnCertificateArn`` (an ACM certificate in us-east-1), both or neither: the images
served on that domain with TLS 1.2 at least. Without them, the ``*.cloudfront.net`` domain.
"""

from __future__ import annotations

from dataclasses import dataclass

import aws_cdk as cdk
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_scheduler_targets as scheduler_targets
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from stacks.config import StageConfig
from stacks.nag import acknowledge, wildcard_resource_finding
from stacks.platform import PlatformStacks
from stacks.platform.events import event_bus_name
from stacks.platform.monitoring import PERIOD, alarm_topic_name
from stacks.platform.storage import access_logs_bucket

#: The source of every event the catalog's schedules put on the bus.
SOURCE = "mangaflow.catalog"
#: The prefixes of the catalog bucket; flows may read and write these only.
PREFIXES = ("images/", "processed/", "sources/")
#: The prefix the CDN serves (``https://<domain>/images/<content hash>.<ext>``).
IMAGES_PREFIX = "images/"
#: Time to live of a record: epoch seconds in this attribute (locks, failed downloads).
TTL_ATTRIBUTE = "ttl"


@dataclass(frozen=True)
class CatalogSchedule:
    key: str  # construct id part and schedule name suffix
    detail_type: str
    cron: str  # EventBridge Scheduler cron, evaluated in UTC
    description: str


SCHEDULES = (
    CatalogSchedule("Sync", "catalog.sync.requested", "cron(0 1 ? * SAT *)",
                    "Weekly sync with the offline database: Saturday 01:00 UTC."),
    CatalogSchedule("Snapshot", "catalog.snapshot.requested", "cron(0 2 ? * SUN *)",
                    "Weekly snapshot of the catalog to processed/: Sunday 02:00 UTC."),
    CatalogSchedule("Airing", "catalog.airing.requested", "cron(30 0 * * ? *)",
                    "Daily airing scheduler (episodes of the next 24 h): 00:30 UTC."),
)  # fmt: skip

#: The settings the catalog's code reads -> the output of this stack that holds each value.
SETTINGS = {
    "MANGAFLOW_CATALOG_TABLE": "CatalogTableName",
    "MANGAFLOW_CATALOG_BUCKET": "CatalogBucketName",
    "MANGAFLOW_CATALOG_CDN_DOMAIN": "CatalogCdnDomain",
    "MANGAFLOW_CATALOG_DLQ_URL": "CatalogDlqUrl",
    "MANGAFLOW_QDRANT_SECRET_ARN": "QdrantSecretArn",
}


def catalog_table_name(config: StageConfig) -> str:
    return config.name("catalog")


def catalog_bucket_name(config: StageConfig) -> str:
    """Fixed and globally unique, like the episode bucket's."""
    return f"{config.name('catalog')}-{cdk.Aws.ACCOUNT_ID}-{cdk.Aws.REGION}"


def build(
    app: cdk.App, platform: PlatformStacks, config: StageConfig, env: cdk.Environment | None
) -> tuple[cdk.Stack, ...]:
    return (
        CatalogStack(
            app,
            f"MangaFlow-{config.stage}-Catalog",
            config=config,
            platform=platform,
            env=env,
        ),
    )


class CatalogStack(cdk.Stack):
    def __init__(  # type: ignore[no-untyped-def]
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: StageConfig,
        platform: PlatformStacks,
        **kwargs,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.config = config
        # The bus and the alarm topic by their fixed names (no export pins them); these
        # dependencies keep the deploy order.
        self.add_stack_dependency(platform.events)
        self.add_stack_dependency(platform.monitoring)
        self.bus = events.EventBus.from_event_bus_name(self, "PlatformBus", event_bus_name(config))
        self.alarm_topic = sns.Topic.from_topic_arn(
            self,
            "PlatformAlarmTopic",
            self.format_arn(service="sns", resource=alarm_topic_name(config)),
        )

        self.table = self._table()
        self.access_logs_bucket, self.bucket = self._buckets()
        self.distribution = self._distribution()
        self.dlq, self.dlq_alarm = self._dead_letters()
        self.qdrant_secret, self.enricher_secret = self._secrets()
        self.schedules = {s.key: self._schedule(s) for s in SCHEDULES}
        # What flow code may do: the task role of the Workers stack (imported: the policy
        # lives here, so the Workers stack needs nothing of the catalog's).
        self.flow_runs_role = iam.Role.from_role_arn(
            self, "FlowRunTaskRole", platform.workers.task_role.role_arn, mutable=True
        )
        self._grant(self.flow_runs_role)

        values = {
            "MANGAFLOW_CATALOG_TABLE": self.table.table_name,
            "MANGAFLOW_CATALOG_BUCKET": self.bucket.bucket_name,
            "MANGAFLOW_CATALOG_CDN_DOMAIN": self.cdn_domain,
            "MANGAFLOW_CATALOG_DLQ_URL": self.dlq.queue_url,
            "MANGAFLOW_QDRANT_SECRET_ARN": self.qdrant_secret.secret_arn,
        }
        #: setting -> value (tokens), for whatever passes them to the flows' environment.
        self.settings = values
        for setting, output in SETTINGS.items():
            cdk.CfnOutput(self, output, value=values[setting], description=setting)
        cdk.CfnOutput(
            self,
            "EnricherKeysSecretArn",
            value=self.enricher_secret.secret_arn,
            description="the catalog enrichers' optional API keys (JSON)",
        )

    # ------------------------------------------------------------------------------ storage
    def _table(self) -> dynamodb.TableV2:
        config, string = self.config, dynamodb.AttributeType.STRING
        return dynamodb.TableV2(
            self,
            "CatalogTable",
            table_name=catalog_table_name(config),
            partition_key=dynamodb.Attribute(name="PK", type=string),
            sort_key=dynamodb.Attribute(name="SK", type=string),
            billing=dynamodb.Billing.on_demand(),
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            encryption=dynamodb.TableEncryptionV2.aws_managed_key(),
            time_to_live_attribute=TTL_ATTRIBUTE,
            deletion_protection=config.is_prod,
            removal_policy=config.removal_policy,
            global_secondary_indexes=[
                # The system-status index: GSI1PK = the status (ACTIVE, ORPHANED,
                # PENDING_REVIEW), GSI1SK orders the entries of one status.
                dynamodb.GlobalSecondaryIndexPropsV2(
                    index_name="GSI1",
                    partition_key=dynamodb.Attribute(name="GSI1PK", type=string),
                    sort_key=dynamodb.Attribute(name="GSI1SK", type=string),
                ),
            ],
        )

    def _buckets(self) -> tuple[s3.Bucket, s3.Bucket]:
        config, auto_delete = self.config, not self.config.is_prod
        access_logs = access_logs_bucket(self, config)
        bucket = s3.Bucket(
            self,
            "CatalogBucket",
            bucket_name=catalog_bucket_name(config),
            encryption=s3.BucketEncryption.S3_MANAGED,  # CloudFront (OAC) reads it without KMS
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            versioned=True,
            server_access_logs_bucket=access_logs,
            server_access_logs_prefix="catalog-bucket/",
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="abort-incomplete-multipart-uploads",
                    abort_incomplete_multipart_upload_after=cdk.Duration.days(7),
                ),
                s3.LifecycleRule(
                    id="expire-noncurrent-versions",
                    noncurrent_version_expiration=cdk.Duration.days(30),
                ),
            ],
            removal_policy=config.removal_policy,
            auto_delete_objects=auto_delete,
        )
        return access_logs, bucket

    # --------------------------------------------------------------------------------- CDN
    def _distribution(self) -> cloudfront.Distribution:
        """HTTPS only, origin access control, and readable ``images/`` only: the bucket policy
        statement is this stack's own (S3BucketOrigin would grant ``GetObject`` on every key),
        so the origin gets the bucket as an import it cannot change."""
        domain, certificate_arn = self._custom_domain()
        certificate = (
            acm.Certificate.from_certificate_arn(self, "CdnCertificate", certificate_arn)
            if certificate_arn
            else None
        )
        origin_bucket = s3.Bucket.from_bucket_attributes(
            self,
            "ImagesOriginBucket",
            bucket_arn=self.bucket.bucket_arn,
            bucket_name=self.bucket.bucket_name,
            bucket_regional_domain_name=self.bucket.bucket_regional_domain_name,
        )
        oac = cloudfront.S3OriginAccessControl(
            self,
            "ImagesOac",
            description=f"{self.config.name('catalog')}: CloudFront reads catalog images",
            signing=cloudfront.Signing.SIGV4_ALWAYS,
        )
        distribution = cloudfront.Distribution(
            self,
            "ImagesCdn",
            comment=f"{self.config.name('catalog')} images (images/ of the catalog bucket)",
            default_behavior=cloudfront.BehaviorOptions(
                origin=origins.S3BucketOrigin.with_origin_access_control(
                    origin_bucket, origin_access_control=oac
                ),
                viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
                allowed_methods=cloudfront.AllowedMethods.ALLOW_GET_HEAD,
                cached_methods=cloudfront.CachedMethods.CACHE_GET_HEAD,
                cache_policy=cloudfront.CachePolicy.CACHING_OPTIMIZED,
                response_headers_policy=cloudfront.ResponseHeadersPolicy.SECURITY_HEADERS,
                compress=True,
            ),
            domain_names=[domain] if domain else None,
            certificate=certificate,
            # Only applies with a certificate of our own (see the CFR4 acknowledgment).
            minimum_protocol_version=cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021
            if certificate
            else None,
            price_class=cloudfront.PriceClass.PRICE_CLASS_100,
            http_version=cloudfront.HttpVersion.HTTP2_AND_3,
            enable_logging=True,
            log_bucket=self.access_logs_bucket,
            log_file_prefix="images-cdn/",
        )
        self.bucket.add_to_resource_policy(
            iam.PolicyStatement(
                sid="CloudFrontReadsImagesOnly",
                actions=["s3:GetObject"],
                principals=[iam.ServicePrincipal("cloudfront.amazonaws.com")],
                resources=[self.bucket.arn_for_objects(f"{IMAGES_PREFIX}*")],
                conditions={"StringEquals": {"AWS:SourceArn": distribution.distribution_arn}},
            )
        )
        cdk.Annotations.of(distribution).acknowledge_warning(
            "@aws-cdk/aws-cloudfront-origins:updateImportedBucketPolicyOac",
            "The bucket policy statement for the distribution is added by this stack, "
            "scoped to images/ (CloudFrontReadsImagesOnly).",
        )
        self.cdn_domain = domain or distribution.distribution_domain_name
        self._acknowledge_distribution(distribution, custom_certificate=certificate is not None)
        return distribution

    def _custom_domain(self) -> tuple[str | None, str | None]:
        domain = self.node.try_get_context("catalogCdnDomainName")
        certificate = self.node.try_get_context("catalogCdnCertificateArn")
        if bool(domain) != bool(certificate):
            raise ValueError(
                "context catalogCdnDomainName and catalogCdnCertificateArn go together: the "
                "domain needs a certificate (ACM, us-east-1) and the certificate a domain"
            )
        return (str(domain), str(certificate)) if domain else (None, None)

    def _acknowledge_distribution(
        self, distribution: cloudfront.Distribution, *, custom_certificate: bool
    ) -> None:
        acknowledge(
            distribution,
            "AwsSolutions-CFR1",
            "Catalog images (covers, posters, banners) are public artwork served worldwide; "
            "there is no country they must be withheld from.",
        )
        acknowledge(
            distribution,
            "AwsSolutions-CFR2",
            "No WAF web ACL: the distribution serves cached, static images by GET/HEAD only "
            "(no origin logic to protect), and a web ACL costs a monthly fee per stage.",
        )
        if not custom_certificate:
            acknowledge(
                distribution,
                "AwsSolutions-CFR4",
                "Without -c catalogCdnDomainName/catalogCdnCertificateArn the distribution "
                "uses the default *.cloudfront.net certificate, whose security policy "
                "CloudFront fixes (TLSv1); with a certificate of our own TLSv1.2_2021 is set.",
            )

    # ------------------------------------------------------------------------- dead letters
    def _dead_letters(self) -> tuple[sqs.Queue, cw.Alarm]:
        config = self.config
        dlq = sqs.Queue(
            self,
            "ImageIngestionDlq",
            queue_name=config.name("catalog-image-dlq"),
            retention_period=cdk.Duration.days(14),
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            removal_policy=config.removal_policy,
        )
        acknowledge(
            dlq,
            "AwsSolutions-SQS3",
            "This queue is itself the dead-letter queue of image ingestion: flows send an image "
            "they gave up on (after their retries) here with the reason; nothing consumes it "
            "automatically, so a further DLQ would never receive anything.",
        )
        # As the platform's MonitoringStack: the plain metric, > 0 in 5 minutes, to its topic.
        alarm = cw.Alarm(
            self,
            "ImageIngestionDlqNotEmpty",
            alarm_name=config.name("CatalogImageDlqNotEmpty"),
            alarm_description="Catalog: image downloads or uploads landed in the dead-letter "
            "queue (see MANGAFLOW_CATALOG_DLQ_URL).",
            metric=dlq.metric_approximate_number_of_messages_visible(
                period=PERIOD, statistic="Maximum"
            ),
            threshold=0,
            comparison_operator=cw.ComparisonOperator.GREATER_THAN_THRESHOLD,
            evaluation_periods=1,
            treat_missing_data=cw.TreatMissingData.NOT_BREACHING,
        )
        alarm.add_alarm_action(cw_actions.SnsAction(self.alarm_topic))
        return dlq, alarm

    # ------------------------------------------------------------------------------ secrets
    def _secrets(self) -> tuple[secretsmanager.Secret, secretsmanager.Secret]:
        """Created with a generated placeholder, as the Prefect secret of the Events stack;
        the values are put after deploy (``aws secretsmanager put-secret-value``)."""
        config = self.config
        qdrant = secretsmanager.Secret(
            self,
            "QdrantSecret",
            secret_name=config.name("catalog-qdrant"),
            description='Qdrant of the catalog: JSON {"url": "https://...", "key": "..."}; '
            "set after deploy.",
            removal_policy=config.removal_policy,
        )
        enrichers = secretsmanager.Secret(
            self,
            "EnricherKeysSecret",
            secret_name=config.name("catalog-enricher-keys"),
            description="Optional API keys of the catalog enrichers: a JSON object, one key "
            'per enricher (e.g. {"mal_client_id": "..."}); "{}" for none. Set after deploy.',
            removal_policy=config.removal_policy,
        )
        for secret in (qdrant, enrichers):
            acknowledge(
                secret,
                "AwsSolutions-SMG4",
                "Holds keys issued by third parties (Qdrant Cloud, the enrichers' APIs) that "
                "Secrets Manager cannot rotate; rotated by putting the new value when the "
                "issuer gives one.",
            )
        return qdrant, enrichers

    # ---------------------------------------------------------------------------- schedules
    def _schedule(self, spec: CatalogSchedule) -> scheduler.Schedule:
        """EventBridge Scheduler, not a scheduled rule: a rule's target on another bus gets
        the rule's own event ("Scheduled Event" from aws.events), while Scheduler's PutEvents
        target sets the source and detail-type. The detail is a platform event's (eventId
        for the webhook's idempotency: the execution id, the same on every retry)."""
        execution = scheduler.ContextAttribute.execution_id
        scheduled_time = scheduler.ContextAttribute.scheduled_time
        return scheduler.Schedule(
            self,
            f"{spec.key}Schedule",
            schedule_name=self.config.name(f"catalog-{spec.key.lower()}"),
            description=spec.description,
            schedule=scheduler.ScheduleExpression.expression(spec.cron, cdk.TimeZone.ETC_UTC),
            target=scheduler_targets.EventBridgePutEvents(
                scheduler_targets.EventBridgePutEventsEntry(
                    event_bus=self.bus,
                    source=SOURCE,
                    detail_type=spec.detail_type,
                    detail=scheduler.ScheduleTargetInput.from_object(
                        {
                            "eventId": execution,
                            "userId": "system",
                            "requestId": execution,
                            "timestamp": scheduled_time,
                        }
                    ),
                ),
                retry_attempts=3,
                max_event_age=cdk.Duration.hours(1),
            ),
        )

    # --------------------------------------------------------------------------------- IAM
    def _grant(self, role: iam.IRole) -> None:
        """Least privilege for flow code: the table (and its index), read/write under the
        bucket's three prefixes, send to the DLQ, read the two secrets."""
        self.table.grant_read_write_data(role)
        for prefix in PREFIXES:
            self.bucket.grant_read_write(role, f"{prefix}*")
        self.dlq.grant_send_messages(role)
        self.qdrant_secret.grant_read(role)
        self.enricher_secret.grant_read(role)
        self._acknowledge_grants(role)

    def _acknowledge_grants(self, role: iam.IRole) -> None:
        table = self.get_logical_id(self.table.node.default_child)  # type: ignore[arg-type]
        bucket = self.get_logical_id(self.bucket.node.default_child)  # type: ignore[arg-type]
        policy = role  # the imported role's policy is its child
        acknowledge(
            policy,
            wildcard_resource_finding(f"<{table}.Arn>/index/*"),
            "table.grant_read_write_data: flows query GSI1 (the system-status index) of the "
            "catalog table; the wildcard covers only its indexes.",
        )
        for prefix in PREFIXES:
            acknowledge(
                policy,
                wildcard_resource_finding(f"<{bucket}.Arn>/{prefix}*"),
                f"bucket.grant_read_write on {prefix}: flows write and read objects under "
                "this prefix of the catalog bucket (keys are content hashes and dates).",
            )
        for action in ("s3:GetObject*", "s3:GetBucket*", "s3:List*", "s3:DeleteObject*",
                       "s3:Abort*"):  # fmt: skip
            acknowledge(
                policy,
                f"AwsSolutions-IAM5[Action::{action}]",
                "The action groups of bucket.grant_read_write (read, write, delete, abort "
                "multipart uploads), on the catalog bucket's three prefixes only.",
            )
