"""The Prefect ECS worker as a Fargate service of the Workers stack, with what it may call
(prefect-aws ECSWorker and its observer of ECS task state changes)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sqs as sqs

from stacks.config import context_int
from stacks.nag import acknowledge, wildcard_resource_finding
from stacks.platform.workers.flow_runs import acknowledge_image_pull
from stacks.platform.workers.names import (
    ECS_TASKS,
    TASK_FAMILY_PREFIX,
    WORK_POOL,
    WORKER_HEALTH_PORT,
)

if TYPE_CHECKING:
    from stacks.platform.workers.stack import WorkersStack


def worker_service(
    stack: WorkersStack, prefect_secret: secretsmanager.ISecret
) -> tuple[ecs.FargateService, sqs.Queue]:
    """The Prefect ECS worker as a Fargate service (``workerDesiredCount``, default 0), and
    the queue of the cluster's task state changes its observer reads."""
    config = stack.config
    desired = context_int(stack, "workerDesiredCount", default=0, minimum=0)
    tag = stack.node.try_get_context("workerImageTag")
    if desired and not tag:
        raise ValueError(
            "context workerDesiredCount > 0 needs -c workerImageTag=<tag> (an image "
            "pushed to the stack's repository; tags are immutable, so no `latest`)"
        )

    # ECS task state changes -> SQS: the worker's observer reports flow runs whose task
    # stopped before Prefect heard from them as crashed (as prefect-aws's own
    # `ecs-worker deploy-events` stack does).
    events_dlq = sqs.Queue(
        stack,
        "TaskEventsDlq",
        queue_name=config.name("ecs-task-events-dlq"),
        retention_period=cdk.Duration.days(14),
        encryption=sqs.QueueEncryption.SQS_MANAGED,
        enforce_ssl=True,
        removal_policy=config.removal_policy,
    )
    task_events = sqs.Queue(
        stack,
        "TaskEventsQueue",
        queue_name=config.name("ecs-task-events"),
        retention_period=cdk.Duration.days(7),
        visibility_timeout=cdk.Duration.minutes(5),
        encryption=sqs.QueueEncryption.SQS_MANAGED,
        enforce_ssl=True,
        dead_letter_queue=sqs.DeadLetterQueue(max_receive_count=3, queue=events_dlq),
        removal_policy=config.removal_policy,
    )
    events.Rule(
        stack,
        "TaskStateChangeRule",
        description=f"ECS task state changes of {config.name('flows')} -> Prefect worker",
        event_pattern=events.EventPattern(
            source=["aws.ecs"],
            detail_type=["ECS Task State Change"],
            detail={"clusterArn": [stack.cluster.cluster_arn]},
        ),
        targets=[targets.SqsQueue(task_events, dead_letter_queue=events_dlq)],
    )

    worker_logs = logs.LogGroup(
        stack,
        "WorkerLogs",
        log_group_name=f"/mangaflow/{config.stage}/worker",
        retention=config.log_retention,
        removal_policy=config.removal_policy,
    )
    worker_role = iam.Role(
        stack,
        "WorkerRole",
        assumed_by=iam.ServicePrincipal(ECS_TASKS),
        description=f"MangaFlow {config.stage} Prefect ECS worker: starts flow-run tasks.",
    )
    _grant_worker(stack, worker_role)
    task_events.grant_consume_messages(worker_role)

    task_definition = ecs.FargateTaskDefinition(
        stack,
        "WorkerTask",
        family=config.name("prefect-worker"),
        cpu=512,
        memory_limit_mib=1024,
        # deployments/Dockerfile builds linux/amd64 (see deployments/README.md).
        runtime_platform=ecs.RuntimePlatform(
            cpu_architecture=ecs.CpuArchitecture.X86_64,
            operating_system_family=ecs.OperatingSystemFamily.LINUX,
        ),
        task_role=worker_role,
    )
    task_definition.add_container(
        "prefect-worker",
        container_name="prefect-worker",
        # "unset": a placeholder that no task pulls while the desired count is 0.
        image=ecs.ContainerImage.from_ecr_repository(stack.repository, str(tag or "unset")),
        command=[
            "prefect", "worker", "start", "--pool", WORK_POOL, "--type", "ecs",
            "--with-healthcheck",
        ],
        # The Prefect secret of the Events stack: JSON {"url": ..., "key": ...}.
        secrets={
            "PREFECT_API_URL": ecs.Secret.from_secrets_manager(prefect_secret, "url"),
            "PREFECT_API_KEY": ecs.Secret.from_secrets_manager(prefect_secret, "key"),
        },
        environment={
            "PREFECT_INTEGRATIONS_AWS_ECS_OBSERVER_SQS_QUEUE_NAME": task_events.queue_name,
            "PREFECT_INTEGRATIONS_AWS_ECS_OBSERVER_SQS_QUEUE_REGION": stack.region,
        },
        port_mappings=[ecs.PortMapping(container_port=WORKER_HEALTH_PORT)],
        health_check=ecs.HealthCheck(
            command=[
                "CMD-SHELL",
                "python -c \"import urllib.request; urllib.request.urlopen("
                f"'http://localhost:{WORKER_HEALTH_PORT}/health', timeout=5)\"",
            ],
            interval=cdk.Duration.seconds(30),
            timeout=cdk.Duration.seconds(5),
            retries=3,
            start_period=cdk.Duration.seconds(60),
        ),
        logging=ecs.LogDrivers.aws_logs(stream_prefix="worker", log_group=worker_logs),
    )  # fmt: skip
    acknowledge(
        task_definition,
        "AwsSolutions-ECS2",
        "The only plain environment variables are the observer's SQS queue name and "
        "region; the Prefect URL and key come from Secrets Manager (`secrets`).",
    )
    if task_definition.execution_role is not None:
        acknowledge_image_pull(task_definition.execution_role)

    # The worker only makes outbound calls (Prefect API, ECS, EC2, SQS, CloudWatch).
    security_group = ec2.SecurityGroup(
        stack,
        "WorkerSecurityGroup",
        vpc=stack.vpc,
        description="Prefect ECS worker: no inbound, HTTPS out",
        allow_all_outbound=True,
    )
    service = ecs.FargateService(
        stack,
        "WorkerService",
        service_name=config.name("prefect-worker"),
        cluster=stack.cluster,
        task_definition=task_definition,
        desired_count=desired,
        # Public subnet + public IP, as for flow runs: no NAT gateway (see the VPC).
        assign_public_ip=True,
        vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PUBLIC),
        security_groups=[security_group],
        min_healthy_percent=100,  # a second worker briefly overlaps on deploys: harmless
        max_healthy_percent=200,
        circuit_breaker=ecs.DeploymentCircuitBreaker(enable=True, rollback=True),
    )
    cdk.CfnOutput(
        stack,
        "WorkerServiceName",
        value=service.service_name,
        description="The Prefect worker service (workerDesiredCount, workerImageTag)",
    )
    return service, task_events


