"""Shared fixtures of the contract suites: AWS under moto."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from moto import mock_aws
from moto.core.botocore_stubber import BotocoreStubber

from mangaflow.platform.adapters.storage.dynamodb import DynamoItemTable, create_table
from mangaflow.platform.adapters.storage.dynamodb import make_client as dynamo_client

REGION = "us-east-1"


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> Iterator[None]:
    """Fake credentials and region (never the developer's), everything mocked by moto."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SECURITY_TOKEN": "testing", "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION, "AWS_REGION": REGION,
        "AWS_CONFIG_FILE": str(tmp_path / "no-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-credentials"),
    }.items():  # fmt: skip
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    # Real DynamoDB and S3 apply each request atomically; moto's backends do not (a
    # conditional put is check-then-write, an S3 overwrite closes the buffer a concurrent
    # GET is reading). Serialise moto's request handling so the concurrency tests exercise
    # the adapters, not moto's races.
    serial = threading.RLock()
    process = BotocoreStubber.process_request

    def locked(self: BotocoreStubber, request: Any) -> Any:
        with serial:
            return process(self, request)

    monkeypatch.setattr(BotocoreStubber, "process_request", locked)
    with mock_aws():
        yield


@pytest.fixture
def dynamo(aws: None) -> DynamoItemTable:
    client = dynamo_client(REGION)
    create_table(client, "mangaflow")
    return DynamoItemTable("mangaflow", client=client)


