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

import aws_cdk as cdk
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_events as events
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from stacks.config import StageConfig
from stacks.platform.workers.flow_runs import (
    execution_role,
    flow_run_log_group,
    image_repository,
    images_kept,
    task_role,
)
from stacks.platform.workers.network import flow_run_vpc
from stacks.platform.workers.worker import worker_service


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

        self.vpc = flow_run_vpc(self, config)
        self.cluster = ecs.Cluster(
            self,
            "Cluster",
            cluster_name=config.name("flows"),
            vpc=self.vpc,
            enable_fargate_capacity_providers=True,  # FARGATE and FARGATE_SPOT
            container_insights_v2=ecs.ContainerInsights.ENABLED,
        )
        self.repository = image_repository(self, config)
        self.flow_run_logs = flow_run_log_group(self, config)
        self.task_role = task_role(self, config, bus)
        self.execution_role, self.qloo_secret = execution_role(
            self,
            config,
            repository=self.repository,
            flow_run_logs=self.flow_run_logs,
            prefect_secret=prefect_secret,
        )
        self.worker_service, self.task_events = worker_service(self, prefect_secret)

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

    @property
    def images_kept(self) -> int:
        return images_kept(self.config)
