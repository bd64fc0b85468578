"""ApiStack: Cognito (+ post-authentication trigger) and the FastAPI Lambda behind API Gateway."""

from __future__ import annotations

import pytest
from aws_cdk.assertions import Match, Template

from tests.infra.synth import Built

pytestmark = pytest.mark.slow


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
    t = Template.from_stack(prod[1].platform.api)
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
