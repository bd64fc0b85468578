"""The two small Lambda handlers under ``infra/lambdas`` (no CDK needed)."""

from __future__ import annotations

import ast
import io
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import ModuleType
from typing import Any

import boto3
import pytest
from moto import mock_aws

from mangaflow.products import routes
from tests.lambdas import LAMBDAS_DIR, FakeContext, load_lambda

# An obvious sentinel, never a real key: it must reach the API but never the logs.
API_KEY = "test-key-not-secret"
CONTEXT = FakeContext()


@pytest.fixture(autouse=True)
def routes_setting(monkeypatch: pytest.MonkeyPatch) -> str:
    """The webhook's ``ROUTES`` setting as the Events stack sets it (from the route table)."""
    value = json.dumps(routes().deployments(), separators=(",", ":"))
    monkeypatch.setenv("ROUTES", value)
    return value


@pytest.fixture
def webhook() -> Iterator[tuple[ModuleType, io.StringIO]]:
    """The webhook module, its Powertools Logger writing into a buffer for the test."""
    module = load_lambda("webhook")
    logs = io.StringIO()
    handler = module.logger.registered_handler
    previous = handler.setStream(logs)
    try:
        yield module, logs
    finally:
        handler.setStream(previous)


def _log_lines(logs: io.StringIO) -> list[dict[str, Any]]:
    lines = [line for line in logs.getvalue().splitlines() if line.strip()]
    assert lines, "the handler logged nothing"
    return [json.loads(line) for line in lines]  # every line is one JSON object


@dataclass
class FakePrefect:
    """A loopback stand-in for the Prefect REST API (``/api/...``)."""

    url: str = ""
    requests: list[dict[str, Any]] = field(default_factory=list)
    #: path -> HTTP statuses to answer (in order) before answering normally
    failures: dict[str, list[int]] = field(default_factory=dict)


@pytest.fixture
def fake_prefect() -> Iterator[FakePrefect]:
    state = FakePrefect()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:  # keep test output quiet
            pass

        def _answer(self, status: int, body: Any) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length)) if length else None
            state.requests.append({"method": self.command, "path": self.path, "body": body,
                                   "authorization": self.headers.get("Authorization")})  # fmt: skip
            pending = state.failures.get(self.path)
            if pending:
                self._answer(pending.pop(0), {"detail": "injected"})
            elif self.command == "GET" and self.path.startswith("/api/deployments/name/"):
                self._answer(200, {"id": "dep-" + self.path.rsplit("/", 1)[-1]})
            elif self.command == "POST" and self.path.endswith("/create_flow_run"):
                self._answer(201, {"id": "run-" + body["idempotency_key"]})
            else:
                self._answer(404, {"detail": "Not Found"})

        do_GET = do_POST = _handle

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/api"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def prefect_env(fake_prefect: FakePrefect, monkeypatch: pytest.MonkeyPatch) -> FakePrefect:
    monkeypatch.delenv("PREFECT_API_URL_SECRET_NAME", raising=False)
    monkeypatch.delenv("DEAD_LETTER_QUEUES", raising=False)
    monkeypatch.setenv("PREFECT_API_URL", fake_prefect.url)
    monkeypatch.setenv("PREFECT_API_KEY", API_KEY)
    return fake_prefect


def _aws_delivered(envelope: dict[str, Any]) -> dict[str, Any]:
    """The envelope as an EventBridge rule's SQS target delivers it (all AWS fields set)."""
    return {"version": "0", "id": "0d7cbd3f-3e44-4bb4-9d8c-3a8e6c0f0f01",
            "account": "123456789012", "time": "2026-01-01T00:00:00Z", "region": "us-east-1",
            "resources": [], **envelope}  # fmt: skip


