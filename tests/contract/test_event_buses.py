"""Event-bus adapters: EventBridge under moto (rules route each detail-type to an SQS queue)
and Prefect deployments against a real Prefect test server."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from unittest.mock import patch
from uuid import uuid4

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from flows.platform.bus import PrefectDeploymentBus
from mangaflow.manga.domain.events import (
    BatchWorkflowRequested,
    EpisodeCompleted,
    EpisodeGenerationRequested,
    ImageGenerationRequested,
    PanelRegenerationRequested,
    StoryGenerationRequested,
)
from mangaflow.platform.adapters.events.eventbridge import MAX_ENTRIES_PER_CALL, EventBridgeBus
from mangaflow.platform.errors import (
    ConfigError,
    ProviderAuthError,
    ProviderError,
    ProviderRateLimited,
    ProviderUnavailable,
)
from mangaflow.platform.events import EVENT_TYPES, DomainEvent, GenerationFailed, parse_event
from mangaflow.products import routes

BUS = "manga-events-test"
REGION = "us-east-1"


def sample_events() -> list[DomainEvent]:
    ids = {"userId": "u1", "requestId": "r1"}
    return [
        StoryGenerationRequested(**ids, seed=7),
        EpisodeGenerationRequested(**ids, storyId="s1", episodeNumber=2, storyS3Key="k/s1"),
        ImageGenerationRequested(**ids, storyId="s1", episodeId="e1", episodeS3Key="k/e1"),
        EpisodeCompleted(**ids, storyId="s1", episodeId="e1", pdfS3Key="a.pdf", cbzS3Key="a.cbz"),
        GenerationFailed(**ids, stage="images", error="boom"),
        BatchWorkflowRequested(**ids, batchId="b1", numberOfStories=3),
        PanelRegenerationRequested(**ids, episodeId="e1", panel=4),
    ]


# --------------------------------------------------------------------------- EventBridge


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """A moto bus with one rule + SQS queue per detail-type; yields detail-type → queue URL."""
    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing", "AWS_DEFAULT_REGION": REGION,
    }.items():  # fmt: skip
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    with mock_aws():
        events = boto3.client("events", region_name=REGION)
        sqs = boto3.client("sqs", region_name=REGION)
        events.create_event_bus(Name=BUS)
        queues: dict[str, str] = {}
        for n, detail_type in enumerate(EVENT_TYPES):
            url = sqs.create_queue(QueueName=f"stage-{n}")["QueueUrl"]
            arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
                "QueueArn"
            ]
            events.put_rule(
                Name=f"route-{n}",
                EventBusName=BUS,
                EventPattern=json.dumps({"detail-type": [detail_type]}),
            )
            events.put_targets(
                Rule=f"route-{n}", EventBusName=BUS, Targets=[{"Id": "q", "Arn": arn}]
            )
            queues[detail_type] = url
        yield queues


def receive(url: str, *, delete: bool = False) -> list[dict[str, Any]]:
    sqs = boto3.client("sqs", region_name=REGION)
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    for m in messages if delete else []:
        sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    return [json.loads(m["Body"]) for m in messages]


def bus(**kwargs: Any) -> EventBridgeBus:
    return EventBridgeBus(
        BUS, boto3.client("events", region_name=REGION), backoff_seconds=0, **kwargs
    )


class EventBusContract:
    """What every bus promises the flows that consume it: each published event arrives intact
    (source, detail-type, a detail that parses back to the same event). Here each arrives
    once; on AWS, SQS may deliver twice, which the event id (Prefect's idempotency key) makes
    harmless. Subclasses give ``make()``: the bus and a function returning the envelopes
    consumers received."""

    def make(self) -> tuple[Any, Any]:
        raise NotImplementedError

    @staticmethod
    def _key(envelope: dict[str, Any]) -> str:
        return json.dumps({k: envelope[k] for k in ("source", "detail-type", "detail")},
                          sort_keys=True)  # fmt: skip

    def test_every_event_arrives_intact(self) -> None:
        bus, delivered = self.make()
        events = sample_events()
        for event in events:
            bus.publish(event)
        got = delivered()
        assert sorted(map(self._key, got)) == sorted(self._key(e.envelope()) for e in events)
        parsed = {e.event_id: e for e in (parse_event(g["detail-type"], g["detail"]) for g in got)}
        assert parsed == {e.event_id: e for e in events}

    def test_a_burst_of_events_all_arrive(self) -> None:
        bus, delivered = self.make()
        burst = [StoryGenerationRequested(userId="u", requestId=f"r{n}") for n in range(25)]
        for event in burst:
            bus.publish(event)
        assert sorted(g["detail"]["eventId"] for g in delivered()) == sorted(
            e.event_id for e in burst
        )


class TestInlineBus(EventBusContract):
    def make(self) -> tuple[Any, Any]:
        from mangaflow.platform.adapters.events.inline import InlineEventBus

        bus, received = InlineEventBus(), []
        handlers = {name: lambda e: received.append(e.envelope()) for name in EVENT_TYPES}
        return bus, lambda: (bus.drain(handlers), received)[1]


class TestEventBridgeBus(EventBusContract):
    @pytest.fixture(autouse=True)
    def _queues(self, aws: dict[str, str]) -> None:
        self.queues = aws

    def make(self) -> tuple[Any, Any]:
        def delivered() -> list[dict[str, Any]]:
            out = []
            for url in self.queues.values():
                while batch := receive(url, delete=True):
                    out.extend(batch)
            return out

        return EventBridgeBus(BUS, region=REGION, backoff_seconds=0), delivered  # lazy client

    def test_each_detail_type_is_routed_to_its_own_queue(self) -> None:
        bus, _ = self.make()
        for event in sample_events():
            bus.publish(event)
        for detail_type, url in self.queues.items():
            assert [b["detail-type"] for b in receive(url)] == [detail_type]


def test_publish_many_batches_ten_per_call(aws: dict[str, str]) -> None:
    publisher = bus()
    events = [StoryGenerationRequested(userId="u", requestId=f"r{i}") for i in range(23)]
    calls: list[int] = []
    real = publisher.client.put_events

    def counting(**kwargs: Any) -> Any:
        calls.append(len(kwargs["Entries"]))
        return real(**kwargs)

    with patch.object(publisher.client, "put_events", side_effect=counting):
        publisher.publish_many(events)
    assert calls == [MAX_ENTRIES_PER_CALL, MAX_ENTRIES_PER_CALL, 3]
    received: list[dict[str, Any]] = []
    while batch := receive(aws[StoryGenerationRequested.detail_type]):
        received += batch
    assert sorted(b["detail"]["eventId"] for b in received) == sorted(e.event_id for e in events)


def failing_once(real: Any, code: str, fail_index: int = 0) -> tuple[Any, list[list[str]]]:
    """put_events that reports entry ``fail_index`` as failed on the first call only."""
    sent: list[list[str]] = []

    def put_events(**kwargs: Any) -> Any:
        entries = kwargs["Entries"]
        sent.append([json.loads(e["Detail"])["eventId"] for e in entries])
        if len(sent) > 1:
            return real(**kwargs)
        results: list[dict[str, str]] = [{"EventId": str(uuid4())} for _ in entries]
        results[fail_index] = {"ErrorCode": code, "ErrorMessage": "try again"}
        ok = [e for i, e in enumerate(entries) if i != fail_index]
        if ok:
            real(Entries=ok)
        return {"FailedEntryCount": 1, "Entries": results}

    return put_events, sent


def test_a_failed_entry_is_resent_once_only(aws: dict[str, str]) -> None:
    publisher = bus()
    events = sample_events()[:3]
    fake, sent = failing_once(publisher.client.put_events, "InternalFailure", fail_index=1)
    with patch.object(publisher.client, "put_events", side_effect=fake):
        publisher.publish_many(events)
    assert sent == [[e.event_id for e in events], [events[1].event_id]]
    for event in events:  # every event delivered exactly once
        assert [b["detail"]["eventId"] for b in receive(aws[event.detail_type])] == [event.event_id]


def test_an_entry_failing_every_time_raises_naming_the_code(aws: dict[str, str]) -> None:
    publisher = bus(attempts=3)
    event = sample_events()[0]
    always = {"FailedEntryCount": 1, "Entries": [{"ErrorCode": "ThrottlingException"}]}
    with (
        patch.object(publisher.client, "put_events", return_value=always) as put,
        pytest.raises(ProviderUnavailable, match="ThrottlingException") as caught,
    ):
        publisher.publish(event)
    assert put.call_count == 3
    assert event.event_id in str(caught.value)
    assert caught.value.retryable
    assert caught.value.details[0]["eventId"] == event.event_id


def test_a_permanent_entry_failure_is_not_resent(aws: dict[str, str]) -> None:
    publisher = bus()
    answer = {"FailedEntryCount": 1, "Entries": [{"ErrorCode": "MalformedDetail"}]}
    with (
        patch.object(publisher.client, "put_events", return_value=answer) as put,
        pytest.raises(ProviderError, match="MalformedDetail") as caught,
    ):
        publisher.publish(sample_events()[0])
    assert put.call_count == 1
    assert not caught.value.retryable


@pytest.mark.parametrize(
    ("code", "status", "expected"),
    [
        ("ThrottlingException", 400, ProviderRateLimited),
        ("InternalException", 500, ProviderUnavailable),
        ("AccessDeniedException", 400, ProviderAuthError),
        ("ResourceNotFoundException", 400, ConfigError),
        ("ValidationException", 400, ProviderError),
    ],
)
def test_client_errors_are_mapped(
    aws: dict[str, str], code: str, status: int, expected: type[Exception]
) -> None:
    publisher = bus()
    error = ClientError(
        {"Error": {"Code": code, "Message": "no"}, "ResponseMetadata": {"HTTPStatusCode": status}},
        "PutEvents",
    )
    with (
        patch.object(publisher.client, "put_events", side_effect=error),
        pytest.raises(expected, match=code) as caught,
    ):
        publisher.publish(sample_events()[0])
    assert type(caught.value) is expected


def test_an_empty_bus_name_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="MANGAFLOW_EVENT_BUS_NAME"):
        EventBridgeBus("")


# --------------------------------------------------------------------------- Prefect


def test_each_route_names_the_flow_at_its_entrypoint() -> None:
    from flows.platform.dispatch import flows

    assert set(routes().deployments()) == set(flows())
    for detail_type, name in routes().deployments().items():
        assert name.split("/")[0] == flows()[detail_type].name  # type: ignore[attr-defined]


class FakeClient:
    def __init__(self) -> None:
        self.runs: dict[str, dict[str, Any]] = {}
        self.lookups: list[str] = []

    def read_deployment_by_name(self, name: str) -> Any:
        self.lookups.append(name)
        return type("Deployment", (), {"id": uuid4()})()

    def create_flow_run_from_deployment(self, deployment_id: Any, **kwargs: Any) -> None:
        self.runs.setdefault(kwargs["idempotency_key"], kwargs["parameters"])


def test_client_factory_path_is_idempotent_and_ignores_unmapped_events() -> None:
    fake = FakeClient()

    @contextmanager
    def factory() -> Iterator[FakeClient]:
        yield fake

    prefect_bus = PrefectDeploymentBus(client_factory=factory)
    story, completed = sample_events()[0], sample_events()[3]
    prefect_bus.publish(story)
    prefect_bus.publish(story)
    prefect_bus.publish(completed)
    assert fake.runs == {story.event_id: {"event": story.detail()}}
    assert fake.lookups == ["generate-story/story"]


def test_malformed_deployment_names_are_rejected() -> None:
    with pytest.raises(ConfigError, match="flow-name/deployment-name"):
        PrefectDeploymentBus({"X": "no-slash"})


def _probe(event: dict[str, Any]) -> dict[str, Any]:
    return event


@pytest.mark.slow
def test_prefect_bus_starts_one_run_per_event_id(prefect_server: None) -> None:
    from prefect import flow, get_client
    from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterId
    from prefect.client.schemas.sorting import FlowRunSort

    probe = flow(name="event-bus-probe")(_probe)
    with get_client(sync_client=True) as client:
        flow_id = client.create_flow(probe)
        deployment_id = client.create_deployment(
            flow_id=flow_id, name="probe", entrypoint="tests/contract/test_event_buses.py:_probe"
        )
    story = sample_events()[0]
    prefect_bus = PrefectDeploymentBus({story.detail_type: "event-bus-probe/probe"})
    prefect_bus.publish(story)
    prefect_bus.publish(story)  # redelivery: same event id
    prefect_bus.publish(sample_events()[3])  # a completion: no deployment, ignored

    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(
            deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[deployment_id])),
            sort=FlowRunSort.EXPECTED_START_TIME_DESC,
            limit=10,
        )
    assert len(runs) == 1
    assert runs[0].parameters == {"event": story.detail()}
    assert runs[0].idempotency_key == story.event_id

    other = StoryGenerationRequested(userId="u1", requestId="r2")

    async def publish_from_async_code() -> None:  # e.g. an async API endpoint
        prefect_bus.publish(other)

    asyncio.run(publish_from_async_code())
    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(
            deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[deployment_id])),
            sort=FlowRunSort.EXPECTED_START_TIME_DESC,
            limit=10,
        )
    assert len(runs) == 2

    missing = PrefectDeploymentBus({story.detail_type: "event-bus-probe/absent"})
    with pytest.raises(ConfigError, match="event-bus-probe/absent"):
        missing.publish(story)
