"""ApiStack: Cognito (+ post-authentication trigger) and the FastAPI Lambda behind API Gateway."""

from __future__ import annotations

from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct

from stacks.config import INFRA_DIR, LAMBDAS_DIR, StageConfig
from stacks.nag import (
    acknowledge,
    acknowledge_lambda_basics,
    managed_policy_finding,
    wildcard_resource_finding,
)
from stacks.platform.storage import episode_bucket_name

REPO_ROOT = INFRA_DIR.parent
API_HANDLER = "mangaflow.api.lambda_handler.handler"

# Allow-list of the repo root: only the `mangaflow` package goes into the API asset.
# Third-party dependencies (fastapi, mangum, pydantic, ...) are NOT bundled here, so this asset
# only synthesizes; for a real deploy point `-c apiAssetPath=<dir>` at a directory built by
# `scripts/build-api-asset.sh` (wheels for this function's runtime and architecture).
API_ASSET_EXCLUDE = [
    "*",
    ".*",
    "!mangaflow",
    "!mangaflow/**",
    "**/__pycache__",
    "**/*.pyc",
    "mangaflow.egg-info",
]

RUNTIME_REASON = (
    "Pinned to Python 3.12 on purpose: the project supports Python >=3.11,<3.13 "
    "(pyproject requires-python), so a newer Lambda runtime is untested."
)


#: What a `-c apiAssetPath` directory must hold for the handler to run (glob: why).
API_ASSET_REQUIRED = {
    "mangaflow/api/lambda_handler.py": "the handler",
    "mangaflow-*.dist-info": "the provider entry points; copy-only packages lack them",
    "mangum": "the third-party packages",
}


def check_api_asset(asset_path: str | Path) -> Path:
    """The directory of ``-c apiAssetPath``, or a ValueError naming what it lacks to run."""
    path = Path(asset_path).resolve()
    missing = (
        [f"no {pattern} ({why})" for pattern, why in API_ASSET_REQUIRED.items()
         if not any(path.glob(pattern))]
        if path.is_dir()
        else ["not a directory"]
    )  # fmt: skip
    if missing:
        raise ValueError(
            f"-c apiAssetPath={path} is not an API Lambda asset: {'; '.join(missing)}. "
            "Build one with scripts/build-api-asset.sh and pass the directory it prints."
        )
    return path


