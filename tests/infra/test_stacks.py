"""CDK template assertions for every stack, and cdk-nag (AwsSolutions) over the whole app.

One app per stage is synthesized once per module (jsii start-up + synth take seconds).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from aws_cdk.assertions import Match, Template
from stacks.config import stage_config
from stacks.events import POWERTOOLS_LAYER_VERSION, ROUTES
from stacks.mangaflow_app import MangaFlowStacks, build_app
from stacks.workers import WORK_POOL

pytestmark = pytest.mark.slow

Built = tuple[Any, MangaFlowStacks]


def _synth(stage: str, outdir: Path) -> Built:
    app, stacks = build_app(stage, outdir=str(outdir))
    app.synth()  # runs the AwsSolutions checks: any unacknowledged finding raises here
    return app, stacks


@pytest.fixture(scope="module")
def dev(tmp_path_factory: pytest.TempPathFactory) -> Built:
    return _synth("dev", tmp_path_factory.mktemp("cdk-dev"))


@pytest.fixture(scope="module")
def prod(tmp_path_factory: pytest.TempPathFactory) -> Built:
    return _synth("prod", tmp_path_factory.mktemp("cdk-prod"))


@pytest.fixture(scope="module")
def templates(dev: Built) -> dict[str, Template]:
    _, s = dev
    return {
        name: Template.from_stack(getattr(s, name))
        for name in ("storage", "events", "api", "monitoring", "workers")
    }


# ----------------------------------------------------------------------------- cdk-nag
@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_app_synthesizes_without_unacknowledged_nag_findings(
    stage: str, request: pytest.FixtureRequest
) -> None:
    app, stacks = request.getfixturevalue(stage)
    assembly = app.synth()
    names = {s.stack_name for s in assembly.stacks}
    assert names == {
        f"MangaFlow-{stage}-{n}" for n in ("Storage", "Events", "Api", "Monitoring", "Workers")
    }


def test_nag_findings_make_synth_raise(tmp_path: Path) -> None:
    """Guards the test above: an unacknowledged AwsSolutions finding fails the synth."""
    import aws_cdk as cdk
    from aws_cdk import aws_sqs as sqs
    from cdk_nag import AwsSolutionsChecks

    app = cdk.App(outdir=str(tmp_path))
    stack = cdk.Stack(app, "Bad")
    sqs.Queue(stack, "NoDlqNoSsl")
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    with pytest.raises(Exception, match="AwsSolutions-SQS3"):
        app.synth()


def test_unknown_stage_is_rejected() -> None:
    with pytest.raises(ValueError, match="stage=dev"):
        stage_config("qa")


# ----------------------------------------------------------------------------- storage
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
    prod_t = Template.from_stack(prod[1].storage)
    prod_t.has_resource(
        "AWS::DynamoDB::GlobalTable", {"DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain"}
    )
    for bucket in prod_t.find_resources("AWS::S3::Bucket").values():
        assert bucket["DeletionPolicy"] == "Retain"
    prod_t.resource_count_is("Custom::S3AutoDeleteObjects", 0)
    dev_t = Template.from_stack(dev[1].storage)
    dev_t.has_resource("AWS::DynamoDB::GlobalTable", {"DeletionPolicy": "Delete"})  # fmt: skip


# ----------------------------------------------------------------------------- events
def test_bus_archive_and_one_rule_per_detail_type(templates: dict[str, Template]) -> None:
    t = templates["events"]
    t.resource_count_is("AWS::Events::EventBus", 1)
    t.has_resource_properties("AWS::Events::EventBus", {"Name": "mangaflow-dev-events"})
    t.has_resource_properties(
        "AWS::Events::Archive",
        {
            "SourceArn": {"Fn::GetAtt": [Match.string_like_regexp("^Bus"), "Arn"]},
            "EventPattern": {"source": sorted({r.source for r in ROUTES})},
            "RetentionDays": 14,
        },
    )
    t.resource_count_is("AWS::Events::Rule", len(ROUTES))
    expected = {
        ("Story Generation Requested", "manga.preferences"),
        ("Episode Generation Requested", "manga.story"),
        ("Image Generation Requested", "manga.episode"),
        ("Batch Workflow Requested", "manga.workflow"),
        ("Panel Regeneration Requested", "manga.episode"),
    }
    buffers = {
        logical_id
        for logical_id, queue in t.find_resources("AWS::SQS::Queue").items()
        if "RedrivePolicy" in queue["Properties"]
    }
    seen = set()
    targeted = set()
    for rule in t.find_resources("AWS::Events::Rule").values():
        props = rule["Properties"]
        pattern = props["EventPattern"]
        assert props["EventBusName"]["Ref"].startswith("Bus")
        (detail_type,), (source,) = pattern["detail-type"], pattern["source"]
        seen.add((detail_type, source))
        (target,) = props["Targets"]
        targeted.add(target["Arn"]["Fn::GetAtt"][0])
        assert "DeadLetterConfig" in target  # undeliverable events are kept too
    assert targeted == buffers  # one buffer queue per rule
    assert seen == expected


def test_buffer_queues_have_dlq_redrive_retention_and_encryption(
    templates: dict[str, Template],
) -> None:
    t = templates["events"]
    queues = t.find_resources("AWS::SQS::Queue")
    assert len(queues) == 2 * len(ROUTES)
    buffers = {k: v for k, v in queues.items() if "RedrivePolicy" in v["Properties"]}
    dlqs = {k: v for k, v in queues.items() if "RedrivePolicy" not in v["Properties"]}
    assert len(buffers) == len(dlqs) == len(ROUTES)
    for queue in queues.values():
        props = queue["Properties"]
        assert props["MessageRetentionPeriod"] == 14 * 24 * 3600
        assert props["SqsManagedSseEnabled"] is True
    for buffer in buffers.values():
        redrive = buffer["Properties"]["RedrivePolicy"]
        assert redrive["maxReceiveCount"] == 3
        assert redrive["deadLetterTargetArn"]["Fn::GetAtt"][0] in dlqs
    # SSL enforced on every queue through its queue policy
    for policy in t.find_resources("AWS::SQS::QueuePolicy").values():
        statements = policy["Properties"]["PolicyDocument"]["Statement"]
        assert any(
            s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
            for s in statements
        )
    enforced: set[str] = set()
    for policy in t.find_resources("AWS::SQS::QueuePolicy").values():
        statements = policy["Properties"]["PolicyDocument"]["Statement"]
        if any(s["Effect"] == "Deny" for s in statements):
            enforced.update(q["Ref"] for q in policy["Properties"]["Queues"])
    assert enforced == set(queues)


def test_webhook_consumes_every_buffer_with_batch_item_failures(
    templates: dict[str, Template],
) -> None:
    t = templates["events"]
    mappings = t.find_resources("AWS::Lambda::EventSourceMapping")
    assert len(mappings) == len(ROUTES)
    for mapping in mappings.values():
        assert mapping["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    t.has_resource_properties(
        "AWS::Lambda::Function",
        {
            "Handler": "handler.handler",
            "Environment": {
                "Variables": Match.object_like({"PREFECT_API_URL_SECRET_NAME": Match.any_value()})
            },
        },
    )
    # the secret exists in the stack; its value is generated, never a literal in the template
    t.resource_count_is("AWS::SecretsManager::Secret", 1)
    t.has_resource_properties(
        "AWS::SecretsManager::Secret",
        {"Name": "mangaflow-dev-prefect-api-url", "SecretString": Match.absent()},
    )


def test_webhook_knows_each_buffer_dlq_and_may_send_to_it(templates: dict[str, Template]) -> None:
    """Records that can never succeed go straight to their queue's DLQ, with a reason."""
    t = templates["events"]
    queues = t.find_resources("AWS::SQS::Queue")
    dlqs = {k for k in queues if "Dlq" in k}
    buffers = {k for k in queues if "Queue" in k}
    assert len(dlqs) == len(buffers) == len(ROUTES)
    (webhook,) = [f for f in t.find_resources("AWS::Lambda::Function").values()
                  if f["Properties"].get("Handler") == "handler.handler"]  # fmt: skip
    mapping = json.dumps(webhook["Properties"]["Environment"]["Variables"]["DEAD_LETTER_QUEUES"])
    assert all(logical_id in mapping for logical_id in dlqs | buffers)
    sends = [s for p in t.find_resources("AWS::IAM::Policy").values()
             for s in p["Properties"]["PolicyDocument"]["Statement"]
             if "sqs:SendMessage" in s["Action"]]  # fmt: skip
    targets = json.dumps(sends)
    assert all(logical_id in targets for logical_id in dlqs)


