"""Events whose flow fails land in the dead-letter store with the reason; replay re-drives them."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws
from typer.testing import CliRunner

from flows.platform.worker import Worker
from mangaflow.bootstrap import build, set_context
from mangaflow.manga.services.submit import submit_preferences
from mangaflow.manga.taste import OfflineInsights
from mangaflow.platform.errors import ProviderAuthError
from mangaflow.platform.requests import deadletters
from tests.conftest import VALID_PREFS, make_settings
from tests.doubles import CountingImage, ScriptedText

pytestmark = pytest.mark.slow


def test_a_poison_event_is_dead_lettered_and_replayed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = make_settings(tmp_path / "home")
    c = build(settings, text=ScriptedText(failures=1, error=ProviderAuthError),
              image=CountingImage(), insights=OfflineInsights())  # fmt: skip
    set_context(c)
    with Worker(c):
        req = submit_preferences(c, "alice", {**VALID_PREFS, "pagesPerEpisode": 1})
        deadline = time.monotonic() + 120
        while not deadletters.list_local(c) and time.monotonic() < deadline:
            time.sleep(0.2)
    letters = deadletters.list_local(c)
    assert len(letters) == 1
    assert letters[0]["requestId"] == req.request_id
    assert letters[0]["detailType"] == "Story Generation Requested"
    assert "ProviderAuthError" in letters[0]["reason"]
    assert c.requests.get_request(req.request_id).status == "FAILED"

    # The cause is fixed (the CLI's own container uses the offline providers): replay.
    monkeypatch.setenv("MANGAFLOW_HOME", str(settings.home))
    from mangaflow.cli import app

    listed = CliRunner().invoke(app, ["dlq", "list"])
    assert listed.exit_code == 0 and "ProviderAuthError" in listed.output
    replayed = CliRunner().invoke(app, ["dlq", "replay"])
    assert replayed.exit_code == 0, replayed.output
    assert c.requests.get_request(req.request_id).status == "COMPLETED"
    assert deadletters.list_local(c) == []


def test_sqs_dead_letters_are_listed_and_moved_back(monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                       "AWS_DEFAULT_REGION": "us-east-1"}.items():  # fmt: skip
        monkeypatch.setenv(key, value)
    with mock_aws():
        sqs = boto3.client("sqs", region_name="us-east-1")
        dlq = sqs.create_queue(QueueName="story-dlq")["QueueUrl"]
        dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])[
            "Attributes"]["QueueArn"]  # fmt: skip
        source = sqs.create_queue(QueueName="story", Attributes={
            "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "2"}),
            "VisibilityTimeout": "0"})["QueueUrl"]  # fmt: skip
        envelope: dict[str, Any] = {"source": "manga.preferences",
                                    "detail-type": "Story Generation Requested",
                                    "detail": {"userId": "u", "requestId": "r1"}}  # fmt: skip
        sqs.send_message(QueueUrl=source, MessageBody=json.dumps(envelope))
        for _ in range(3):  # a consumer that keeps failing (never deletes)
            sqs.receive_message(QueueUrl=source, MaxNumberOfMessages=1)
        letters = deadletters.list_sqs(sqs, dlq)
        assert [(d["detailType"], d["requestId"]) for d in letters] == [
            ("Story Generation Requested", "r1")]
        assert deadletters.replay_sqs(sqs, dlq, source) == 1
        back = sqs.receive_message(QueueUrl=source, MaxNumberOfMessages=1)["Messages"]
        assert json.loads(back[0]["Body"]) == envelope
        assert deadletters.list_sqs(sqs, dlq) == []