def test_webhook_maps_the_events_of_its_routes_setting() -> None:
    assert routes().deployments() == load_lambda("webhook").DEPLOYMENTS


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (None, "ROUTES is not set"),
        ("", "ROUTES is not set"),
        ("{'Story Generation Requested': 'generate-story/story'}", "ROUTES is not JSON"),
        ("[]", "ROUTES maps no event"),
        ("{}", "ROUTES maps no event"),
        ('{"Story Generation Requested": "generate-story"}',
         "ROUTES: no flow-name/deployment-name for Story Generation Requested"),
        ('{"A": "a/b", "B": "a/b/c", "C": 3, "D": "/d"}',
         "ROUTES: no flow-name/deployment-name for B, C, D"),
    ],
)  # fmt: skip
def test_webhook_without_a_valid_routes_setting_fails_at_cold_start(
    value: str | None, message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A deployment error: the function fails to start, saying what the setting must hold,
    rather than taking every event for one that starts nothing."""
    if value is None:
        monkeypatch.delenv("ROUTES")
    else:
        monkeypatch.setenv("ROUTES", value)
    with pytest.raises(RuntimeError, match=message) as raised:
        load_lambda("webhook")
    assert '"<detail-type>": "<flow-name>/<deployment-name>"' in str(raised.value)


def test_webhook_starts_the_deployment_its_routes_setting_names(
    prefect_env: FakePrefect, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mangaflow.manga.domain.events import StoryGenerationRequested

    monkeypatch.setenv("ROUTES", json.dumps({"Story Generation Requested": "other-flow/other"}))
    story = StoryGenerationRequested(userId="u", requestId="r1")
    result = load_lambda("webhook").handler(
        {"Records": [{"messageId": "m1", "body": json.dumps(story.envelope())}]}, CONTEXT
    )
    assert result == {"batchItemFailures": []}
    assert [r["path"] for r in prefect_env.requests] == [
        "/api/deployments/name/other-flow/other",
        "/api/deployments/dep-other/create_flow_run",
    ]


def test_webhook_imports_nothing_of_mangaflow() -> None:
    """Its asset is ``infra/lambdas/webhook`` alone (plus the Powertools layer)."""
    tree = ast.parse((LAMBDAS_DIR / "webhook" / "handler.py").read_text())
    imported = {alias.name.split(".")[0] for node in ast.walk(tree)
                if isinstance(node, ast.Import) for alias in node.names}  # fmt: skip
    imported |= {node.module.split(".")[0] for node in ast.walk(tree)
                 if isinstance(node, ast.ImportFrom) and node.module}  # fmt: skip
    assert imported and not imported & {"mangaflow", "flows", "tasks", "prefect"}


def test_webhook_with_nothing_to_do() -> None:
    assert load_lambda("webhook").handler({"Records": []}, CONTEXT) == {"batchItemFailures": []}


def test_webhook_logs_json_lines_with_ids_and_never_the_api_key(
    webhook: tuple[ModuleType, io.StringIO],
    prefect_env: FakePrefect,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A mixed batch: a start event (as AWS delivers it), a completion event, a body that is
    not JSON and one that is JSON but no EventBridge envelope -> the two bad ones are reported,
    every log line is JSON with the message ids, and the key is sent but never written out."""
    from mangaflow.manga.domain.events import EpisodeCompleted, StoryGenerationRequested

    module, logs = webhook
    story = StoryGenerationRequested(userId="u", requestId="r1")
    done = EpisodeCompleted(userId="u", requestId="r1", storyId="s", episodeId="e",
                            pdfS3Key="p", cbzS3Key="c")  # fmt: skip
    not_an_envelope = {"source": "manga.preferences", "detail": story.detail()}  # no detail-type
    records = [
        {"messageId": "m1", "body": json.dumps(_aws_delivered(story.envelope()))},
        {"messageId": "m2", "body": json.dumps(done.envelope())},
        {"messageId": "m3", "body": "not json at all"},
        {"messageId": "m4", "body": json.dumps(not_an_envelope)},
    ]
    result = module.handler({"Records": records}, CONTEXT)

    assert result == {"batchItemFailures": [{"itemIdentifier": "m3"}, {"itemIdentifier": "m4"}]}
    posts = [r for r in prefect_env.requests if r["method"] == "POST"]
    assert [p["body"] for p in posts] == [
        {"parameters": {"event": story.detail()}, "idempotency_key": story.event_id}
    ]
    assert {r["authorization"] for r in prefect_env.requests} == {f"Bearer {API_KEY}"}

    lines = _log_lines(logs)
    assert all(line["service"] == "mangaflow-webhook" for line in lines)
    assert all(line["function_request_id"] == CONTEXT.aws_request_id for line in lines)
    by_message = {line["message_id"]: line for line in lines if "message_id" in line}
    assert set(by_message) == {"m1", "m2", "m3", "m4"}
    assert by_message["m1"]["level"] == "INFO"
    assert by_message["m1"]["detail_type"] == "Story Generation Requested"
    assert by_message["m1"]["event_id"] == story.event_id
    assert by_message["m1"]["run_id"] == f"run-{story.event_id}"
    assert by_message["m2"]["detail_type"] == "Episode Generation Completed"
    assert by_message["m2"].get("run_id") is None  # a completion event starts nothing
    assert by_message["m3"]["level"] == by_message["m4"]["level"] == "WARNING"
    assert by_message["m3"]["error"] == "JSONDecodeError"
    assert by_message["m4"]["error"] == "ValidationError"
    assert by_message["m4"]["problems"] == ["detail-type: missing"]

    captured = capsys.readouterr()
    for text in (logs.getvalue(), captured.out, captured.err):
        assert API_KEY not in text


@pytest.mark.parametrize(
    ("statuses", "failed", "attempts"),
    [
        ([503, 503], False, 3),  # a busy SQLite-backed server: retried, then the run starts
        ([503, 503, 503, 503], True, 4),  # still busy: Transient, the message is redelivered
        ([429, 429, 429, 429], True, 4),
        ([404], False, 2),  # the cached deployment id went stale: looked up again, started
        ([404, 404], True, 2),  # permanent: not retried further
        ([401], True, 1),  # a rotated key: Transient (redelivered), the secret read afresh
    ],
)
def test_webhook_retries_busy_prefect_and_reports_what_still_fails(
    webhook: tuple[ModuleType, io.StringIO],
    prefect_env: FakePrefect,
    monkeypatch: pytest.MonkeyPatch,
    statuses: list[int],
    failed: bool,
    attempts: int,
) -> None:
    from mangaflow.manga.domain.events import StoryGenerationRequested

    module, logs = webhook
    monkeypatch.setattr(module.time, "sleep", lambda seconds: None)
    story = StoryGenerationRequested(userId="u", requestId="r1")
    path = "/api/deployments/dep-story/create_flow_run"
    prefect_env.failures[path] = list(statuses)
    result = module.handler(
        {"Records": [{"messageId": "m1", "body": json.dumps(story.envelope())}]}, CONTEXT
    )
    assert result == {"batchItemFailures": [{"itemIdentifier": "m1"}] if failed else []}
    assert sum(r["path"] == path for r in prefect_env.requests) == attempts
    (line,) = [line for line in _log_lines(logs) if line.get("message_id") == "m1"]
    if failed:
        expected = "Permanent" if statuses == [404, 404] else "Transient"
        assert line["error"] == expected
    else:
        assert line["run_id"] == f"run-{story.event_id}"


def test_messages_that_can_never_succeed_go_to_the_dlq_with_their_reason(
    webhook: tuple[ModuleType, io.StringIO],
    prefect_env: FakePrefect,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Any,
) -> None:
    """Not JSON, or an event whose deployment Prefect does not know: moved to the queue's DLQ
    at once with the reason (not retried 3 times), listed by `mangaflow dlq list` and
    re-driven by `mangaflow dlq replay`; the good message in the same batch starts its run."""
    from typer.testing import CliRunner

    from mangaflow.cli import app
    from mangaflow.manga.domain.events import EpisodeGenerationRequested, StoryGenerationRequested

    module, _logs = webhook
    for key, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                       "AWS_DEFAULT_REGION": "us-east-1",
                       "MANGAFLOW_HOME": str(tmp_path / "home")}.items():  # fmt: skip
        monkeypatch.setenv(key, value)
    with mock_aws():
        sqs = boto3.client("sqs")
        source = sqs.create_queue(QueueName="story-buffer")["QueueUrl"]
        dlq = sqs.create_queue(QueueName="story-dlq")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=source, AttributeNames=["QueueArn"])[
            "Attributes"]["QueueArn"]  # fmt: skip
        monkeypatch.setenv("DEAD_LETTER_QUEUES", json.dumps([{"queue": arn, "dlq": dlq}]))
        story = StoryGenerationRequested(userId="u", requestId="r1")
        episode = EpisodeGenerationRequested(userId="u", requestId="r2", storyId="s",
                                             episodeNumber=1, storyS3Key="k")  # fmt: skip
        prefect_env.failures["/api/deployments/name/generate-episode/episode"] = [404, 404]
        records = [
            {"messageId": "m1", "body": "not json at all", "eventSourceARN": arn},
            {"messageId": "m2", "body": json.dumps(episode.envelope()), "eventSourceARN": arn},
            {"messageId": "m3", "body": json.dumps(story.envelope()), "eventSourceARN": arn},
        ]
        assert module.handler({"Records": records}, CONTEXT) == {"batchItemFailures": []}
        assert [p["body"]["idempotency_key"] for p in prefect_env.requests
                if p["method"] == "POST"] == [story.event_id]  # fmt: skip

        listed = CliRunner().invoke(app, ["dlq", "list", "--queue-url", dlq],
                                    env={"COLUMNS": "200"})  # fmt: skip
        assert listed.exit_code == 0, listed.output
        assert "body is not JSON" in listed.output
        assert "Episode Generation Requested" in listed.output and "404" in listed.output
        replayed = CliRunner().invoke(app, ["dlq", "replay", "--queue-url", dlq, "--to", source])
        assert replayed.exit_code == 0, replayed.output
        back = sqs.receive_message(QueueUrl=source, MaxNumberOfMessages=10)["Messages"]
        assert sorted(m["Body"] for m in back) == sorted(r["body"] for r in records[:2])


