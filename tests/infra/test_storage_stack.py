"""StorageStack: the single DynamoDB table and the episode bucket."""

from __future__ import annotations

import pytest
from aws_cdk.assertions import Match, Template

from tests.infra.synth import Built

pytestmark = pytest.mark.slow


def test_table_keys_gsis_billing_pitr_and_sse(templates: dict[str, Template]) -> None:
    t = templates["storage"]
    t.resource_count_is("AWS::DynamoDB::GlobalTable", 1)
    t.has_resource_properties(
        "AWS::DynamoDB::GlobalTable",
        {
            "KeySchema": [
                {"AttributeName": "PK", "KeyType": "HASH"},
                {"AttributeName": "SK", "KeyType": "RANGE"},
            ],
            "AttributeDefinitions": Match.array_with(
                [{"AttributeName": n, "AttributeType": "S"} for n in ("PK", "SK")]
            ),
            "BillingMode": "PAY_PER_REQUEST",
            "SSESpecification": {"SSEEnabled": True},
            "GlobalSecondaryIndexes": [
                {
                    "IndexName": f"GSI{i}",
                    "KeySchema": [
                        {"AttributeName": f"GSI{i}PK", "KeyType": "HASH"},
                        {"AttributeName": f"GSI{i}SK", "KeyType": "RANGE"},
                    ],
                    "Projection": {"ProjectionType": "ALL"},
                }
                for i in (1, 2)
            ],
            "Replicas": [
                Match.object_like(
                    {"PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True}}
                )
            ],
        },
    )


def test_episode_bucket_encrypted_private_versioned_with_lifecycle(
    templates: dict[str, Template],
) -> None:
    t = templates["storage"]
    t.has_resource_properties(
        "AWS::S3::Bucket",
        {
            "BucketName": Match.any_value(),
            "BucketEncryption": {
                "ServerSideEncryptionConfiguration": [
                    {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}
                ]
            },
            "PublicAccessBlockConfiguration": {
                "BlockPublicAcls": True,
                "BlockPublicPolicy": True,
                "IgnorePublicAcls": True,
                "RestrictPublicBuckets": True,
            },
            "VersioningConfiguration": {"Status": "Enabled"},
            "LoggingConfiguration": Match.object_like({"LogFilePrefix": "episode-bucket/"}),
            "LifecycleConfiguration": {
                "Rules": Match.array_with(
                    [
                        Match.object_like(
                            {"AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7},
                             "Status": "Enabled"}
                        ),
                        Match.object_like(
                            {"Transitions": [{"StorageClass": "STANDARD_IA",
                                              "TransitionInDays": 90}]}
                        ),
                    ]
                )
            },
        },
    )  # fmt: skip


def test_every_bucket_denies_non_tls_requests(templates: dict[str, Template]) -> None:
    t = templates["storage"]
    policies = t.find_resources("AWS::S3::BucketPolicy")
    assert len(policies) == 2  # episode bucket + its access-log bucket
    for policy in policies.values():
        statements = policy["Properties"]["PolicyDocument"]["Statement"]
        assert any(
            s["Effect"] == "Deny"
            and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
            and s["Principal"] == {"AWS": "*"}
            for s in statements
        ), statements


def test_removal_policy_retain_in_prod_destroy_in_dev(dev: Built, prod: Built) -> None:
    prod_t = Template.from_stack(prod[1].platform.storage)
    prod_t.has_resource(
        "AWS::DynamoDB::GlobalTable", {"DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain"}
    )
    for bucket in prod_t.find_resources("AWS::S3::Bucket").values():
        assert bucket["DeletionPolicy"] == "Retain"
    prod_t.resource_count_is("Custom::S3AutoDeleteObjects", 0)
    dev_t = Template.from_stack(dev[1].platform.storage)
    dev_t.has_resource("AWS::DynamoDB::GlobalTable", {"DeletionPolicy": "Delete"})  # fmt: skip
