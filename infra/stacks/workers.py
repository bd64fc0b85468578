"""WorkersStack: what the Prefect ECS work pool ``mangaflow-ecs`` runs flow runs on.

The VPC, ECS cluster, ECR repository, the flow runs' task and execution roles and their log
group (what ``deployments/README.md`` once listed to create by hand), plus, optionally, the
Prefect ECS worker itself as a Fargate service. The outputs are the values of the
``prefect variable set mangaflow_ecs_*`` commands in ``deployments/README.md``.

Context (``cdk deploy -c key=value``):

- ``qlooSecretArn``: the Secrets Manager ARN of the Qloo API key that ECS injects into flow
  runs (``MANGAFLOW_QLOO_SECRET_ARN`` of ``deployments/ecs/ecs.yaml``). Default: the secret
  named ``mangaflow-<stage>-qloo-api-key`` in this account and region.
- ``bedrockModelIds``: comma-separated Bedrock model ids the flows may invoke. Default: any
  foundation model of the stack's region (the model is a setting, ``MANGAFLOW_BEDROCK_*``).
- ``workerDesiredCount`` (default 0) and ``workerImageTag``: the worker service runs that many
  copies of ``<repository>:<tag>``; 0 until the image is pushed, so a fresh deploy runs nothing.
"""

from __future__ import annotations

import re

import aws_cdk as cdk
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from stacks.config import StageConfig, context_int
from stacks.nag import acknowledge, wildcard_resource_finding
from stacks.storage import episode_bucket_name

#: The work pool of deployments/ecs/ (ecs.yaml, base-job-template.json).
WORK_POOL = "mangaflow-ecs"
#: prefect-aws names the task definitions it registers ``prefect_<pool>_<deployment id>``.
TASK_FAMILY_PREFIX = f"prefect_{WORK_POOL}_"
WORKER_HEALTH_PORT = 8080  # `prefect worker start --with-healthcheck`
ECS_TASKS = "ecs-tasks.amazonaws.com"
SECRET_ARN = re.compile(r"^arn:[\w-]+:secretsmanager:[\w-]+:\d{12}:secret:[\w/+=.@-]+$")
COMPLETE_SECRET_SUFFIX = re.compile(r"-[A-Za-z0-9]{6}$")


def flow_run_log_group_name(config: StageConfig) -> str:
    """Per stage, so two stages can share an account; the pool's ``awslogs-group`` must name
    it (``deployments/ecs/base-job-template.json`` defaults to ``/mangaflow/flow-runs``)."""
    return f"/mangaflow/{config.stage}/flow-runs"


def qloo_secret_name(config: StageConfig) -> str:
    return config.name("qloo-api-key")


def _context_list(scope: Construct, key: str) -> list[str]:
    raw = scope.node.try_get_context(key)
    if raw is None:
        return []
    items = raw if isinstance(raw, list) else str(raw).split(",")
    return [str(item).strip() for item in items if str(item).strip()]