def _powertools_layer(version: int) -> dict[str, Any]:
    """The AWS-published Powertools v3 layer matching the webhook (Python 3.12, arm64)."""
    return {"Fn::Join": ["", ["arn:aws:lambda:", {"Ref": "AWS::Region"},
                              f":017000801446:layer:AWSLambdaPowertoolsPythonV3-python312-arm64:"
                              f"{version}"]]}  # fmt: skip


def test_webhook_runs_on_the_powertools_layer_with_its_settings(
    templates: dict[str, Template],
) -> None:
    t = templates["events"]
    t.has_resource_properties(
        "AWS::Lambda::Function",
        {
            "Handler": "handler.handler",
            "Runtime": "python3.12",
            "Architectures": ["arm64"],
            "Layers": [_powertools_layer(POWERTOOLS_LAYER_VERSION)],
            "Environment": {
                "Variables": Match.object_like(
                    {"POWERTOOLS_SERVICE_NAME": "mangaflow-webhook",
                     "POWERTOOLS_LOG_LEVEL": "INFO"}
                )
            },
        },
    )  # fmt: skip
    # the layer is AWS's, referenced by ARN: nothing is published from this stack
    t.resource_count_is("AWS::Lambda::LayerVersion", 0)


def test_powertools_layer_version_comes_from_cdk_context() -> None:
    import aws_cdk as cdk
    from stacks.events import EventsStack

    app = cdk.App(context={"powertoolsLayerVersion": "31"})  # `cdk synth -c ...` gives strings
    stack = EventsStack(app, "Events", config=stage_config("dev"))
    Template.from_stack(stack).has_resource_properties(
        "AWS::Lambda::Function", {"Layers": [_powertools_layer(31)]}
    )
    with pytest.raises(ValueError, match="powertoolsLayerVersion"):
        EventsStack(
            cdk.App(context={"powertoolsLayerVersion": "latest"}),
            "Events",
            config=stage_config("dev"),
        )


