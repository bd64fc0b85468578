"""The support chat API (streamed replies) and the support alarms.

**Chat: a Lambda function URL, ``InvokeMode.RESPONSE_STREAM``, ``AWS_IAM`` auth**, chosen over
an API Gateway WebSocket API: one resource instead of an API, routes, a stage, a connections
table and ``execute-api:ManageConnections``; it synthesizes cleanly under cdk-nag; replies up
to 15 minutes / 20 MB stream as they are generated. A function URL cannot use the platform
API's Cognito authorizer, hence ``AWS_IAM``: a signed-in user exchanges the user pool's ID
token for AWS credentials at the Cognito identity pool made here (authenticated identities
only; their role may invoke this URL and nothing else), signs the request with SigV4, and
sends the ID token in ``X-Id-Token``; the function verifies that token (tenant and roles,
``tenancy.from_claims``) before anything else.

The function is the platform API's code asset with :data:`CHAT_HANDLER` (the integrator writes
the handler). Python runtimes do not stream a handler's return value: the integrator adds the
AWS Lambda Web Adapter layer (``AWS_LAMBDA_EXEC_WRAPPER=/opt/bootstrap``,
``AWS_LWA_INVOKE_MODE=response_stream``) or another streaming runtime wrapper.

It runs in the workers' VPC (Qdrant is reachable there only), in its public subnets without a
public IP (no NAT): DynamoDB and S3 through the VPC's gateway endpoints, and STS, Secrets
Manager, Bedrock Runtime and SNS through interface endpoints made here (about 7.3 USD a month
per endpoint and zone).

**Alarms** (to the escalation topic): the platform API's 5XX error rate above 1 % and p99
latency above 10 s, the chat function's error rate above 1 %, and Bedrock throttling.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_cognito_identitypool as identitypool
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from constructs import Construct

from stacks.config import StageConfig
from stacks.nag import acknowledge, acknowledge_lambda_basics, wildcard_resource_finding
from stacks.platform import PlatformStacks
from stacks.platform.api import API_ASSET_EXCLUDE, REPO_ROOT, RUNTIME_REASON, check_api_asset
from stacks.platform.monitoring import PERIOD
from stacks.platform.workers.names import context_list

if TYPE_CHECKING:
    from stacks.support_qdrant import QdrantService

#: The chat handler in the API's code asset (written by the integrator).
CHAT_HANDLER = "mangaflow.support.chat_stream.handler"
CHAT_TIMEOUT = cdk.Duration.minutes(2)
#: The interface endpoints the chat function needs (no NAT in the workers' VPC).
ENDPOINTS = {
    "Sts": ec2.InterfaceVpcEndpointAwsService.STS,
    "SecretsManager": ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
    "BedrockRuntime": ec2.InterfaceVpcEndpointAwsService.BEDROCK_RUNTIME,
    "Sns": ec2.InterfaceVpcEndpointAwsService.SNS,
}
#: Alarm thresholds.
ERROR_RATE_PERCENT = 1
P99_LATENCY_MS = 10_000
BEDROCK_THROTTLES = 0


class ChatApi(Construct):
    """:attr:`function`, :attr:`role`, :attr:`url`, :attr:`identity_pool`."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: StageConfig,
        platform: PlatformStacks,
        key: kms.IKey,
        qdrant: QdrantService,
        environment: Mapping[str, str],
    ) -> None:
        super().__init__(scope, construct_id)
        stack = cdk.Stack.of(self)
        vpc, api = platform.workers.vpc, platform.api
        public = ec2.SubnetSelection(subnet_type=ec2.SubnetType.PUBLIC)
        self.security_group = ec2.SecurityGroup(
            self, "SecurityGroup", vpc=vpc, allow_all_outbound=True,
            description="Support chat function: outbound only (Qdrant, VPC endpoints)",
        )  # fmt: skip
        qdrant.allow_from(self.security_group, "the support chat function")
        self.endpoints = {
            name: ec2.InterfaceVpcEndpoint(
                self,
                f"{name}Endpoint",
                vpc=vpc,
                service=service,
                subnets=public,
                private_dns_enabled=True,
                open=False,
            )  # fmt: skip
            for name, service in ENDPOINTS.items()
        }
        # Private DNS resolves these services to the endpoints VPC-wide: admit the flow runs
        # (the VPC's default security group) as well as the chat function, on 443 only.
        flow_runs = ec2.Peer.security_group_id(vpc.vpc_default_security_group)
        for endpoint in self.endpoints.values():
            endpoint.connections.allow_default_port_from(self.security_group, "support chat")
            endpoint.connections.allow_default_port_from(flow_runs, "flow runs")
        asset_path = self.node.try_get_context("apiAssetPath")
        code = (
            lambda_.Code.from_asset(str(check_api_asset(asset_path)))
            if asset_path
            else lambda_.Code.from_asset(str(REPO_ROOT), exclude=API_ASSET_EXCLUDE)
        )
        self.function = lambda_.Function(
            self,
            "Function",
            runtime=lambda_.Runtime.PYTHON_3_12,
            architecture=lambda_.Architecture.ARM_64,
            handler=CHAT_HANDLER,
            code=code,
            timeout=CHAT_TIMEOUT,
            memory_size=1024,
            description="MangaFlow support chat: streamed agent replies (function URL).",
            vpc=vpc,
            vpc_subnets=public,
            allow_public_subnet=True,  # no public IP: endpoints only (see the module docstring)
            security_groups=[self.security_group],
            environment={
                "MANGAFLOW_HOME": "/tmp/mangaflow",
                "MANGAFLOW_TABLE_BACKEND": "dynamodb",
                "MANGAFLOW_BLOB_BACKEND": "s3",
                "MANGAFLOW_AWS_REGION": stack.region,
                "MANGAFLOW_AUTH_MODE": "cognito",
                "MANGAFLOW_COGNITO_REGION": stack.region,
                "MANGAFLOW_COGNITO_USER_POOL_ID": api.user_pool.user_pool_id,
                "MANGAFLOW_COGNITO_CLIENT_ID": api.user_pool_client.user_pool_client_id,
                "MANGAFLOW_QDRANT_URL": qdrant.url,
                "MANGAFLOW_SUPPORT_QDRANT_SECRET_ARN": qdrant.api_key.secret_arn,
                **environment,
            },
            log_group=logs.LogGroup(
                self, "Logs", retention=config.log_retention, encryption_key=key,
                removal_policy=config.removal_policy,
            ),
        )  # fmt: skip
        assert self.function.role is not None
        self.role: iam.IRole = self.function.role
        self.url = self.function.add_function_url(
            auth_type=lambda_.FunctionUrlAuthType.AWS_IAM,
            invoke_mode=lambda_.InvokeMode.RESPONSE_STREAM,
        )
        models = [
            stack.format_arn(service="bedrock", account="", resource="foundation-model",
                             resource_name=model)
            for model in (context_list(self, "bedrockModelIds") or ["*"])
        ]  # fmt: skip
        self.function.add_to_role_policy(
            iam.PolicyStatement(
                actions=["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"],
                resources=models,
            )
        )
        self.identity_pool = identitypool.IdentityPool(
            self,
            "IdentityPool",
            identity_pool_name=config.name("support-chat").replace("-", "_"),
            allow_unauthenticated_identities=False,
            authentication_providers=identitypool.IdentityPoolAuthenticationProviders(
                user_pools=[
                    identitypool.UserPoolAuthenticationProvider(
                        user_pool=api.user_pool, user_pool_client=api.user_pool_client
                    )
                ]
            ),
        )
        self.url.grant_invoke_url(self.identity_pool.authenticated_role)
        self._acknowledge(config, bool(context_list(self, "bedrockModelIds")))

    def _acknowledge(self, config: StageConfig, pinned_models: bool) -> None:
        acknowledge_lambda_basics(self.function)
        acknowledge(self.function, "AwsSolutions-L1", RUNTIME_REASON)
        acknowledge(
            self.function,
            "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
            "AWSLambdaVPCAccessExecutionRole]",
            "AWSLambdaVPCAccessExecutionRole only lets Lambda create and delete the function's "
            "network interfaces in the VPC.",
        )
        if not pinned_models:
            acknowledge(
                self.function,
                wildcard_resource_finding(
                    "arn:<AWS::Partition>:bedrock:<AWS::Region>::foundation-model/*"
                ),
                "The model is a per-tenant setting (agent configuration): any foundation "
                "model of the region; -c bedrockModelIds=... pins the list.",
            )
        acknowledge(
            self.function,
            "AwsSolutions-IAM5[Action::kms:GenerateDataKey*]",
            "topic.grant_publish: publishing to the KMS-encrypted escalation topic needs data "
            "keys of the support key (this one key).",
        )
        acknowledge(
            self.function,
            "AwsSolutions-IAM5[Action::kms:ReEncrypt*]",
            "Secret grant_read of the Qdrant API key: the support key's re-encrypt actions "
            "via Secrets Manager only.",
        )