class WorkersStack(cdk.Stack):
    def __init__(  # type: ignore[no-untyped-def]
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: StageConfig,
        bus: events.IEventBus,
        prefect_secret: secretsmanager.ISecret,
        **kwargs,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.config = config

        # ------------------------------------------------------------------ network
        # A small VPC of its own: public subnets only, no NAT gateway. The pool's template
        # gives prefect-aws only `vpc_id`, and from it prefect-aws builds every flow run's
        # network: *all* subnets of the VPC, `assignPublicIp: ENABLED`, the VPC's default
        # security group. Private subnets would not keep runs off public IPs (they would
        # land in the public subnets too) and would add NAT gateways (~32 USD/month each,
        # one per AZ for HA) for nothing. Nothing can connect in: the default security group
        # admits only its own members and flow runs listen on no port. Two AZs: Fargate
        # capacity in more than one zone at no cost. (Private subnets become worthwhile once
        # the pool also sets `network_configuration`: subnet ids + a security group.)
        self.vpc = ec2.Vpc(
            self,
            "Vpc",
            vpc_name=config.name("workers"),
            ip_addresses=ec2.IpAddresses.cidr("10.40.0.0/16"),
            max_azs=2,
            nat_gateways=0,
            subnet_configuration=[
                ec2.SubnetConfiguration(
                    name="public",
                    subnet_type=ec2.SubnetType.PUBLIC,
                    cidr_mask=20,
                    # Only tasks that ask for one (RunTask assignPublicIp) get a public IP.
                    map_public_ip_on_launch=False,
                )
            ],
            # Flow runs use the default security group (above): it must keep its egress
            # rule, which restricting it would remove.
            restrict_default_security_group=False,
            # Free gateway endpoints: DynamoDB and S3 traffic stays on the AWS network.
            gateway_endpoints={
                "S3": ec2.GatewayVpcEndpointOptions(service=ec2.GatewayVpcEndpointAwsService.S3),
                "DynamoDB": ec2.GatewayVpcEndpointOptions(
                    service=ec2.GatewayVpcEndpointAwsService.DYNAMODB
                ),
            },
            flow_logs={
                "FlowLog": ec2.FlowLogOptions(
                    destination=ec2.FlowLogDestination.to_cloud_watch_logs(
                        logs.LogGroup(
                            self,
                            "VpcFlowLogs",
                            retention=config.log_retention,
                            removal_policy=config.removal_policy,
                        )
                    ),
                    # Rejected traffic is what matters for security; all traffic in prod
                    # (billed per GB ingested).
                    traffic_type=ec2.FlowLogTrafficType.ALL
                    if config.is_prod
                    else ec2.FlowLogTrafficType.REJECT,
                )
            },
        )

        # ------------------------------------------------------------------ cluster
        self.cluster = ecs.Cluster(
            self,
            "Cluster",
            cluster_name=config.name("flows"),
            vpc=self.vpc,
            enable_fargate_capacity_providers=True,  # FARGATE and FARGATE_SPOT
            container_insights_v2=ecs.ContainerInsights.ENABLED,
        )

        # ------------------------------------------------------------------ image
        # Immutable tags: deployments pin `MANGAFLOW_IMAGE` to a git commit tag, so a tag must
        # never move under a registered deployment (a retried or re-triggered run starts the
        # code it was deployed with, and a stray push cannot replace an image in use).
        # AES-256 (ECR-managed keys): a customer KMS key would add cost and key policy to
        # manage for a repository that no other account reads.
        self.repository = ecr.Repository(
            self,
            "Repository",
            repository_name=config.name("flows"),
            image_scan_on_push=True,
            image_tag_mutability=ecr.TagMutability.IMMUTABLE,
            encryption=ecr.RepositoryEncryption.AES_256,
            lifecycle_rules=[
                ecr.LifecycleRule(
                    rule_priority=1,
                    description="Untagged layers of interrupted or superseded pushes",
                    tag_status=ecr.TagStatus.UNTAGGED,
                    max_image_age=cdk.Duration.days(1),
                ),
                ecr.LifecycleRule(
                    rule_priority=2,
                    description="Keep the most recent images (older deployments' tags go)",
                    tag_status=ecr.TagStatus.ANY,
                    max_image_count=self.images_kept,
                ),
            ],
            removal_policy=config.removal_policy,
            empty_on_delete=not config.is_prod,
        )

        # ------------------------------------------------------------------ flow-run logs
        self.flow_run_logs = logs.LogGroup(
            self,
            "FlowRunLogs",
            log_group_name=flow_run_log_group_name(config),
            retention=config.log_retention,
            removal_policy=config.removal_policy,
        )

        # ------------------------------------------------------------------ task role
        # What flow code may do (boto3 in the task picks it up). Role names are left to
        # CloudFormation: IAM names are account-wide, and the stack outputs carry the ARNs.
        self.task_role = iam.Role(
            self,
            "TaskRole",
            assumed_by=iam.ServicePrincipal(ECS_TASKS),
            description=f"MangaFlow {config.stage} flow runs: table, bucket, bus, Bedrock.",
        )
        # Table and bucket: their own grant methods, called on copies imported by StorageStack's
        # fixed names (as ApiStack scopes its IAM). Same statements as on the originals, but no
        # cross-stack export pins the Storage stack's resources (mangaflow_app keeps the deploy
        # order), and cdk-nag's findings are stable strings.
        table_name, bucket_name = config.name("table"), episode_bucket_name(config)
        self.table = dynamodb.TableV2.from_table_attributes(
            self, "Table", table_name=table_name, grant_index_permissions=True
        )
        self.bucket = s3.Bucket.from_bucket_name(self, "Bucket", bucket_name)
        self.table.grant_read_write_data(self.task_role)
        self.bucket.grant_read_write(self.task_role)
        bus.grant_put_events_to(self.task_role)
        model_ids = _context_list(self, "bedrockModelIds")
        models = [
            self.format_arn(
                service="bedrock", account="", resource="foundation-model", resource_name=model
            )
            for model in (model_ids or ["*"])
        ]
        # Converse/ConverseStream are authorized by these two actions (no separate action).
        self.task_role.add_to_policy(
            iam.PolicyStatement(
                actions=["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"],
                resources=models,
            )
        )
        self._acknowledge_task_role(model_ids, table_name)

        # ------------------------------------------------------------------ execution role
        # What ECS does to start a flow run: pull the image, ship its logs, read the secrets
        # of ecs.yaml. Instead of AmazonECSTaskExecutionRolePolicy (any repository, any log
        # group) the same actions scoped to this repository and log group.
        self.execution_role = iam.Role(
            self,
            "ExecutionRole",
            assumed_by=iam.ServicePrincipal(ECS_TASKS),
            description=f"MangaFlow {config.stage} flow runs: image pull, logs, secrets.",
        )
        self.repository.grant_pull(self.execution_role)
        self.flow_run_logs.grant_write(self.execution_role)
        # prefect-aws sets `awslogs-create-group: true`: the log driver calls CreateLogGroup
        # (a no-op on this existing group, but it must be allowed).
        self.execution_role.add_to_policy(
            iam.PolicyStatement(
                actions=["logs:CreateLogGroup"],
                resources=[self._log_group_arn(flow_run_log_group_name(config))],
            )
        )
        self.qloo_secret = self._qloo_secret()
        self.qloo_secret.grant_read(self.execution_role)
        # The flow runs' Prefect API key, as an ECS secret (never a plain env var in RunTask).
        prefect_secret.grant_read(self.execution_role)
        self._acknowledge_image_pull(self.execution_role)

        # ------------------------------------------------------------------ worker
        self.worker_service = self._worker(prefect_secret)

        # ------------------------------------------------------------------ outputs
        outputs = {
            "ClusterName": (self.cluster.cluster_name, "prefect variable mangaflow_ecs_cluster"),
            "TaskRoleArn": (
                self.task_role.role_arn,
                "prefect variable mangaflow_ecs_task_role_arn",
            ),
            "ExecutionRoleArn": (
                self.execution_role.role_arn,
                "prefect variable mangaflow_ecs_execution_role_arn",
            ),
            "VpcId": (self.vpc.vpc_id, "prefect variable mangaflow_ecs_vpc_id"),
            "RepositoryUri": (
                self.repository.repository_uri,
                "push the flow image here; MANGAFLOW_IMAGE=<uri>:<tag>",
            ),
            "FlowRunLogGroupName": (
                self.flow_run_logs.log_group_name,
                "prefect variable mangaflow_ecs_log_group",
            ),
            "PrefectApiKeySecretArn": (
                f"{prefect_secret.secret_arn}:key::",
                "prefect variable mangaflow_prefect_api_key_secret_arn (if the API needs a key)",
            ),
        }
        for key, (value, description) in outputs.items():
            cdk.CfnOutput(self, key, value=value, description=description)

    # ---------------------------------------------------------------------- helpers
    @property
    def images_kept(self) -> int:
        return 50 if self.config.is_prod else 15

    def _log_group_arn(self, name: str) -> str:
        return self.format_arn(
            service="logs",
            resource="log-group",
            resource_name=name,
            arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
        )

    def _qloo_secret(self) -> secretsmanager.ISecret:
        arn = self.node.try_get_context("qlooSecretArn")
        if arn is None:
            return secretsmanager.Secret.from_secret_name_v2(
                self, "QlooSecret", qloo_secret_name(self.config)
            )
        arn = str(arn)
        if not SECRET_ARN.match(arn):
            raise ValueError(
                f"context qlooSecretArn={arn!r}: expected a Secrets Manager secret ARN "
                "(arn:aws:secretsmanager:<region>:<account>:secret:<name>-<suffix>)"
            )
        if COMPLETE_SECRET_SUFFIX.search(arn):
            return secretsmanager.Secret.from_secret_complete_arn(self, "QlooSecret", arn)
        return secretsmanager.Secret.from_secret_partial_arn(self, "QlooSecret", arn)

    def _acknowledge_task_role(self, model_ids: list[str], table_name: str) -> None:
        role = self.task_role
        acknowledge(
            role,
            wildcard_resource_finding(
                f"arn:<AWS::Partition>:dynamodb:<AWS::Region>:<AWS::AccountId>:table/{table_name}/index/*"
            ),
            "table.grant_read_write_data: flows query GSI1/GSI2 of this one table (the "
            "single-table access patterns); the wildcard covers only its indexes.",
        )
        acknowledge(
            role,
            wildcard_resource_finding(
                f"arn:<AWS::Partition>:s3:::{self.config.name('episodes')}-<AWS::AccountId>-<AWS::Region>/*"
            ),
            "bucket.grant_read_write: flows write and read episode files (pages, PDF, CBZ) "
            "under any key of this one bucket.",
        )
        for action in (
            "s3:GetObject*",
            "s3:GetBucket*",
            "s3:List*",
            "s3:DeleteObject*",
            "s3:Abort*",
        ):
            acknowledge(
                role,
                f"AwsSolutions-IAM5[Action::{action}]",
                "The action groups of bucket.grant_read_write (read, write, delete, abort "
                "multipart uploads), on the episode bucket only.",
            )
        if not model_ids:
            acknowledge(
                role,
                wildcard_resource_finding(
                    "arn:<AWS::Partition>:bedrock:<AWS::Region>::foundation-model/*"
                ),
                "The text and image models are settings (MANGAFLOW_BEDROCK_TEXT_MODEL/"
                "IMAGE_MODEL) changed without a deploy; only AWS foundation models of this "
                "region. Narrow it with -c bedrockModelIds=<id>,<id>.",
            )

    def _acknowledge_image_pull(self, role: iam.IRole) -> None:
        acknowledge(
            role,
            wildcard_resource_finding("*"),
            "repository.grant_pull: ecr:GetAuthorizationToken has no resource-level "
            "permissions (it returns a registry login); the layer and image actions are "
            "scoped to this repository.",
        )

    def _worker(self, prefect_secret: secretsmanager.ISecret) -> ecs.FargateService:
        """The Prefect ECS worker as a Fargate service (``workerDesiredCount``, default 0)."""
        config = self.config
        desired = context_int(self, "workerDesiredCount", default=0, minimum=0)
        tag = self.node.try_get_context("workerImageTag")
        if desired and not tag:
            raise ValueError(
                "context workerDesiredCount > 0 needs -c workerImageTag=<tag> (an image "
                "pushed to the stack's repository; tags are immutable, so no `latest`)"
            )

        # ECS task state changes -> SQS: the worker's observer reports flow runs whose task
        # stopped before Prefect heard from them as crashed (as prefect-aws's own
        # `ecs-worker deploy-events` stack does).
        events_dlq = sqs.Queue(
            self,
            "TaskEventsDlq",
            queue_name=config.name("ecs-task-events-dlq"),
            retention_period=cdk.Duration.days(14),
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            removal_policy=config.removal_policy,
        )
        self.task_events = sqs.Queue(
            self,
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
            self,
            "TaskStateChangeRule",
            description=f"ECS task state changes of {config.name('flows')} -> Prefect worker",
            event_pattern=events.EventPattern(
                source=["aws.ecs"],
                detail_type=["ECS Task State Change"],
                detail={"clusterArn": [self.cluster.cluster_arn]},
            ),
            targets=[targets.SqsQueue(self.task_events, dead_letter_queue=events_dlq)],
        )

        worker_logs = logs.LogGroup(
            self,
            "WorkerLogs",
            log_group_name=f"/mangaflow/{config.stage}/worker",
            retention=config.log_retention,
            removal_policy=config.removal_policy,
        )
        worker_role = iam.Role(
            self,
            "WorkerRole",
            assumed_by=iam.ServicePrincipal(ECS_TASKS),
            description=f"MangaFlow {config.stage} Prefect ECS worker: starts flow-run tasks.",
        )
        self._grant_worker(worker_role)
        self.task_events.grant_consume_messages(worker_role)

        task_definition = ecs.FargateTaskDefinition(
            self,
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
            image=ecs.ContainerImage.from_ecr_repository(self.repository, str(tag or "unset")),
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
                "PREFECT_INTEGRATIONS_AWS_ECS_OBSERVER_SQS_QUEUE_NAME": (
                    self.task_events.queue_name
                ),
                "PREFECT_INTEGRATIONS_AWS_ECS_OBSERVER_SQS_QUEUE_REGION": self.region,
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
            self._acknowledge_image_pull(task_definition.execution_role)

        # The worker only makes outbound calls (Prefect API, ECS, EC2, SQS, CloudWatch).
        security_group = ec2.SecurityGroup(
            self,
            "WorkerSecurityGroup",
            vpc=self.vpc,
            description="Prefect ECS worker: no inbound, HTTPS out",
            allow_all_outbound=True,
        )
        service = ecs.FargateService(
            self,
            "WorkerService",
            service_name=config.name("prefect-worker"),
            cluster=self.cluster,
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
            self,
            "WorkerServiceName",
            value=service.service_name,
            description="The Prefect worker service (workerDesiredCount, workerImageTag)",
        )
        return service

    def _grant_worker(self, role: iam.Role) -> None:
        """What `prefect worker start --type ecs` calls (prefect-aws ECSWorker + observer)."""
        config = self.config
        cluster_name = config.name("flows")
        tasks = self.format_arn(service="ecs", resource="task", resource_name=f"{cluster_name}/*")
        families = self.format_arn(
            service="ecs", resource="task-definition", resource_name=f"{TASK_FAMILY_PREFIX}*"
        )
        in_cluster = {"ArnEquals": {"ecs:cluster": self.cluster.cluster_arn}}
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
                resources=[self.task_role.role_arn, self.execution_role.role_arn],
                conditions={"StringEquals": {"iam:PassedToService": ECS_TASKS}},
            )
        )
        role.add_to_policy(
            iam.PolicyStatement(
                sid="ReadCrashedRunLogs",  # the observer forwards a crashed run's output
                actions=["logs:GetLogEvents"],
                resources=[self.flow_run_logs.log_group_arn],
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