class ApiStack(cdk.Stack):
    def __init__(  # type: ignore[no-untyped-def]
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: StageConfig,
        bus: events.IEventBus,
        **kwargs,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        # IAM is scoped with ARNs built from the fixed resource names (explicit actions, no
        # `Get*`-style wildcards), so the nag findings are stable strings acknowledged below.
        table_name = config.name("table")
        bucket_name = episode_bucket_name(config)
        table_arn = self.format_arn(service="dynamodb", resource="table", resource_name=table_name)
        bucket_arn = f"arn:{cdk.Aws.PARTITION}:s3:::{bucket_name}"

        # ------------------------------------------------------------------ Cognito
        self.post_auth = lambda_.Function(
            self,
            "PostAuthFunction",
            runtime=lambda_.Runtime.PYTHON_3_12,
            architecture=lambda_.Architecture.ARM_64,
            handler="handler.handler",
            code=lambda_.Code.from_asset(str(LAMBDAS_DIR / "post_auth")),
            timeout=cdk.Duration.seconds(5),
            memory_size=128,
            description="Cognito post-authentication: create the user's profile item once.",
            environment={"TABLE_NAME": table_name},
            log_group=logs.LogGroup(
                self, "PostAuthLogs", retention=config.log_retention,
                removal_policy=config.removal_policy,
            ),
        )  # fmt: skip
        self.post_auth.add_to_role_policy(
            iam.PolicyStatement(actions=["dynamodb:PutItem"], resources=[table_arn])
        )
        acknowledge_lambda_basics(self.post_auth)
        acknowledge(self.post_auth, "AwsSolutions-L1", RUNTIME_REASON)

        self.user_pool = cognito.UserPool(
            self,
            "UserPool",
            user_pool_name=config.name("users"),
            self_sign_up_enabled=True,
            sign_in_aliases=cognito.SignInAliases(email=True),
            auto_verify=cognito.AutoVerifiedAttrs(email=True),
            password_policy=cognito.PasswordPolicy(
                min_length=12,
                require_lowercase=True,
                require_uppercase=True,
                require_digits=True,
                require_symbols=True,
                temp_password_validity=cdk.Duration.days(3),
            ),
            mfa=cognito.Mfa.OPTIONAL,
            mfa_second_factor=cognito.MfaSecondFactor(otp=True, sms=False),
            account_recovery=cognito.AccountRecovery.EMAIL_ONLY,
            feature_plan=cognito.FeaturePlan.PLUS
            if config.advanced_security
            else cognito.FeaturePlan.ESSENTIALS,
            standard_threat_protection_mode=cognito.StandardThreatProtectionMode.FULL_FUNCTION
            if config.advanced_security
            else None,
            lambda_triggers=cognito.UserPoolTriggers(post_authentication=self.post_auth),
            deletion_protection=config.is_prod,
            removal_policy=config.removal_policy,
        )
        acknowledge(
            self.user_pool,
            "AwsSolutions-COG2",
            "MFA is optional by product decision (SPEC: consumer sign-up); users can enrol a "
            "TOTP factor. Enforcing it would block sign-up for the manga reader audience.",
        )
        if not config.advanced_security:
            acknowledge(
                self.user_pool,
                "AwsSolutions-COG3",
                f"Threat protection (ENFORCED) needs the Cognito Plus feature plan, billed per "
                f"MAU; it is enabled in prod only, not in the {config.stage} stage.",
            )
        self.user_pool_client = self.user_pool.add_client(
            "WebClient",
            user_pool_client_name=config.name("web"),
            generate_secret=False,
            auth_flows=cognito.AuthFlow(user_srp=True),
            prevent_user_existence_errors=True,
            access_token_validity=cdk.Duration.hours(1),
            id_token_validity=cdk.Duration.hours(1),
            refresh_token_validity=cdk.Duration.days(30),
        )

        # ------------------------------------------------------------------ API Lambda
        asset_path = self.node.try_get_context("apiAssetPath")
        code = (
            lambda_.Code.from_asset(str(check_api_asset(asset_path)))
            if asset_path
            else lambda_.Code.from_asset(str(REPO_ROOT), exclude=API_ASSET_EXCLUDE)
        )
        self.api_function = lambda_.Function(
            self,
            "ApiFunction",
            runtime=lambda_.Runtime.PYTHON_3_12,
            architecture=lambda_.Architecture.ARM_64,
            handler=API_HANDLER,
            code=code,
            timeout=cdk.Duration.seconds(29),
            memory_size=1024,
            description="MangaFlow REST API (FastAPI via Mangum).",
            environment={
                "MANGAFLOW_HOME": "/tmp/mangaflow",
                "MANGAFLOW_TABLE_BACKEND": "dynamodb",
                "MANGAFLOW_BLOB_BACKEND": "s3",
                "MANGAFLOW_EVENT_BUS": "eventbridge",
                "MANGAFLOW_TABLE_NAME": table_name,
                "MANGAFLOW_BUCKET": bucket_name,
                "MANGAFLOW_EVENT_BUS_NAME": bus.event_bus_name,
                "MANGAFLOW_AWS_REGION": self.region,
                "MANGAFLOW_AUTH_MODE": "cognito",
                "MANGAFLOW_COGNITO_REGION": self.region,
                "MANGAFLOW_COGNITO_USER_POOL_ID": self.user_pool.user_pool_id,
                "MANGAFLOW_COGNITO_CLIENT_ID": self.user_pool_client.user_pool_client_id,
            },
            log_group=logs.LogGroup(
                self, "ApiFunctionLogs", retention=config.log_retention,
                removal_policy=config.removal_policy,
            ),
        )  # fmt: skip
        self.api_function.add_to_role_policy(
            iam.PolicyStatement(
                actions=[
                    "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem",
                    "dynamodb:DeleteItem", "dynamodb:Query", "dynamodb:BatchGetItem",
                    "dynamodb:BatchWriteItem", "dynamodb:ConditionCheckItem",
                ],
                resources=[table_arn, f"{table_arn}/index/*"],
            )
        )  # fmt: skip
        self.api_function.add_to_role_policy(
            iam.PolicyStatement(
                actions=[
                    "s3:GetObject",
                    "s3:PutObject",
                    "s3:DeleteObject",
                    "s3:AbortMultipartUpload",
                ],
                resources=[f"{bucket_arn}/*"],
            )
        )
        self.api_function.add_to_role_policy(
            iam.PolicyStatement(actions=["s3:ListBucket"], resources=[bucket_arn])
        )
        bus.grant_put_events_to(self.api_function)
        acknowledge_lambda_basics(self.api_function)
        acknowledge(self.api_function, "AwsSolutions-L1", RUNTIME_REASON)
        acknowledge(
            self.api_function,
            wildcard_resource_finding(
                f"arn:<AWS::Partition>:dynamodb:<AWS::Region>:<AWS::AccountId>:table/{table_name}/index/*"
            ),
            "Queries on GSI1/GSI2 of this one table (the single-table access patterns); the "
            "wildcard covers only this table's indexes.",
        )
        acknowledge(
            self.api_function,
            wildcard_resource_finding(
                f"arn:<AWS::Partition>:s3:::{config.name('episodes')}-<AWS::AccountId>-<AWS::Region>/*"
            ),
            "The API reads and writes episode files (pages, PDF, CBZ) under per-user keys of "
            "this one bucket; the app enforces the user prefix.",
        )
        if not config.advanced_security:
            acknowledge(
                self.user_pool,
                "AwsSolutions-COG8",
                f"The Cognito Plus feature plan is billed per MAU; prod uses it, the "
                f"{config.stage} stage stays on Essentials.",
            )

        # ------------------------------------------------------------------ REST API
        access_logs = logs.LogGroup(
            self, "ApiAccessLogs", retention=config.log_retention,
            removal_policy=config.removal_policy,
        )  # fmt: skip
        self.authorizer = apigw.CognitoUserPoolsAuthorizer(
            self, "Authorizer", cognito_user_pools=[self.user_pool]
        )
        self.rest_api = apigw.RestApi(
            self,
            "RestApi",
            rest_api_name=config.name("api"),
            description="MangaFlow REST API",
            cloud_watch_role=True,
            cloud_watch_role_removal_policy=config.removal_policy,
            endpoint_types=[apigw.EndpointType.REGIONAL],
            deploy_options=apigw.StageOptions(
                stage_name=config.stage,
                throttling_rate_limit=config.api_rate_limit,
                throttling_burst_limit=config.api_burst_limit,
                logging_level=apigw.MethodLoggingLevel.INFO,
                data_trace_enabled=False,  # bodies may hold personal data
                metrics_enabled=True,
                tracing_enabled=True,
                access_log_destination=apigw.LogGroupLogDestination(access_logs),
                access_log_format=apigw.AccessLogFormat.json_with_standard_fields(
                    caller=False,
                    http_method=True,
                    ip=True,
                    protocol=True,
                    request_time=True,
                    resource_path=True,
                    response_length=True,
                    status=True,
                    user=True,
                ),  # fmt: skip
            ),
            default_method_options=apigw.MethodOptions(
                authorization_type=apigw.AuthorizationType.COGNITO,
                authorizer=self.authorizer,
            ),
        )
        acknowledge(
            self.rest_api,
            managed_policy_finding("service-role/AmazonAPIGatewayPushToCloudWatchLogs"),
            "The account-level API Gateway CloudWatch role uses the AWS managed policy "
            "AmazonAPIGatewayPushToCloudWatchLogs, which only allows writing logs.",
        )
        acknowledge(
            self.rest_api,
            "AwsSolutions-APIG2",
            "Requests are validated by the FastAPI app (Pydantic models, 4xx with field errors "
            "per SPEC §9); duplicating every schema as an API Gateway model would drift.",
        )
        integration = apigw.LambdaIntegration(self.api_function)
        health = self.rest_api.root.add_resource("health")
        health_get = health.add_method(
            "GET", integration, authorization_type=apigw.AuthorizationType.NONE
        )
        for rule_id in ("AwsSolutions-APIG4", "AwsSolutions-COG4"):
            acknowledge(
                health_get,
                rule_id,
                "GET /health is the unauthenticated liveness probe (SPEC §4); it returns only "
                "a static status and touches no user data.",
            )
        self.rest_api.root.add_method("ANY", integration)
        self.rest_api.root.add_resource("{proxy+}").add_method("ANY", integration)

        if config.is_prod:
            self._add_waf(config)
        else:
            acknowledge(
                self.rest_api,
                "AwsSolutions-APIG3",
                f"WAF (billed per web ACL and request) is attached in prod only; the "
                f"{config.stage} stage is protected by Cognito and stage throttling.",
            )

        cdk.CfnOutput(self, "ApiUrl", value=self.rest_api.url)
        cdk.CfnOutput(self, "UserPoolId", value=self.user_pool.user_pool_id)
        cdk.CfnOutput(self, "UserPoolClientId", value=self.user_pool_client.user_pool_client_id)

    def _add_waf(self, config: StageConfig) -> None:
        def managed(name: str, priority: int) -> wafv2.CfnWebACL.RuleProperty:
            return wafv2.CfnWebACL.RuleProperty(
                name=name,
                priority=priority,
                override_action=wafv2.CfnWebACL.OverrideActionProperty(none={}),
                statement=wafv2.CfnWebACL.StatementProperty(
                    managed_rule_group_statement=wafv2.CfnWebACL.ManagedRuleGroupStatementProperty(
                        vendor_name="AWS", name=name
                    )
                ),
                visibility_config=wafv2.CfnWebACL.VisibilityConfigProperty(
                    cloud_watch_metrics_enabled=True,
                    metric_name=name,
                    sampled_requests_enabled=True,
                ),
            )

        self.web_acl = wafv2.CfnWebACL(
            self,
            "WebAcl",
            name=config.name("api-acl"),
            scope="REGIONAL",
            default_action=wafv2.CfnWebACL.DefaultActionProperty(allow={}),
            visibility_config=wafv2.CfnWebACL.VisibilityConfigProperty(
                cloud_watch_metrics_enabled=True,
                metric_name=config.name("api-acl"),
                sampled_requests_enabled=True,
            ),
            rules=[
                managed("AWSManagedRulesCommonRuleSet", 0),
                managed("AWSManagedRulesKnownBadInputsRuleSet", 1),
            ],
        )
        wafv2.CfnWebACLAssociation(
            self,
            "WebAclAssociation",
            resource_arn=self.rest_api.deployment_stage.stage_arn,
            web_acl_arn=self.web_acl.attr_arn,
        )
