"""WorkersStack: what the Prefect ECS work pool runs flow runs on, and the worker service."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from aws_cdk.assertions import Match, Template
from stacks.config import stage_config
from stacks.platform.workers import WORK_POOL

from mangaflow.products import routes
from tests.infra.synth import Built

pytestmark = pytest.mark.slow


def _workers_template(context: dict[str, str], outdir: Path) -> Template:
    """A WorkersStack (with the Events stack it takes) under CDK ``context``, synthesized with
    the AwsSolutions checks (findings raise)."""
    import aws_cdk as cdk
    from cdk_nag import AwsSolutionsChecks
    from stacks.platform.events import EventsStack
    from stacks.platform.workers import WorkersStack

    app = cdk.App(context=context, outdir=str(outdir))
    config = stage_config("dev")
    events_stack = EventsStack(app, "Events", config=config, routes=routes())
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
        stage = stacks.platform.workers.config.stage
        Template.from_stack(stacks.platform.workers).has_resource_properties(
            "AWS::Logs::LogGroup",
            {"LogGroupName": f"/mangaflow/{stage}/flow-runs", "RetentionInDays": days},
        )
    prod_t = Template.from_stack(prod[1].platform.workers)
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