# ----------------------------------------------------------------------------- api
def test_user_pool_password_policy_mfa_and_post_auth_trigger(
    templates: dict[str, Template],
) -> None:
    t = templates["api"]
    t.has_resource_properties(
        "AWS::Cognito::UserPool",
        {
            "Policies": {
                "PasswordPolicy": Match.object_like(
                    {
                        "MinimumLength": 12,
                        "RequireLowercase": True,
                        "RequireUppercase": True,
                        "RequireNumbers": True,
                        "RequireSymbols": True,
                    }
                )
            },
            "MfaConfiguration": "OPTIONAL",
            "LambdaConfig": {
                "PostAuthentication": {
                    "Fn::GetAtt": [Match.string_like_regexp("^PostAuthFunction"), "Arn"]
                }
            },
        },
    )
    t.has_resource_properties("AWS::Cognito::UserPoolClient", {"GenerateSecret": False})
    t.has_resource_properties(
        "AWS::Lambda::Function",
        {"Environment": {"Variables": {"TABLE_NAME": "mangaflow-dev-table"}}},
    )


def test_prod_user_pool_enforces_threat_protection(prod: Built) -> None:
    t = Template.from_stack(prod[1].api)
    t.has_resource_properties(
        "AWS::Cognito::UserPool",
        {"UserPoolTier": "PLUS", "UserPoolAddOns": {"AdvancedSecurityMode": "ENFORCED"}},
    )
    t.resource_count_is("AWS::WAFv2::WebACLAssociation", 1)


