"""CatalogStack: the catalog's table, bucket + images CDN, image-ingestion DLQ + alarm, secrets,
schedules on the platform bus, and the flow runs' grants. (The dev and prod apps are
synthesized once per session, under cdk-nag: ``tests/infra/conftest.py``.)"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from aws_cdk.assertions import Match, Template

from tests.infra.synth import Built

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def catalog(dev: Built) -> Template:
    (stack,) = dev[1].products["catalog"]
    return Template.from_stack(stack)


def _statements(t: Template, resource_type: str) -> list[dict[str, Any]]:
    return [
        statement
        for resource in t.find_resources(resource_type).values()
        for statement in resource["Properties"]["PolicyDocument"]["Statement"]
    ]


def _actions(statement: dict[str, Any]) -> set[str]:
    actions = statement["Action"]
    return {actions} if isinstance(actions, str) else set(actions)


def _flow_runs_policy(t: Template) -> list[dict[str, Any]]:
    (policy,) = [
        p for k, p in t.find_resources("AWS::IAM::Policy").items() if k.startswith("FlowRun")
    ]
    return policy["Properties"]["PolicyDocument"]["Statement"]  # type: ignore[no-any-return]


# --------------------------------------------------------------------------------- table
def test_table_keys_status_index_ttl_billing_pitr_and_sse(catalog: Template) -> None:
    catalog.resource_count_is("AWS::DynamoDB::GlobalTable", 1)
    catalog.has_resource_properties(
        "AWS::DynamoDB::GlobalTable",
        {
            "TableName": "mangaflow-dev-catalog",
            "KeySchema": [
                {"AttributeName": "PK", "KeyType": "HASH"},
                {"AttributeName": "SK", "KeyType": "RANGE"},
            ],
            "AttributeDefinitions": Match.array_with(
                [{"AttributeName": n, "AttributeType": "S"}
                 for n in ("PK", "SK", "GSI1PK", "GSI1SK")]
            ),
            "BillingMode": "PAY_PER_REQUEST",
            "SSESpecification": {"SSEEnabled": True},
            "TimeToLiveSpecification": {"AttributeName": "ttl", "Enabled": True},
            "GlobalSecondaryIndexes": [
                {
                    "IndexName": "GSI1",
                    "KeySchema": [
                        {"AttributeName": "GSI1PK", "KeyType": "HASH"},
                        {"AttributeName": "GSI1SK", "KeyType": "RANGE"},
                    ],
                    "Projection": {"ProjectionType": "ALL"},
                }
            ],
            "Replicas": [
                Match.object_like(
                    {"PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True}}
                )
            ],
        },
    )  # fmt: skip


def test_removal_policy_retain_in_prod_destroy_in_dev(catalog: Template, prod: Built) -> None:
    (stack,) = prod[1].products["catalog"]
    prod_t = Template.from_stack(stack)
    prod_t.has_resource(
        "AWS::DynamoDB::GlobalTable", {"DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain"}
    )
    prod_t.has_resource_properties(
        "AWS::DynamoDB::GlobalTable",
        {"Replicas": [Match.object_like({"DeletionProtectionEnabled": True})]},
    )
    for kind in ("AWS::S3::Bucket", "AWS::SecretsManager::Secret", "AWS::SQS::Queue"):
        for resource in prod_t.find_resources(kind).values():
            assert resource["DeletionPolicy"] == "Retain", kind
    prod_t.resource_count_is("Custom::S3AutoDeleteObjects", 0)
    catalog.has_resource("AWS::DynamoDB::GlobalTable", {"DeletionPolicy": "Delete"})


# ------------------------------------------------------------------------- bucket + CDN
def test_catalog_bucket_private_encrypted_versioned_logged(catalog: Template) -> None:
    buckets = catalog.find_resources("AWS::S3::Bucket")
    assert len(buckets) == 2  # the catalog bucket + its access-log bucket
    for bucket in buckets.values():
        props = bucket["Properties"]
        assert props["PublicAccessBlockConfiguration"] == {
            "BlockPublicAcls": True, "BlockPublicPolicy": True,
            "IgnorePublicAcls": True, "RestrictPublicBuckets": True,
        }  # fmt: skip
        assert props["BucketEncryption"] == {"ServerSideEncryptionConfiguration": [
            {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]}  # fmt: skip
    catalog.has_resource_properties(
        "AWS::S3::Bucket",
        {
            "BucketName": {"Fn::Join": ["", ["mangaflow-dev-catalog-",
                                             {"Ref": "AWS::AccountId"}, "-",
                                             {"Ref": "AWS::Region"}]]},
            "VersioningConfiguration": {"Status": "Enabled"},
            "LoggingConfiguration": Match.object_like({"LogFilePrefix": "catalog-bucket/"}),
        },
    )  # fmt: skip


def test_every_bucket_denies_non_tls_and_allows_no_one_but_cloudfront(catalog: Template) -> None:
    policies = catalog.find_resources("AWS::S3::BucketPolicy")
    assert len(policies) == 2
    for policy in policies.values():
        statements = policy["Properties"]["PolicyDocument"]["Statement"]
        assert any(
            s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
            for s in statements
        ), statements
        for s in statements:  # nothing is granted to everyone
            assert not (s["Effect"] == "Allow" and s["Principal"] in ("*", {"AWS": "*"})), s


def test_cdn_is_https_only_with_origin_access_control_on_images_only(catalog: Template) -> None:
    catalog.resource_count_is("AWS::CloudFront::Distribution", 1)
    catalog.resource_count_is("AWS::CloudFront::CloudFrontOriginAccessIdentity", 0)
    catalog.has_resource_properties(
        "AWS::CloudFront::OriginAccessControl",
        {"OriginAccessControlConfig": Match.object_like(
            {"OriginAccessControlOriginType": "s3", "SigningBehavior": "always",
             "SigningProtocol": "sigv4"})},
    )  # fmt: skip
    (distribution,) = catalog.find_resources("AWS::CloudFront::Distribution").values()
    config = distribution["Properties"]["DistributionConfig"]
    behaviors = [config["DefaultCacheBehavior"], *config.get("CacheBehaviors", [])]
    assert {b["ViewerProtocolPolicy"] for b in behaviors} == {"https-only"}
    assert {m for b in behaviors for m in b["AllowedMethods"]} == {"GET", "HEAD"}
    (origin,) = config["Origins"]
    assert origin["OriginAccessControlId"]["Fn::GetAtt"][0].startswith("ImagesOac")
    assert origin["S3OriginConfig"] == {"OriginAccessIdentity": ""}
    assert config["Logging"]["Prefix"] == "images-cdn/"
    # CloudFront may read images/ and nothing else of the bucket, for this distribution only.
    (grant,) = [s for s in _statements(catalog, "AWS::S3::BucketPolicy")
                if s.get("Principal") == {"Service": "cloudfront.amazonaws.com"}]  # fmt: skip
    assert grant["Action"] == "s3:GetObject"
    assert grant["Resource"]["Fn::Join"][1][-1] == "/images/*"
    source = json.dumps(grant["Condition"]["StringEquals"]["AWS:SourceArn"])
    assert ":distribution/" in source and "ImagesCdn" in source


def test_cdn_domain_is_an_output(catalog: Template) -> None:
    outputs = catalog.to_json()["Outputs"]
    (distribution,) = catalog.find_resources("AWS::CloudFront::Distribution")
    assert outputs["CatalogCdnDomain"]["Value"] == {"Fn::GetAtt": [distribution, "DomainName"]}
    assert outputs["CatalogCdnDomain"]["Description"] == "MANGAFLOW_CATALOG_CDN_DOMAIN"


def test_a_custom_domain_gets_its_certificate_and_tls_1_2(tmp_path: Path) -> None:
    """With -c catalogCdnDomainName/catalogCdnCertificateArn: TLSv1.2_2021 at least, and no
    CFR4 acknowledgment needed (the app synthesizes under cdk-nag)."""
    import aws_cdk as cdk
    from cdk_nag import AwsSolutionsChecks
    from stacks.config import stage_config
    from stacks.mangaflow_app import MangaFlowStacks

    cert = "arn:aws:acm:us-east-1:123456789012:certificate/0f0e0d0c"
    app = cdk.App(outdir=str(tmp_path), context={
        "catalogCdnDomainName": "img.example.org", "catalogCdnCertificateArn": cert})  # fmt: skip
    stacks = MangaFlowStacks(app, stage_config("dev"))
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    app.synth()  # raises on an unacknowledged finding
    t = Template.from_stack(stacks.products["catalog"][0])
    (distribution,) = t.find_resources("AWS::CloudFront::Distribution").values()
    config = distribution["Properties"]["DistributionConfig"]
    assert config["Aliases"] == ["img.example.org"]
    assert config["ViewerCertificate"] == {"AcmCertificateArn": cert,
                                           "MinimumProtocolVersion": "TLSv1.2_2021",
                                           "SslSupportMethod": "sni-only"}  # fmt: skip
    assert t.to_json()["Outputs"]["CatalogCdnDomain"]["Value"] == "img.example.org"


def test_a_custom_domain_needs_both_settings(tmp_path: Path) -> None:
    import aws_cdk as cdk
    from stacks.config import stage_config
    from stacks.mangaflow_app import MangaFlowStacks

    app = cdk.App(outdir=str(tmp_path), context={"catalogCdnDomainName": "img.example.org"})
    with pytest.raises(ValueError, match="catalogCdnCertificateArn"):
        MangaFlowStacks(app, stage_config("dev"))


# -------------------------------------------------------------------------- DLQ + alarm
def test_image_dlq_encrypted_tls_only_14_days_with_alarm(catalog: Template) -> None:
    catalog.resource_count_is("AWS::SQS::Queue", 1)
    catalog.has_resource_properties(
        "AWS::SQS::Queue",
        {"QueueName": "mangaflow-dev-catalog-image-dlq", "SqsManagedSseEnabled": True,
         "MessageRetentionPeriod": 14 * 24 * 3600},
    )  # fmt: skip
    (policy,) = catalog.find_resources("AWS::SQS::QueuePolicy").values()
    assert any(
        s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
        for s in policy["Properties"]["PolicyDocument"]["Statement"]
    )
    (alarm,) = catalog.find_resources("AWS::CloudWatch::Alarm").values()
    props = alarm["Properties"]
    assert (props["Namespace"], props["MetricName"], props["Statistic"]) == (
        "AWS/SQS", "ApproximateNumberOfMessagesVisible", "Maximum")  # fmt: skip
    assert (props["ComparisonOperator"], props["Threshold"]) == ("GreaterThanThreshold", 0)
    assert props["TreatMissingData"] == "notBreaching"
    assert props["Dimensions"][0]["Value"]["Fn::GetAtt"][0].startswith("ImageIngestionDlq")
    (action,) = props["AlarmActions"]
    assert json.dumps(action).endswith(':mangaflow-dev-alarms"]]}')  # the platform's topic


# ------------------------------------------------------------------------------ secrets
def test_secrets_hold_no_value_in_code(catalog: Template) -> None:
    secrets = catalog.find_resources("AWS::SecretsManager::Secret")
    names = sorted(s["Properties"]["Name"] for s in secrets.values())
    assert names == ["mangaflow-dev-catalog-enricher-keys", "mangaflow-dev-catalog-qdrant"]
    for secret in secrets.values():
        assert "SecretString" not in secret["Properties"]  # a generated placeholder
        assert secret["Properties"]["GenerateSecretString"] == {}


# ---------------------------------------------------------------------------- schedules
@pytest.mark.parametrize(
    ("name", "cron", "detail_type"),
    [
        ("sync", "cron(0 1 ? * SAT *)", "catalog.sync.requested"),
        ("snapshot", "cron(0 2 ? * SUN *)", "catalog.snapshot.requested"),
        ("airing", "cron(30 0 * * ? *)", "catalog.airing.requested"),
    ],
)
def test_schedules_put_catalog_events_on_the_platform_bus(
    catalog: Template, name: str, cron: str, detail_type: str
) -> None:
    schedules = {
        s["Properties"]["Name"]: s["Properties"]
        for s in catalog.find_resources("AWS::Scheduler::Schedule").values()
    }
    assert len(schedules) == 3
    schedule = schedules[f"mangaflow-dev-catalog-{name}"]
    assert schedule["ScheduleExpression"] == cron
    assert schedule["ScheduleExpressionTimezone"] == "Etc/UTC"
    assert schedule["State"] == "ENABLED"
    target = schedule["Target"]
    assert target["EventBridgeParameters"] == {"DetailType": detail_type,
                                               "Source": "mangaflow.catalog"}  # fmt: skip
    assert json.dumps(target["Arn"]).endswith(':event-bus/mangaflow-dev-events"]]}')
    # A platform event's detail: the webhook's idempotency key is the detail's eventId.
    detail = json.loads(target["Input"])
    assert detail["eventId"] == "<aws.scheduler.execution-id>"
    assert {"userId", "requestId", "timestamp"} <= set(detail)


def test_scheduler_may_put_events_on_the_bus_only(catalog: Template) -> None:
    statements = [
        s for k, p in catalog.find_resources("AWS::IAM::Policy").items()
        if k.startswith("SchedulerRole") for s in p["Properties"]["PolicyDocument"]["Statement"]
    ]  # fmt: skip
    assert statements and all(_actions(s) == {"events:PutEvents"} for s in statements)
    assert all(json.dumps(s["Resource"]).endswith('mangaflow-dev-events"]]}') for s in statements)


# ---------------------------------------------------------------------------------- IAM
def test_flow_runs_task_role_gets_least_privilege_grants(catalog: Template, dev: Built) -> None:
    statements = _flow_runs_policy(catalog)
    by_target: dict[str, set[str]] = {}
    for s in statements:
        resources = s["Resource"] if isinstance(s["Resource"], list) else [s["Resource"]]
        for resource in resources:
            by_target.setdefault(json.dumps(resource), set()).update(_actions(s))

    def granted(fragment: str) -> set[str]:
        """The actions on every resource whose CloudFormation JSON contains ``fragment``."""
        return set().union(*(a for r, a in by_target.items() if fragment in r))

    assert {"dynamodb:Query", "dynamodb:PutItem", "dynamodb:UpdateItem"} <= granted("CatalogTable")
    assert "dynamodb:CreateTable" not in granted("CatalogTable")
    for prefix in ("images/", "processed/", "sources/"):
        assert {"s3:GetObject*", "s3:PutObject"} <= granted(f'"/{prefix}*"')
    object_resources = [r for r in by_target if "CatalogBucket" in r and "Fn::Join" in r]
    assert all(r.endswith(('/images/*"]]}', '/processed/*"]]}', '/sources/*"]]}'))
               for r in object_resources)  # no grant on the whole bucket's keys  # fmt: skip
    assert granted("ImageIngestionDlq") == {
        "sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"}  # fmt: skip
    for secret in ("QdrantSecret", "EnricherKeysSecret"):
        assert granted(secret) == {
            "secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"}  # fmt: skip
    # ... on the Workers stack's task role (imported: the Workers stack stays as it was).
    (policy,) = [p for k, p in catalog.find_resources("AWS::IAM::Policy").items()
                 if k.startswith("FlowRun")]  # fmt: skip
    (role,) = policy["Properties"]["Roles"]
    workers = dev[1].platform.workers
    assert workers.stack_name in json.dumps(role) and "TaskRole" in json.dumps(role)


# ------------------------------------------------------------------------ app + outputs
def test_settings_are_outputs(catalog: Template) -> None:
    from stacks.catalog import SETTINGS

    outputs = catalog.to_json()["Outputs"]
    assert {outputs[o]["Description"]: o for o in SETTINGS.values()} == {
        s: o for s, o in SETTINGS.items()}  # fmt: skip
    assert set(SETTINGS) == {
        "MANGAFLOW_CATALOG_TABLE", "MANGAFLOW_CATALOG_BUCKET", "MANGAFLOW_CATALOG_CDN_DOMAIN",
        "MANGAFLOW_CATALOG_DLQ_URL", "MANGAFLOW_QDRANT_SECRET_ARN"}  # fmt: skip


def test_stack_is_tagged_and_deploys_after_the_platform(catalog: Template, dev: Built) -> None:
    (stack,) = dev[1].products["catalog"]
    assert stack.stack_name == "MangaFlow-dev-Catalog"
    platform = dev[1].platform
    assert {platform.events, platform.monitoring, platform.workers} <= set(stack.dependencies)
    (table,) = catalog.find_resources("AWS::DynamoDB::GlobalTable").values()
    tags = {t["Key"]: t["Value"] for t in table["Properties"]["Replicas"][0]["Tags"]}
    assert tags == {"project": "mangaflow", "stage": "dev", "product": "catalog"}