def _grant_worker(stack: WorkersStack, role: iam.Role) -> None:
    """What `prefect worker start --type ecs` calls (prefect-aws ECSWorker + observer)."""
    config = stack.config
    cluster_name = config.name("flows")
    tasks = stack.format_arn(service="ecs", resource="task", resource_name=f"{cluster_name}/*")
    families = stack.format_arn(
        service="ecs", resource="task-definition", resource_name=f"{TASK_FAMILY_PREFIX}*"
    )
    in_cluster = {"ArnEquals": {"ecs:cluster": stack.cluster.cluster_arn}}
    role.add_to_policy(
        iam.PolicyStatement(
            sid="RunFlowRunTasks",
            actions=["ecs:RunTask"],
            resources=[families],
            conditions=in_cluster,
        )
    )
    role.add_to_policy(
        iam.PolicyStatement(
            sid="WatchAndStopFlowRunTasks",
            actions=["ecs:DescribeTasks", "ecs:StopTask"],
            resources=[tasks],
            conditions=in_cluster,
        )
    )
    role.add_to_policy(
        iam.PolicyStatement(
            sid="TagFlowRunTasks",  # RunTask with `tags` (the run's labels)
            actions=["ecs:TagResource"],
            resources=[tasks],
            conditions={"StringEquals": {"ecs:CreateAction": "RunTask"}},
        )
    )
    role.add_to_policy(
        iam.PolicyStatement(
            sid="TaskDefinitionsAndNetwork",
            actions=[
                "ecs:RegisterTaskDefinition",
                "ecs:DescribeTaskDefinition",
                "ec2:DescribeVpcs",
                "ec2:DescribeSubnets",
            ],
            resources=["*"],
        )
    )
    role.add_to_policy(
        iam.PolicyStatement(
            sid="PassFlowRunRoles",
            actions=["iam:PassRole"],
            resources=[stack.task_role.role_arn, stack.execution_role.role_arn],
            conditions={"StringEquals": {"iam:PassedToService": ECS_TASKS}},
        )
    )
    role.add_to_policy(
        iam.PolicyStatement(
            sid="ReadCrashedRunLogs",  # the observer forwards a crashed run's output
            actions=["logs:GetLogEvents"],
            resources=[stack.flow_run_logs.log_group_arn],
        )
    )
    acknowledge(
        role,
        wildcard_resource_finding("*"),
        "ecs:RegisterTaskDefinition, ecs:DescribeTaskDefinition, ec2:DescribeVpcs and "
        "ec2:DescribeSubnets support no resource-level permissions; they register and "
        "read task definitions and read the network, nothing else.",
    )
    acknowledge(
        role,
        wildcard_resource_finding(
            f"arn:<AWS::Partition>:ecs:<AWS::Region>:<AWS::AccountId>:task/{cluster_name}/*"
        ),
        "The flow-run tasks the worker starts get ids at run time; the grant covers only "
        "tasks of this stage's cluster (and the ecs:cluster condition).",
    )
    acknowledge(
        role,
        wildcard_resource_finding(
            "arn:<AWS::Partition>:ecs:<AWS::Region>:<AWS::AccountId>:task-definition/"
            f"{TASK_FAMILY_PREFIX}*"
        ),
        "prefect-aws registers one task definition family per deployment "
        f"({TASK_FAMILY_PREFIX}<deployment id>) and revisions of it; RunTask is limited "
        "to those families in this stage's cluster.",
    )