def test_api_lambda_handler_and_environment(templates: dict[str, Template]) -> None:
    templates["api"].has_resource_properties(
        "AWS::Lambda::Function",
        {
            "Handler": "mangaflow.api.lambda_handler.handler",
            "Environment": {
                "Variables": Match.object_like(
                    {
                        "MANGAFLOW_AUTH_MODE": "cognito",
                        "MANGAFLOW_TABLE_BACKEND": "dynamodb",
                        "MANGAFLOW_BLOB_BACKEND": "s3",
                        "MANGAFLOW_TABLE_NAME": "mangaflow-dev-table",
                    }
                )
            },
        },
    )


def test_rest_api_cognito_authorizer_everywhere_but_health(
    templates: dict[str, Template],
) -> None:
    t = templates["api"]
    t.resource_count_is("AWS::ApiGateway::Authorizer", 1)
    t.has_resource_properties("AWS::ApiGateway::Authorizer", {"Type": "COGNITO_USER_POOLS"})
    methods = t.find_resources("AWS::ApiGateway::Method")
    open_methods = [m for m in methods.values() if m["Properties"]["AuthorizationType"] == "NONE"]
    assert len(open_methods) == 1
    assert open_methods[0]["Properties"]["HttpMethod"] == "GET"
    assert open_methods[0]["Properties"]["ResourceId"]["Ref"].startswith("RestApihealth")
    others = [m for m in methods.values() if m not in open_methods]
    assert len(others) >= 2  # "/" and "/{proxy+}"
    for method in others:
        assert method["Properties"]["AuthorizationType"] == "COGNITO_USER_POOLS"
        assert "AuthorizerId" in method["Properties"]


def test_rest_api_stage_throttling_and_access_logging(templates: dict[str, Template]) -> None:
    templates["api"].has_resource_properties(
        "AWS::ApiGateway::Stage",
        {
            "StageName": "dev",
            "AccessLogSetting": {
                "DestinationArn": Match.any_value(),
                "Format": Match.string_like_regexp("requestId"),
            },
            "MethodSettings": Match.array_with(
                [
                    Match.object_like(
                        {
                            "HttpMethod": "*",
                            "ResourcePath": "/*",
                            "ThrottlingRateLimit": 20,
                            "ThrottlingBurstLimit": 40,
                            "LoggingLevel": "INFO",
                            "MetricsEnabled": True,
                        }
                    )
                ]
            ),
        },
    )


# ----------------------------------------------------------------------------- monitoring
def test_alarms_on_dlqs_lambdas_and_api_5xx(templates: dict[str, Template]) -> None:
    t = templates["monitoring"]
    alarms = t.find_resources("AWS::CloudWatch::Alarm")
    by_metric: dict[str, int] = {}
    for alarm in alarms.values():
        props = alarm["Properties"]
        assert props["ComparisonOperator"] == "GreaterThanThreshold"
        assert props["Threshold"] == 0
        assert props["AlarmActions"]
        by_metric[props["MetricName"]] = by_metric.get(props["MetricName"], 0) + 1
    assert by_metric == {
        "ApproximateNumberOfMessagesVisible": len(ROUTES),
        "Errors": 3,
        "Throttles": 3,
        "5XXError": 1,
    }
    t.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {"Namespace": "AWS/SQS", "MetricName": "ApproximateNumberOfMessagesVisible",
         "Statistic": "Maximum"},
    )  # fmt: skip


def test_dashboard_shows_the_alarm_metrics(templates: dict[str, Template]) -> None:
    t = templates["monitoring"]
    t.resource_count_is("AWS::CloudWatch::Dashboard", 1)
    (dashboard,) = t.find_resources("AWS::CloudWatch::Dashboard").values()
    body = json.dumps(dashboard)
    for metric in ("ApproximateNumberOfMessagesVisible", "Errors", "Throttles", "5XXError"):
        assert metric in body


