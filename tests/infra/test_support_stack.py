"""SupportStack: the key, the documents bucket, the table, Qdrant on Fargate, Cognito groups,
the escalation topic, CloudTrail, the chat function URL, the alarms, the tenant-scoped role,
and the aspects that fail synthesis on unencrypted or untagged resources. Built under cdk-nag
once per session (``conftest.py``): an unacknowledged finding makes the build raise."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_efs as efs
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from aws_cdk.assertions import Annotations, Match, Template
from stacks.support import SETTINGS
from stacks.support_aspects import guard
from stacks.support_qdrant import QDRANT_IMAGE

from tests.infra.video_app import actions, one

pytestmark = pytest.mark.slow

KEY = {"Fn::GetAtt": ["Key961B73FD", "Arn"]}


def key_ref(value: Any) -> bool:
    """A reference to the support key (its ARN or id)."""
    return json.dumps(value) in (json.dumps(KEY), json.dumps({"Ref": "Key961B73FD"}))


def statements(policy: Mapping[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = policy["Properties"]["PolicyDocument"]["Statement"]
    return found


# ------------------------------------------------------------------------------ KMS + data
def test_one_rotating_key_encrypts_bucket_table_topic_logs_secret_volume(support: Template) -> None:
    (key,) = support.find_resources("AWS::KMS::Key").values()
    assert key["Properties"]["EnableKeyRotation"] is True
    bucket = one(support, "AWS::S3::Bucket", "DocumentsBucket")["Properties"]
    (rule,) = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    assert key_ref(rule["ServerSideEncryptionByDefault"]["KMSMasterKeyID"])
    table = one(support, "AWS::DynamoDB::Table")["Properties"]
    assert table["SSESpecification"]["SSEEnabled"] is True
    assert key_ref(table["SSESpecification"]["KMSMasterKeyId"])
    assert key_ref(one(support, "AWS::SNS::Topic")["Properties"]["KmsMasterKeyId"])
    log_groups = support.find_resources("AWS::Logs::LogGroup")
    assert len(log_groups) == 2  # the chat function's and Qdrant's
    assert all(key_ref(g["Properties"]["KmsKeyId"]) for g in log_groups.values())
    assert key_ref(one(support, "AWS::SecretsManager::Secret")["Properties"]["KmsKeyId"])
    (service,) = support.find_resources("AWS::ECS::Service").values()
    (volume,) = service["Properties"]["VolumeConfigurations"]
    ebs = volume["ManagedEBSVolume"]
    assert ebs["Encrypted"] is True and key_ref(ebs["KmsKeyId"])


def test_documents_bucket_versioned_private_tls_only_logged(support: Template) -> None:
    bucket = one(support, "AWS::S3::Bucket", "DocumentsBucket")["Properties"]
    assert bucket["BucketName"] == {"Fn::Join": ["", [
        "mangaflow-dev-support-", {"Ref": "AWS::AccountId"}, "-", {"Ref": "AWS::Region"}]]}  # fmt: skip
    assert bucket["VersioningConfiguration"] == {"Status": "Enabled"}
    assert bucket["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True, "BlockPublicPolicy": True,
        "IgnorePublicAcls": True, "RestrictPublicBuckets": True}  # fmt: skip
    assert bucket["LoggingConfiguration"]["LogFilePrefix"] == "support-documents/"
    for policy in support.find_resources("AWS::S3::BucketPolicy").values():
        assert any(s["Effect"] == "Deny" and s["Condition"] == {
            "Bool": {"aws:SecureTransport": "false"}} for s in statements(policy))  # fmt: skip


def test_table_keys_indexes_and_point_in_time_recovery(support: Template) -> None:
    table = one(support, "AWS::DynamoDB::Table")["Properties"]
    assert table["TableName"] == "mangaflow-dev-support"
    assert table["KeySchema"] == [{"AttributeName": "PK", "KeyType": "HASH"},
                                  {"AttributeName": "SK", "KeyType": "RANGE"}]  # fmt: skip
    assert table["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    indexes = {i["IndexName"]: i["KeySchema"] for i in table["GlobalSecondaryIndexes"]}
    assert indexes == {
        n: [{"AttributeName": f"{n}PK", "KeyType": "HASH"},
            {"AttributeName": f"{n}SK", "KeyType": "RANGE"}] for n in ("GSI1", "GSI2")}  # fmt: skip


# ----------------------------------------------------------------------------- tenant IAM
def test_tenant_role_statements_carry_the_tenant_conditions(support: Template) -> None:
    by_sid = {s["Sid"]: s for s in statements(one(support, "AWS::IAM::Policy", "TenantDataRole"))}
    items = by_sid["TenantItemsOnly"]
    assert items["Condition"] == {"ForAllValues:StringLike": {
        "dynamodb:LeadingKeys": ["TENANT#${aws:PrincipalTag/tenant}#*"]}}  # fmt: skip
    assert "dynamodb:Scan" not in actions(items) and "dynamodb:Query" in actions(items)
    assert "Condition" not in by_sid["TenantDocumentsOnly"]  # the resource itself is scoped
    assert by_sid["TenantDocumentsOnly"]["Resource"]["Fn::Join"][1][-1] == (
        "/support/tenants/${aws:PrincipalTag/tenant}/*")  # fmt: skip
    assert by_sid["ListTenantDocumentsOnly"]["Condition"] == {"StringLike": {
        "s3:prefix": ["support/tenants/${aws:PrincipalTag/tenant}/*"]}}  # fmt: skip
    # Nothing in the role reaches the table or the bucket without a tenant condition.
    for s in by_sid.values():
        text = json.dumps(s)
        if "SupportTable" in text or "DocumentsBucket" in text:
            assert "${aws:PrincipalTag/tenant}" in text, s


def test_tenant_role_is_assumed_only_with_a_tenant_session_tag_by_the_three_callers(
    support: Template,
) -> None:
    trust = one(support, "AWS::IAM::Role", "TenantDataRole")["Properties"]
    trust_statements = trust["AssumeRolePolicyDocument"]["Statement"]
    principals = [json.dumps(s["Principal"]["AWS"]) for s in trust_statements]
    assert "ChatFunctionServiceRole" in principals[0]
    assert "MangaFlow-dev-Api:" in principals[1] and "ApiFunctionServiceRole" in principals[1]
    assert "MangaFlow-dev-Workers:" in principals[2] and "TaskRole" in principals[2]
    for s in trust_statements:
        assert actions(s) == {"sts:AssumeRole", "sts:TagSession"}
        assert s["Condition"] == {"Null": {"aws:RequestTag/tenant": "false"},
                                  "ForAllValues:StringEquals": {"aws:TagKeys": ["tenant"]}}  # fmt: skip
    # Each caller's own policy lets it assume the tenant role.
    role = {"Fn::GetAtt": ["TenantDataRole954975BA", "Arn"]}
    assumers = [p for k, p in support.find_resources("AWS::IAM::Policy").items()
                if any(s.get("Resource") == role and "sts:TagSession" in actions(s)
                       for s in statements(p))]  # fmt: skip
    assert len(assumers) == 3


def test_no_policy_grants_the_table_or_bucket_to_anyone_but_the_tenant_role(
    support: Template,
) -> None:
    for logical_id, policy in support.find_resources("AWS::IAM::Policy").items():
        if logical_id.startswith("TenantDataRole"):
            continue
        for s in statements(policy):
            text = json.dumps(s.get("Resource"))
            assert "SupportTable" not in text and "DocumentsBucket" not in text, (logical_id, s)


# ---------------------------------------------------------------------------------- Qdrant
def test_qdrant_pinned_image_api_key_from_secret_and_only_port_6333_from_two_groups(
    support: Template,
) -> None:
    assert QDRANT_IMAGE.startswith("qdrant/qdrant:v") and not QDRANT_IMAGE.endswith(":latest")
    (task,) = support.find_resources("AWS::ECS::TaskDefinition").values()
    (container,) = task["Properties"]["ContainerDefinitions"]
    assert container["Image"] == QDRANT_IMAGE
    (secret,) = container["Secrets"]
    assert secret["Name"] == "QDRANT__SERVICE__API_KEY"
    assert "Ref" in secret["ValueFrom"] and "QdrantApiKey" in secret["ValueFrom"]["Ref"]
    assert container["MountPoints"] == [{"ContainerPath": "/qdrant/storage",
                                         "ReadOnly": False, "SourceVolume": "storage"}]  # fmt: skip
    ingress = [r["Properties"] for r in support.find_resources("AWS::EC2::SecurityGroupIngress")
               .values() if "QdrantSecurityGroup" in json.dumps(r["Properties"]["GroupId"])]  # fmt: skip
    group = one(support, "AWS::EC2::SecurityGroup", "QdrantSecurityGroup")["Properties"]
    ingress += group.get("SecurityGroupIngress", [])  # rules to imported groups are inline
    assert len(ingress) == 2
    assert {(r["FromPort"], r["ToPort"], r["IpProtocol"]) for r in ingress} == {(6333, 6333, "tcp")}
    sources = sorted(json.dumps(r["SourceSecurityGroupId"]) for r in ingress)
    assert "ChatSecurityGroup" in sources[0] and "DefaultSecurityGroup" in sources[1]
    assert not any("CidrIp" in r for r in ingress)
    output = support.find_outputs("SupportQdrantUrl")["SupportQdrantUrl"]
    assert output["Value"] == "http://qdrant.support.mangaflow-dev-internal:6333"


# ------------------------------------------------------------------------- Cognito + chat
def test_cognito_role_groups_on_the_platform_user_pool(support: Template) -> None:
    groups = support.find_resources("AWS::Cognito::UserPoolGroup")
    assert sorted(g["Properties"]["GroupName"] for g in groups.values()) == [
        "role:admin", "role:agent", "role:customer"]  # fmt: skip
    for g in groups.values():
        assert "MangaFlow-dev-Api:" in json.dumps(g["Properties"]["UserPoolId"])


def test_chat_is_a_streaming_iam_function_url_invoked_by_signed_in_users_only(
    support: Template,
) -> None:
    url = one(support, "AWS::Lambda::Url")["Properties"]
    assert (url["AuthType"], url["InvokeMode"]) == ("AWS_IAM", "RESPONSE_STREAM")
    pool = one(support, "AWS::Cognito::IdentityPool")["Properties"]
    assert pool["AllowUnauthenticatedIdentities"] is False
    invokers = [s for p in support.find_resources("AWS::IAM::Policy").values()
                for s in statements(p) if "lambda:InvokeFunctionUrl" in actions(s)]  # fmt: skip
    assert len(invokers) == 1
    assert invokers[0]["Condition"] == {"StringEquals": {"lambda:FunctionUrlAuthType": "AWS_IAM"}}
    fn = one(support, "AWS::Lambda::Function", "ChatFunction")["Properties"]
    env = fn["Environment"]["Variables"]
    assert env["MANGAFLOW_SUPPORT_TABLE"] == env["MANGAFLOW_TABLE_NAME"] == "mangaflow-dev-support"
    assert "VpcConfig" in fn and fn["Handler"] == "mangaflow.support.chat_stream.handler"


# -------------------------------------------------------------------------- trail + alarms
def test_trail_logs_data_events_of_the_bucket_and_table_validated_and_encrypted(
    support: Template,
) -> None:
    trail = one(support, "AWS::CloudTrail::Trail")["Properties"]
    assert trail["EnableLogFileValidation"] is True and key_ref(trail["KMSKeyId"])
    assert "EventSelectors" not in trail
    kinds = {}
    for selector in trail["AdvancedEventSelectors"]:
        fields = {f["Field"]: f for f in selector["FieldSelectors"]}
        assert fields["eventCategory"]["Equals"] == ["Data"]
        kinds[fields["resources.type"]["Equals"][0]] = json.dumps(fields["resources.ARN"])
    assert set(kinds) == {"AWS::S3::Object", "AWS::DynamoDB::Table"}
    assert "DocumentsBucket" in kinds["AWS::S3::Object"]
    assert "SupportTable" in kinds["AWS::DynamoDB::Table"]
    trail_bucket = one(support, "AWS::S3::Bucket", "TrailBucket")["Properties"]
    assert "BucketEncryption" in trail_bucket


def test_alarms_thresholds_and_escalation_topic(support: Template) -> None:
    alarms = {a["Properties"]["AlarmName"]: a["Properties"]
              for a in support.find_resources("AWS::CloudWatch::Alarm").values()}  # fmt: skip
    rate = alarms["mangaflow-dev-SupportApiErrorRate"]
    assert (rate["Threshold"], rate["ComparisonOperator"]) == (1, "GreaterThanThreshold")
    metrics = {m["Id"]: m for m in rate["Metrics"]}
    assert metrics["expr_1"]["Expression"] == "IF(total > 0, 100 * errors / total, 0)"
    assert metrics["errors"]["MetricStat"]["Metric"]["MetricName"] == "5XXError"
    assert metrics["total"]["MetricStat"]["Metric"]["MetricName"] == "Count"
    assert metrics["errors"]["MetricStat"]["Metric"]["Dimensions"] == [
        {"Name": "ApiName", "Value": "mangaflow-dev-api"}]  # fmt: skip
    p99 = alarms["mangaflow-dev-SupportApiLatencyP99"]
    assert (p99["ExtendedStatistic"], p99["Threshold"]) == ("p99", 10000)
    throttles = alarms["mangaflow-dev-SupportBedrockThrottles"]
    assert (throttles["Namespace"], throttles["MetricName"], throttles["Threshold"]) == (
        "AWS/Bedrock", "InvocationThrottles", 0)  # fmt: skip
    assert alarms["mangaflow-dev-SupportChatErrorRate"]["Threshold"] == 1
    for alarm in alarms.values():
        assert alarm["AlarmActions"] == [{"Ref": "EscalationTopic8FD7D57B"}]
    (key,) = support.find_resources("AWS::KMS::Key").values()
    cloudwatch = [s for s in key["Properties"]["KeyPolicy"]["Statement"]
                  if s["Principal"] == {"Service": "cloudwatch.amazonaws.com"}]  # fmt: skip
    assert len(cloudwatch) == 1 and "kms:GenerateDataKey*" in actions(cloudwatch[0])


def test_outputs_name_the_settings_and_every_resource_is_tagged(support: Template) -> None:
    for setting, output in SETTINGS.items():
        assert support.find_outputs(output)[output]["Description"] == setting
    support.all_resources_properties("AWS::S3::Bucket", Match.object_like({"Tags": Match.array_with(
        [{"Key": "product", "Value": "support"}, {"Key": "tenancy", "Value": "pooled"}])}))  # fmt: skip


# -------------------------------------------------------------------------------- aspects
def _tagged(stack: cdk.Stack) -> None:
    cdk.Tags.of(stack).add("product", "support")
    cdk.Tags.of(stack).add("tenancy", "pooled")


BAD: dict[str, Callable[[cdk.Stack], object]] = {
    "bucket": lambda s: s3.CfnBucket(s, "Bad"),
    "table": lambda s: dynamodb.CfnTable(
        s, "Bad", key_schema=[{"attributeName": "PK", "keyType": "HASH"}],
        attribute_definitions=[{"attributeName": "PK", "attributeType": "S"}],
        billing_mode="PAY_PER_REQUEST"),
    "topic": lambda s: sns.Topic(s, "Bad"),
    "queue": lambda s: sqs.Queue(s, "Bad", encryption=sqs.QueueEncryption.UNENCRYPTED),
    "file system": lambda s: efs.CfnFileSystem(s, "Bad", encrypted=False),
    "log group": lambda s: logs.LogGroup(s, "Bad"),
}  # fmt: skip


def _synth(build: Callable[[cdk.Stack], object], *, tags: bool = True) -> str:
    app = cdk.App()
    stack = cdk.Stack(app, "Probe")
    build(stack)
    if tags:
        _tagged(stack)
    guard(stack)
    with pytest.raises(RuntimeError) as raised:
        app.synth()
    return str(raised.value)


@pytest.mark.parametrize("kind", sorted(BAD))
def test_aspects_fail_synth_on_unencrypted_storage(kind: str) -> None:
    message = _synth(BAD[kind])
    assert (
        "[SupportEncryption]" in message and "Probe/Bad" in message and "not encrypted" in message
    )


def test_aspects_fail_synth_on_a_missing_tag_and_name_it() -> None:
    def build(stack: cdk.Stack) -> None:
        s3.Bucket(stack, "Bad", encryption=s3.BucketEncryption.S3_MANAGED)
        cdk.Tags.of(stack).add("product", "support")  # no tenancy tag

    message = _synth(build, tags=False)
    assert message.count("[SupportTags] AWS::S3::Bucket Probe/Bad/Resource has no tenancy tag") == 1
    assert "SupportEncryption" not in message


def test_aspects_pass_encrypted_tagged_storage_and_annotate_errors() -> None:
    app = cdk.App()
    stack = cdk.Stack(app, "Good")
    s3.Bucket(stack, "Bucket", encryption=s3.BucketEncryption.S3_MANAGED)
    sqs.Queue(stack, "Queue", encryption=sqs.QueueEncryption.SQS_MANAGED)
    efs.CfnFileSystem(stack, "Fs", encrypted=True)
    _tagged(stack)
    guard(stack)
    app.synth()  # no error
    Annotations.from_stack(stack).has_no_error("*", Match.any_value())
