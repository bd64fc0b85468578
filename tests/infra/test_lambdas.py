"""The two small Lambda handlers under ``infra/lambdas`` (no CDK needed)."""

from __future__ import annotations

import importlib.util
from types import ModuleType
from typing import Any

import boto3
import pytest
from moto import mock_aws

from tests.infra.conftest import INFRA_DIR


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        f"infra_lambda_{name}", INFRA_DIR / "lambdas" / name / "handler.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_webhook_placeholder_reports_no_failures() -> None:
    assert _load("webhook").handler({"Records": []}, None) == {"batchItemFailures": []}


@pytest.fixture
def profile_table(monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("TABLE_NAME", "profiles-test")
    with mock_aws():
        table = boto3.resource("dynamodb").create_table(
            TableName="profiles-test",
            KeySchema=[
                {"AttributeName": "PK", "KeyType": "HASH"},
                {"AttributeName": "SK", "KeyType": "RANGE"},
            ],
            AttributeDefinitions=[
                {"AttributeName": "PK", "AttributeType": "S"},
                {"AttributeName": "SK", "AttributeType": "S"},
            ],
            BillingMode="PAY_PER_REQUEST",
        )
        yield table


def test_post_auth_creates_profile_once(profile_table: Any) -> None:
    module = _load("post_auth")
    event = {
        "userName": "alice",
        "request": {"userAttributes": {"sub": "sub-123", "email": "a@example.com"}},
    }
    assert module.handler(event, None) is event
    item = profile_table.get_item(Key={"PK": "USER#sub-123", "SK": "PROFILE"})["Item"]
    assert item["email"] == "a@example.com" and item["userId"] == "sub-123"
    created = item["createdAt"]

    assert module.handler(event, None) is event  # second sign-in: no error, no overwrite
    again = profile_table.get_item(Key={"PK": "USER#sub-123", "SK": "PROFILE"})["Item"]
    assert again["createdAt"] == created