# ----------------------------------------------------------------------------- workers
def _workers_template(context: dict[str, str], outdir: Path) -> Template:
    """A WorkersStack (with the Events stack it takes) under CDK ``context``, synthesized with
    the AwsSolutions checks (findings raise)."""
    import aws_cdk as cdk
    from cdk_nag import AwsSolutionsChecks
    from stacks.events import EventsStack
    from stacks.workers import WorkersStack

    app = cdk.App(context=context, outdir=str(outdir))
    config = stage_config("dev")
    events_stack = EventsStack(app, "Events", config=config)
    workers = WorkersStack(
        app,
        "Workers",
        config=config,
        bus=events_stack.bus,
        prefect_secret=events_stack.prefect_secret,
    )
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    return Template.from_json(app.synth().get_stack_by_name(workers.stack_name).template)


def _statements(t: Template, role_prefix: str) -> list[dict[str, Any]]:
    """The statements of the default policy of the role whose logical id starts so."""
    (policy,) = [
        p
        for p in t.find_resources("AWS::IAM::Policy").values()
        if any(r["Ref"].startswith(role_prefix) for r in p["Properties"]["Roles"])
    ]
    return policy["Properties"]["PolicyDocument"]["Statement"]


def _actions(statement: dict[str, Any]) -> set[str]:
    actions = statement["Action"]
    return {actions} if isinstance(actions, str) else set(actions)


