"""VideoStack: the video bucket, the YouTube secret, MediaConvert's queue and role, alerts +
budget, the trends schedule, and the flow runs' grants (the render-finished rules:
``test_video_events_stack.py``). Built under cdk-nag once per session (``conftest.py``): any
unacknowledged finding makes the build raise."""

from __future__ import annotations

import json
from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template
from stacks.config import stage_config
from stacks.platform import PlatformStacks
from stacks.video import VideoStack

from mangaflow.products import routes
from tests.infra.video_app import Built, actions, build_video, grants, one

pytestmark = pytest.mark.slow


# ---------------------------------------------------------------------------------- bucket
def test_bucket_private_encrypted_versioned_logged_with_prefix_lifecycle(video: Template) -> None:
    bucket = one(video, "AWS::S3::Bucket", "VideoBucket")["Properties"]
    assert bucket["BucketName"] == {"Fn::Join": ["", [
        "mangaflow-dev-video-", {"Ref": "AWS::AccountId"}, "-", {"Ref": "AWS::Region"}]]}  # fmt: skip
    assert bucket["BucketEncryption"] == {"ServerSideEncryptionConfiguration": [
        {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]}  # fmt: skip
    assert bucket["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True, "BlockPublicPolicy": True,
        "IgnorePublicAcls": True, "RestrictPublicBuckets": True}  # fmt: skip
    assert bucket["VersioningConfiguration"] == {"Status": "Enabled"}
    assert bucket["LoggingConfiguration"]["LogFilePrefix"] == "video-bucket/"
    assert bucket["LoggingConfiguration"]["DestinationBucketName"]["Ref"].startswith("AccessLogs")
    rules = {r["Id"]: r for r in bucket["LifecycleConfiguration"]["Rules"]}
    assert rules["expire-renders"] == {"Id": "expire-renders", "Prefix": "renders/",
                                       "ExpirationInDays": 7, "Status": "Enabled"}  # fmt: skip
    assert rules["videos-to-infrequent-access"] == {
        "Id": "videos-to-infrequent-access", "Prefix": "videos/", "Status": "Enabled",
        "Transitions": [{"StorageClass": "STANDARD_IA", "TransitionInDays": 30}]}  # fmt: skip
    noncurrent = rules["expire-noncurrent-versions"]
    assert "Prefix" not in noncurrent and noncurrent["NoncurrentVersionExpiration"] == {
        "NoncurrentDays": 7}  # fmt: skip
    assert rules["abort-incomplete-multipart-uploads"]["AbortIncompleteMultipartUpload"] == {
        "DaysAfterInitiation": 7}  # fmt: skip
    # Finished videos never expire.
    assert not any(
        "ExpirationInDays" in r and r.get("Prefix") != "renders/" for r in rules.values()
    )


def test_every_bucket_denies_non_tls_and_grants_no_one_else(video: Template) -> None:
    policies = video.find_resources("AWS::S3::BucketPolicy")
    assert len(policies) == 2  # the video bucket + its access-log bucket
    for policy in policies.values():
        statements = policy["Properties"]["PolicyDocument"]["Statement"]
        assert any(s["Effect"] == "Deny" and s["Condition"] == {
            "Bool": {"aws:SecureTransport": "false"}} for s in statements)  # fmt: skip
        for s in statements:
            assert not (s["Effect"] == "Allow" and s["Principal"] in ("*", {"AWS": "*"})), s


# ---------------------------------------------------------------------------------- secret
def test_youtube_secret_holds_no_value_in_code(video: Template) -> None:
    secret = one(video, "AWS::SecretsManager::Secret")["Properties"]
    assert secret["Name"] == "mangaflow-dev-video-youtube"
    assert "SecretString" not in secret and secret["GenerateSecretString"] == {}
    for key in ("client_id", "client_secret", "refresh_token"):
        assert f'"{key}"' in secret["Description"]


# ---------------------------------------------------------------------------- MediaConvert
def test_mediaconvert_queue_and_a_role_only_mediaconvert_of_this_account_assumes(
    video: Template,
) -> None:
    queue = one(video, "AWS::MediaConvert::Queue")["Properties"]
    assert (queue["Name"], queue["PricingPlan"], queue["Status"]) == (
        "mangaflow-dev-video", "ON_DEMAND", "ACTIVE")  # fmt: skip
    role = one(video, "AWS::IAM::Role", "MediaConvertRole")["Properties"]
    assert role["AssumeRolePolicyDocument"]["Statement"] == [{
        "Action": "sts:AssumeRole", "Effect": "Allow",
        "Principal": {"Service": "mediaconvert.amazonaws.com"},
        "Condition": {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}}]  # fmt: skip
    assert "ManagedPolicyArns" not in role


def test_mediaconvert_role_reads_and_writes_the_two_prefixes_only(video: Template) -> None:
    granted = grants(one(video, "AWS::IAM::Policy", "MediaConvertRole"))
    bucket_arn = json.dumps({"Fn::GetAtt": ["VideoBucket6ED8E1AF", "Arn"]})
    objects = {r: a for r, a in granted.items() if r != bucket_arn}
    assert {json.loads(r)["Fn::Join"][1][-1] for r in objects} == {"/renders/*", "/videos/*"}
    for granted_actions in objects.values():
        assert {"s3:GetObject*", "s3:PutObject"} <= granted_actions
        assert not any(
            a.startswith("s3:Delete") for a in granted_actions
        )  # MediaConvert deletes nothing
    assert granted[bucket_arn] == {"s3:GetObject*", "s3:GetBucket*", "s3:List*"}


# ---------------------------------------------------------------------- alerts + budget
def test_alert_topic_encrypted_with_a_rotating_key_budgets_may_use(video: Template) -> None:
    topic = one(video, "AWS::SNS::Topic")["Properties"]
    assert topic["TopicName"] == "mangaflow-dev-video-alerts"
    assert topic["KmsMasterKeyId"]["Fn::GetAtt"][0].startswith("AlertKey")
    key = one(video, "AWS::KMS::Key")["Properties"]
    assert key["EnableKeyRotation"] is True
    budgets = {"Service": "budgets.amazonaws.com"}
    (key_grant,) = [s for s in key["KeyPolicy"]["Statement"] if s["Principal"] == budgets]
    assert actions(key_grant) == {"kms:GenerateDataKey*", "kms:Decrypt"}
    assert key_grant["Condition"] == {"StringEquals": {"aws:SourceAccount": {
        "Ref": "AWS::AccountId"}}}  # fmt: skip
    statements = one(video, "AWS::SNS::TopicPolicy")["Properties"]["PolicyDocument"]["Statement"]
    assert any(s["Effect"] == "Deny" and s["Condition"] == {"Bool": {
        "aws:SecureTransport": "false"}} for s in statements)  # fmt: skip
    (publish,) = [s for s in statements if s["Effect"] == "Allow"]
    assert publish["Principal"] == budgets and actions(publish) == {"sns:Publish"}
    assert publish["Condition"]["ArnLike"]["aws:SourceArn"]["Fn::Join"][1][-1] == ":*"
    assert ":budgets::" in json.dumps(publish["Condition"]["ArnLike"])
    video.resource_count_is("AWS::SNS::Subscription", 0)  # no -c videoAlertEmail


def test_monthly_cost_budget_of_50_usd_notifies_the_topic(video: Template) -> None:
    budget = one(video, "AWS::Budgets::Budget")
    props = budget["Properties"]
    assert props["Budget"] == {"BudgetName": "mangaflow-dev-video-monthly", "BudgetType": "COST",
                               "TimeUnit": "MONTHLY",
                               "BudgetLimit": {"Amount": 50, "Unit": "USD"}}  # fmt: skip
    notifications = {(n["Notification"]["NotificationType"], n["Notification"]["Threshold"])
                     for n in props["NotificationsWithSubscribers"]}  # fmt: skip
    assert notifications == {("ACTUAL", 80), ("ACTUAL", 100), ("FORECASTED", 100)}
    for n in props["NotificationsWithSubscribers"]:
        assert n["Notification"]["ComparisonOperator"] == "GREATER_THAN"
        assert n["Notification"]["ThresholdType"] == "PERCENTAGE"
        assert n["Subscribers"] == [{"Address": {"Ref": "AlertTopic2720D535"},
                                     "SubscriptionType": "SNS"}]  # fmt: skip
    assert any(d.startswith("AlertTopicPolicy") for d in budget["DependsOn"])


def test_budget_and_email_come_from_context(tmp_path: Path) -> None:
    stack, _ = build_video(tmp_path, context={"videoMonthlyBudgetUsd": "120",
                                         "videoAlertEmail": "ops@example.org"})  # fmt: skip
    t = Template.from_stack(stack)
    t.has_resource_properties("AWS::Budgets::Budget", {"Budget": {
        "BudgetName": "mangaflow-dev-video-monthly", "BudgetType": "COST", "TimeUnit": "MONTHLY",
        "BudgetLimit": {"Amount": 120, "Unit": "USD"}}})  # fmt: skip
    subscription = one(t, "AWS::SNS::Subscription")["Properties"]
    assert (subscription["Protocol"], subscription["Endpoint"]) == ("email", "ops@example.org")
    assert subscription["TopicArn"] == {"Ref": "AlertTopic2720D535"}


@pytest.mark.parametrize(
    ("context", "message"),
    [
        ({"videoMonthlyBudgetUsd": "lots"}, "videoMonthlyBudgetUsd='lots'.*whole number >= 1"),
        ({"videoMonthlyBudgetUsd": "0"}, "videoMonthlyBudgetUsd='0'"),
        ({"videoAlertEmail": "ops at example"}, "videoAlertEmail='ops at example'.*e-mail"),
    ],
)
def test_bad_context_is_a_clear_error(
    tmp_path: Path, context: dict[str, str], message: str
) -> None:
    app = cdk.App(outdir=str(tmp_path), context=context)
    config = stage_config("dev")
    platform = PlatformStacks(app, config, routes=list(routes()))
    with pytest.raises(ValueError, match=message):
        VideoStack(app, "MangaFlow-dev-Video", config=config, platform=platform)


# -------------------------------------------------------------------------------- schedule
def test_trends_schedule_puts_the_daily_event_on_the_bus_at_8_new_york(video: Template) -> None:
    schedule = one(video, "AWS::Scheduler::Schedule")["Properties"]
    assert schedule["Name"] == "mangaflow-dev-video-trends"
    assert schedule["ScheduleExpression"] == "cron(0 8 * * ? *)"
    assert schedule["ScheduleExpressionTimezone"] == "America/New_York"
    target = schedule["Target"]
    assert target["EventBridgeParameters"] == {"DetailType": "video.trends.requested",
                                               "Source": "mangaflow.video"}  # fmt: skip
    assert json.dumps(target["Arn"]).endswith(':event-bus/mangaflow-dev-events"]]}')
    detail = json.loads(target["Input"])
    assert detail["eventId"] == detail["requestId"] == "<aws.scheduler.execution-id>"
    assert detail["userId"] == "system"


# -------------------------------------------------------------------------------------- IAM
def test_flow_runs_task_role_gets_least_privilegegrants(
    video: Template, video_built: Built
) -> None:
    policy = one(video, "AWS::IAM::Policy", "FlowRun")
    granted = grants(policy)

    def on(fragment: str) -> set[str]:
        return set().union(*(a for r, a in granted.items() if fragment in r))

    assert on("YoutubeSecret") == {"secretsmanager:GetSecretValue",
                                   "secretsmanager:DescribeSecret"}  # fmt: skip
    objects = [r for r in granted if "VideoBucket" in r and "Fn::Join" in r]
    assert sorted(json.loads(r)["Fn::Join"][1][-1] for r in objects) == ["/renders/*", "/videos/*"]
    for resource in objects:
        assert {"s3:GetObject*", "s3:PutObject", "s3:DeleteObject*"} <= granted[resource]
    assert on('"MediaConvertQueue"') == {"mediaconvert:CreateJob", "mediaconvert:GetJob"}
    assert on(':jobs/*"') == {"mediaconvert:CreateJob", "mediaconvert:GetJob"}
    (pass_role,) = [s for s in policy["Properties"]["PolicyDocument"]["Statement"]
                    if "iam:PassRole" in actions(s)]  # fmt: skip
    assert actions(pass_role) == {"iam:PassRole"}
    assert pass_role["Resource"] == {"Fn::GetAtt": ["MediaConvertRole031A64A9", "Arn"]}
    assert pass_role["Condition"] == {"StringEquals": {
        "iam:PassedToService": "mediaconvert.amazonaws.com"}}  # fmt: skip
    assert on("AlertTopic") == {"sns:Publish"}
    assert on("AlertKey") == {"kms:Decrypt", "kms:GenerateDataKey*"}
    assert granted['"*"'] == {"polly:SynthesizeSpeech"}
    every = set().union(*granted.values())
    assert not {a for a in every if a.endswith(":*") or a == "*"}
    assert {a.split(":")[0] for a in every} == {"secretsmanager", "s3", "mediaconvert", "iam",
                                                "sns", "kms", "polly"}  # fmt: skip
    # ... on the Workers stack's task role (imported: the Workers stack stays as it was).
    (role,) = policy["Properties"]["Roles"]
    workers = video_built[1].workers
    assert workers.stack_name in json.dumps(role) and "TaskRole" in json.dumps(role)


# -------------------------------------------------------------------------- app + outputs
def test_settings_are_outputs(video: Template) -> None:
    from stacks.video import SETTINGS

    outputs = video.to_json()["Outputs"]
    assert {outputs[o]["Description"]: o for o in SETTINGS.values()} == {
        s: o for s, o in SETTINGS.items()}  # fmt: skip
    assert set(SETTINGS) == {
        "MANGAFLOW_VIDEO_BUCKET", "MANGAFLOW_YOUTUBE_SECRET_ID",
        "MANGAFLOW_VIDEO_MEDIACONVERT_ROLE_ARN", "MANGAFLOW_VIDEO_MEDIACONVERT_QUEUE_ARN",
        "MANGAFLOW_VIDEO_ALERT_TOPIC_ARN"}  # fmt: skip
    assert outputs["MediaConvertQueueArn"]["Value"] == {"Fn::GetAtt": ["MediaConvertQueue", "Arn"]}
    assert outputs["YoutubeSecretArn"]["Value"] == {"Ref": "YoutubeSecret15E664C2"}


def test_stack_deploys_after_the_events_stack(video_built: Built) -> None:
    stack, platform = video_built
    assert platform.events in stack.dependencies and platform.workers in stack.dependencies


def test_prod_retains_data_and_keys(tmp_path_factory: pytest.TempPathFactory) -> None:
    stack, _ = build_video(tmp_path_factory.mktemp("cdk-video-prod"), "prod", nag=False)
    t = Template.from_stack(stack)
    for kind in ("AWS::S3::Bucket", "AWS::SecretsManager::Secret", "AWS::KMS::Key"):
        for resource in t.find_resources(kind).values():
            assert resource["DeletionPolicy"] == "Retain", kind
    t.resource_count_is("Custom::S3AutoDeleteObjects", 0)
    assert one(t, "AWS::MediaConvert::Queue")["Properties"]["Name"] == "mangaflow-prod-video"