def test_webhook_reads_prefect_url_and_key_from_the_secret(
    webhook: tuple[ModuleType, io.StringIO],
    fake_prefect: FakePrefect,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Deployed, the URL/key come from Secrets Manager (moto here), not from the environment."""
    from aws_lambda_powertools.utilities import parameters

    from mangaflow.manga.domain.events import StoryGenerationRequested

    module, logs = webhook
    for name, value in {"AWS_DEFAULT_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "testing",
                        "AWS_SECRET_ACCESS_KEY": "testing"}.items():  # fmt: skip
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    monkeypatch.delenv("PREFECT_API_KEY", raising=False)
    monkeypatch.setenv("PREFECT_API_URL_SECRET_NAME", "mangaflow-test-prefect-api-url")
    story = StoryGenerationRequested(userId="u", requestId="r1")
    parameters.clear_caches()  # the provider holds a boto3 client: build it inside mock_aws
    try:
        with mock_aws():
            boto3.client("secretsmanager").create_secret(
                Name="mangaflow-test-prefect-api-url",
                SecretString=json.dumps({"url": fake_prefect.url + "/", "key": API_KEY}),
            )
            result = module.handler(
                {"Records": [{"messageId": "m1", "body": json.dumps(story.envelope())}]},
                CONTEXT,
            )
    finally:
        parameters.clear_caches()
    assert result == {"batchItemFailures": []}
    assert [r["authorization"] for r in fake_prefect.requests] == [f"Bearer {API_KEY}"] * 2
    assert API_KEY not in logs.getvalue()


def _story_probe(event: dict[str, Any]) -> dict[str, Any]:
    return event


@pytest.mark.slow
def test_webhook_starts_one_run_per_event_and_reports_bad_messages(
    prefect_server: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An SQS batch as the buffer queue delivers it: the same event twice, a poison message,
    a completion event and a non-envelope -> one flow run; only the two bad ones failed."""
    from prefect import flow, get_client
    from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterId
    from prefect.client.schemas.sorting import FlowRunSort
    from prefect.settings import PREFECT_API_URL

    from mangaflow.manga.domain.events import EpisodeCompleted, StoryGenerationRequested

    probe = flow(name="generate-story")(_story_probe)
    with get_client(sync_client=True) as client:
        deployment = client.create_deployment(
            flow_id=client.create_flow(probe), name="story",
            entrypoint="tests/infra/test_lambdas.py:_story_probe",
        )  # fmt: skip
    monkeypatch.delenv("PREFECT_API_URL_SECRET_NAME", raising=False)
    monkeypatch.setenv("PREFECT_API_URL", str(PREFECT_API_URL.value()))
    webhook = load_lambda("webhook")
    story = StoryGenerationRequested(userId="u", requestId="r1")
    done = EpisodeCompleted(userId="u", requestId="r1", storyId="s", episodeId="e",
                            pdfS3Key="p", cbzS3Key="c")  # fmt: skip
    records = [
        {"messageId": "m1", "body": json.dumps(story.envelope())},
        {"messageId": "m2", "body": json.dumps(_aws_delivered(story.envelope()))},  # redelivered
        {"messageId": "m3", "body": "not json at all"},  # poison
        {"messageId": "m4", "body": json.dumps(done.envelope())},  # starts nothing
        {"messageId": "m5", "body": json.dumps({"detail": story.detail()})},  # no envelope
    ]
    result = webhook.handler({"Records": records}, CONTEXT)
    assert result == {"batchItemFailures": [{"itemIdentifier": "m3"}, {"itemIdentifier": "m5"}]}
    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(
            deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[deployment])),
            sort=FlowRunSort.EXPECTED_START_TIME_DESC, limit=50,
        )  # fmt: skip
    # The session's server is shared: other tests' runs of generate-story/story don't count.
    sent = {story.event_id, done.event_id}
    ours = [r for r in runs if (r.parameters.get("event") or {}).get("eventId") in sent]
    assert len(ours) == 1
    assert ours[0].parameters == {"event": story.detail()}
    assert ours[0].idempotency_key == story.event_id


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
    module = load_lambda("post_auth")
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