def _flat(value: Any) -> str:
    """A resource (string or Fn::Join of strings and refs) as one comparable string."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return ",".join(_flat(v) for v in value)
    if "Fn::Join" in value:
        return "".join(_flat(v) for v in value["Fn::Join"][1])
    if "Ref" in value:
        return f"<{value['Ref']}>"
    if "Fn::GetAtt" in value:
        return "<{}.{}>".format(*value["Fn::GetAtt"])
    if "Fn::ImportValue" in value:
        return f"<import {value['Fn::ImportValue']}>"
    return json.dumps(value)


def _granting(statements: list[dict[str, Any]], action: str) -> list[str]:
    """The flattened resources of every Allow statement that has ``action``."""
    return [
        _flat(s["Resource"]) for s in statements if s["Effect"] == "Allow" and action in _actions(s)
    ]


def test_cluster_runs_fargate_with_container_insights(templates: dict[str, Template]) -> None:
    t = templates["workers"]
    t.resource_count_is("AWS::ECS::Cluster", 1)
    t.has_resource_properties(
        "AWS::ECS::Cluster",
        {
            "ClusterName": "mangaflow-dev-flows",
            "ClusterSettings": [{"Name": "containerInsights", "Value": "enabled"}],
        },
    )
    t.has_resource_properties(
        "AWS::ECS::ClusterCapacityProviderAssociations",
        {"CapacityProviders": Match.array_with(["FARGATE", "FARGATE_SPOT"])},
    )


def test_vpc_public_subnets_without_nat_with_flow_logs(templates: dict[str, Template]) -> None:
    t = templates["workers"]
    t.resource_count_is("AWS::EC2::VPC", 1)
    t.resource_count_is("AWS::EC2::NatGateway", 0)
    subnets = t.find_resources("AWS::EC2::Subnet")
    assert len(subnets) == 2
    for subnet in subnets.values():
        assert subnet["Properties"]["MapPublicIpOnLaunch"] is False
    t.has_resource_properties("AWS::EC2::FlowLog", {"ResourceType": "VPC", "TrafficType": "REJECT"})
    t.resource_count_is("AWS::EC2::VPCEndpoint", 2)  # S3 and DynamoDB gateways (free)


def test_repository_scans_on_push_with_immutable_tags_and_lifecycle(
    templates: dict[str, Template],
) -> None:
    t = templates["workers"]
    (repo,) = t.find_resources("AWS::ECR::Repository").values()
    props = repo["Properties"]
    assert props["RepositoryName"] == "mangaflow-dev-flows"
    assert props["ImageScanningConfiguration"] == {"ScanOnPush": True}
    assert props["ImageTagMutability"] == "IMMUTABLE"
    # AES-256 is ECR's default encryption: no KMS configuration in the template
    assert props.get("EncryptionConfiguration", {"EncryptionType": "AES256"}) == {
        "EncryptionType": "AES256"
    }
    rules = json.loads(props["LifecyclePolicy"]["LifecyclePolicyText"])["rules"]
    selections = [r["selection"] for r in rules]
    assert {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 15} in selections
    assert any(s["tagStatus"] == "untagged" for s in selections)
    assert all(r["action"] == {"type": "expire"} for r in rules)


def test_task_role_writes_table_bucket_bus_and_invokes_bedrock(
    templates: dict[str, Template],
) -> None:
    t = templates["workers"]
    statements = _statements(t, "TaskRole")
    table = "arn:<AWS::Partition>:dynamodb:<AWS::Region>:<AWS::AccountId>:table/mangaflow-dev-table"
    for action in ("dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:Query"):
        assert _granting(statements, action) == [f"{table},{table}/index/*"], action
    bucket = "arn:<AWS::Partition>:s3:::mangaflow-dev-episodes-<AWS::AccountId>-<AWS::Region>"
    assert _granting(statements, "s3:PutObject") == [f"{bucket},{bucket}/*"]
    (bus,) = _granting(statements, "events:PutEvents")
    assert bus.startswith("<import MangaFlow-dev-Events:") and "Bus" in bus
    models = "arn:<AWS::Partition>:bedrock:<AWS::Region>::foundation-model/*"
    assert _granting(statements, "bedrock:InvokeModel") == [models]
    # nothing beyond these services
    services = {a.split(":")[0] for s in statements for a in _actions(s)}
    assert services == {"dynamodb", "s3", "events", "bedrock"}


def test_execution_role_pulls_from_the_repository_writes_logs_reads_qloo_secret(
    templates: dict[str, Template],
) -> None:
    t = templates["workers"]
    statements = _statements(t, "ExecutionRole")
    (repo_id,) = t.find_resources("AWS::ECR::Repository")
    for action in ("ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"):
        assert _granting(statements, action) == [f"<{repo_id}.Arn>"]
    assert _granting(statements, "ecr:GetAuthorizationToken") == ["*"]
    (logs_id,) = [
        k
        for k, v in t.find_resources("AWS::Logs::LogGroup").items()
        if v["Properties"].get("LogGroupName") == "/mangaflow/dev/flow-runs"
    ]
    assert _granting(statements, "logs:PutLogEvents") == [f"<{logs_id}.Arn>"]
    qloo, prefect = _granting(statements, "secretsmanager:GetSecretValue")
    assert qloo == (
        "arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:"
        "mangaflow-dev-qloo-api-key-??????"
    )
    # the flow runs' Prefect API key comes as an ECS secret, not a plain RunTask env var
    assert prefect.startswith("<import MangaFlow-dev-Events:") and "Prefect" in prefect
    # scoped grants instead of the AWS managed AmazonECSTaskExecutionRolePolicy
    roles = t.find_resources("AWS::IAM::Role")
    (role,) = [v for k, v in roles.items() if k.startswith("ExecutionRole")]
    assert "ManagedPolicyArns" not in role["Properties"]


def test_flow_run_log_group_is_per_stage_with_retention(dev: Built, prod: Built) -> None:
    for (_, stacks), days in ((dev, 30), (prod, 365)):
        stage = stacks.workers.config.stage
        Template.from_stack(stacks.workers).has_resource_properties(
            "AWS::Logs::LogGroup",
            {"LogGroupName": f"/mangaflow/{stage}/flow-runs", "RetentionInDays": days},
        )
    prod_t = Template.from_stack(prod[1].workers)
    prod_t.has_resource("AWS::ECR::Repository", {"DeletionPolicy": "Retain"})
    prod_t.has_resource_properties("AWS::EC2::FlowLog", {"TrafficType": "ALL"})


def test_outputs_for_the_prefect_pool_variables(templates: dict[str, Template]) -> None:
    outputs = templates["workers"].find_outputs("*")
    for key in (
        "ClusterName",
        "TaskRoleArn",
        "ExecutionRoleArn",
        "VpcId",
        "RepositoryUri",
        "FlowRunLogGroupName",
        "WorkerServiceName",
        "PrefectApiKeySecretArn",
    ):
        assert key in outputs, key
    assert json.dumps(outputs["PrefectApiKeySecretArn"]["Value"]).endswith(':key::"]]}')


def test_worker_service_is_off_by_default_and_may_start_flow_run_tasks(
    templates: dict[str, Template],
) -> None:
    t = templates["workers"]
    t.has_resource_properties(
        "AWS::ECS::Service",
        {
            "DesiredCount": 0,
            "LaunchType": "FARGATE",
            "NetworkConfiguration": {
                "AwsvpcConfiguration": Match.object_like({"AssignPublicIp": "ENABLED"})
            },
        },
    )
    t.has_resource_properties(
        "AWS::ECS::TaskDefinition",
        {
            "ContainerDefinitions": [
                Match.object_like(
                    {
                        "Command": Match.array_with(
                            ["prefect", "worker", "start", "--pool", WORK_POOL, "--type", "ecs"]
                        ),
                        "Secrets": [
                            Match.object_like({"Name": "PREFECT_API_URL"}),
                            Match.object_like({"Name": "PREFECT_API_KEY"}),
                        ],
                    }
                )
            ]
        },
    )
    statements = _statements(t, "WorkerRole")
    (run_task,) = [s for s in statements if "ecs:RunTask" in _actions(s)]
    assert _flat(run_task["Resource"]).endswith(f":task-definition/prefect_{WORK_POOL}_*")
    assert "ecs:cluster" in run_task["Condition"]["ArnEquals"]
    (pass_role,) = [s for s in statements if "iam:PassRole" in _actions(s)]
    passed = _flat(pass_role["Resource"])
    assert passed.startswith("<TaskRole") and ",<ExecutionRole" in passed
    for action in ("ecs:RegisterTaskDefinition", "ecs:DescribeTasks", "ec2:DescribeSubnets",
                   "logs:GetLogEvents", "sqs:ReceiveMessage"):  # fmt: skip
        assert _granting(statements, action), action
    # the observer's queue is fed by the cluster's task state changes
    t.has_resource_properties(
        "AWS::Events::Rule",
        {"EventPattern": Match.object_like({"detail-type": ["ECS Task State Change"]})},
    )


def test_worker_and_grants_follow_cdk_context(tmp_path: Path) -> None:
    qloo = "arn:aws:secretsmanager:us-east-1:111111111111:secret:mangaflow-qloo-AbC123"
    t = _workers_template(
        {
            "workerDesiredCount": "1",
            "workerImageTag": "abc1234",
            "qlooSecretArn": qloo,
            "bedrockModelIds": "anthropic.claude-3-5-sonnet-20240620-v1:0, amazon.nova-canvas-v1:0",
        },
        tmp_path,
    )
    t.has_resource_properties("AWS::ECS::Service", {"DesiredCount": 1})
    (task,) = t.find_resources("AWS::ECS::TaskDefinition").values()
    assert _flat(task["Properties"]["ContainerDefinitions"][0]["Image"]).endswith(":abc1234")
    statements = _statements(t, "ExecutionRole")
    granted = _granting(statements, "secretsmanager:GetSecretValue")
    assert qloo in granted and len(granted) == 2  # the given Qloo secret + the Prefect one
    models = _granting(_statements(t, "TaskRole"), "bedrock:InvokeModel")
    prefix = "arn:<AWS::Partition>:bedrock:<AWS::Region>::foundation-model/"
    assert models == [
        f"{prefix}anthropic.claude-3-5-sonnet-20240620-v1:0,{prefix}amazon.nova-canvas-v1:0"
    ]


@pytest.mark.parametrize(
    ("context", "message"),
    [
        ({"workerDesiredCount": "1"}, "workerImageTag"),
        ({"workerDesiredCount": "-1"}, "workerDesiredCount"),
        ({"qlooSecretArn": "mangaflow/qloo-api-key"}, "qlooSecretArn"),
    ],
)
def test_bad_worker_context_is_rejected(
    context: dict[str, str], message: str, tmp_path: Path
) -> None:
    with pytest.raises(ValueError, match=message):
        _workers_template(context, tmp_path)
