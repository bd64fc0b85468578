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


def test_webhook_maps_the_same_events_as_the_prefect_bus() -> None:
    from mangaflow.adapters.events.prefect_bus import DEFAULT_DEPLOYMENTS

    assert dict(DEFAULT_DEPLOYMENTS) == _load("webhook").DEPLOYMENTS


def test_webhook_with_nothing_to_do() -> None:
    assert _load("webhook").handler({"Records": []}, None) == {"batchItemFailures": []}


def _story_probe(event: dict[str, Any]) -> dict[str, Any]:
    return event


@pytest.mark.slow
def test_webhook_starts_one_run_per_event_and_reports_bad_messages(
    prefect_server: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An SQS batch as the buffer queue delivers it: the same event twice, a poison message
    and a completion event -> one flow run, and only the poison message reported failed."""
    import json

    from prefect import flow, get_client
    from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterId
    from prefect.client.schemas.sorting import FlowRunSort
    from prefect.settings import PREFECT_API_URL

    from mangaflow.domain.events import EpisodeCompleted, StoryGenerationRequested

    probe = flow(name="generate-story")(_story_probe)
    with get_client(sync_client=True) as client:
        deployment = client.create_deployment(
            flow_id=client.create_flow(probe), name="story",
            entrypoint="tests/infra/test_lambdas.py:_story_probe",
        )  # fmt: skip
    monkeypatch.delenv("PREFECT_API_URL_SECRET_NAME", raising=False)
    monkeypatch.setenv("PREFECT_API_URL", str(PREFECT_API_URL.value()))
    webhook = _load("webhook")
    story = StoryGenerationRequested(userId="u", requestId="r1")
    done = EpisodeCompleted(userId="u", requestId="r1", storyId="s", episodeId="e",
                            pdfS3Key="p", cbzS3Key="c")  # fmt: skip
    records = [
        {"messageId": "m1", "body": json.dumps(story.envelope())},
        {"messageId": "m2", "body": json.dumps(story.envelope())},  # redelivered
        {"messageId": "m3", "body": "not json at all"},  # poison
        {"messageId": "m4", "body": json.dumps(done.envelope())},  # starts nothing
    ]
    result = webhook.handler({"Records": records}, None)
    assert result == {"batchItemFailures": [{"itemIdentifier": "m3"}]}
    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(
            deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[deployment])),
            sort=FlowRunSort.EXPECTED_START_TIME_DESC, limit=10,
        )  # fmt: skip
    assert len(runs) == 1
    assert runs[0].parameters == {"event": story.detail()}
    assert runs[0].idempotency_key == story.event_id


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