class SupportAlarms(Construct):
    """:attr:`alarms` by id; every one notifies ``topic``."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: StageConfig,
        chat: ChatApi,
        topic: sns.ITopic,
    ) -> None:
        super().__init__(scope, construct_id)
        action = cw_actions.SnsAction(topic)
        # The platform's REST API by its fixed name (as its MonitoringStack's metrics).
        api_name = {"ApiName": config.name("api")}

        def api_metric(name: str, statistic: str) -> cw.Metric:
            return cw.Metric(namespace="AWS/ApiGateway", metric_name=name,
                             dimensions_map=api_name, statistic=statistic, period=PERIOD)  # fmt: skip

        def rate(errors: cw.IMetric, total: cw.IMetric, label: str) -> cw.MathExpression:
            return cw.MathExpression(
                expression="IF(total > 0, 100 * errors / total, 0)",
                using_metrics={"errors": errors, "total": total},
                label=label,
                period=PERIOD,
            )

        specs: dict[str, tuple[cw.IMetric, float, str]] = {
            "ApiErrorRate": (
                rate(api_metric("5XXError", "Sum"), api_metric("Count", "Sum"), "API 5XX %"),
                ERROR_RATE_PERCENT,
                "The platform API (support routes included) answered more than 1 % 5XX.",
            ),
            "ApiLatencyP99": (
                api_metric("Latency", "p99"),
                P99_LATENCY_MS,
                "The platform API's p99 latency is above 10 s.",
            ),
            "ChatErrorRate": (
                rate(
                    chat.function.metric_errors(period=PERIOD, statistic="Sum"),
                    chat.function.metric_invocations(period=PERIOD, statistic="Sum"),
                    "Chat errors %",
                ),  # fmt: skip
                ERROR_RATE_PERCENT,
                "More than 1 % of support chat invocations failed.",
            ),
            "BedrockThrottles": (
                cw.Metric(
                    namespace="AWS/Bedrock",
                    metric_name="InvocationThrottles",
                    statistic="Sum",
                    period=PERIOD,
                ),  # fmt: skip
                BEDROCK_THROTTLES,
                "Bedrock throttled model invocations (all models of the region).",
            ),
        }
        self.alarms: dict[str, cw.Alarm] = {}
        for cid, (metric, threshold, description) in specs.items():
            alarm = cw.Alarm(
                self,
                cid,
                alarm_name=config.name(f"Support{cid}"),
                alarm_description=description,
                metric=metric,
                threshold=threshold,
                comparison_operator=cw.ComparisonOperator.GREATER_THAN_THRESHOLD,
                evaluation_periods=1,
                treat_missing_data=cw.TreatMissingData.NOT_BREACHING,
            )
            alarm.add_alarm_action(action)
            self.alarms[cid] = alarm
