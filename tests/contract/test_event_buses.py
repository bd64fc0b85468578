"""Every event bus passes the event-bus contract (:mod:`mangaflow.testing.events`): inline,
EventBridge under moto (rules route each detail-type to an SQS queue) and Prefect deployments
against a real Prefect test server; plus what is specific to each."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from unittest.mock import patch
from uuid import UUID, uuid4

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from moto import mock_aws

from flows.platform.bus import PrefectDeploymentBus
from mangaflow.manga.domain.events import StoryGenerationRequested
from mangaflow.platform.adapters.events.eventbridge import MAX_ENTRIES_PER_CALL, EventBridgeBus
from mangaflow.platform.adapters.events.inline import InlineEventBus
from mangaflow.platform.errors import (
    ConfigError,
    ProviderAuthError,
    ProviderError,
    ProviderRateLimited,
    ProviderUnavailable,
)
from mangaflow.platform.events import EVENT_TYPES, DomainEvent
from mangaflow.products import routes
from mangaflow.testing.events import Delivery, EventBusContract, sample_events
from tests.fakes.net import closed_url

BUS = "manga-events-test"
REGION = "us-east-1"


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


class TestInlineBus(EventBusContract):
    adapter = InlineEventBus

    @pytest.fixture
    def bus(self) -> InlineEventBus:
        self.got: list[Delivery] = []
        return InlineEventBus()

    def received(self, bus: InlineEventBus) -> list[Delivery]:
        def handler(event: DomainEvent) -> None:
            self.got.append((event.detail_type, event.detail()))

        bus.drain({name: handler for name in EVENT_TYPES})
        return list(self.got)

    @pytest.fixture
    def unreachable_bus(self) -> None:
        pytest.skip("the inline bus has no backend to lose")


class TestEventBridgeBus(EventBusContract):
    adapter = EventBridgeBus

    @pytest.fixture
    def bus(self, aws: dict[str, str]) -> EventBridgeBus:
        self.queues, self.got = aws, []
        return EventBridgeBus(BUS, region=REGION, backoff_seconds=0)  # lazy client

    def received(self, bus: EventBridgeBus) -> list[Delivery]:
        for url in self.queues.values():
            while batch := receive(url, delete=True):
                self.got.extend((b["detail-type"], b["detail"]) for b in batch)
        return list(self.got)

    @pytest.fixture
    def unreachable_bus(self, aws: dict[str, str]) -> EventBridgeBus:
        client = boto3.client(
            "events", region_name=REGION, endpoint_url=closed_url(),
            config=Config(retries={"total_max_attempts": 1}, connect_timeout=2),
        )  # fmt: skip
        return EventBridgeBus(BUS, client, backoff_seconds=0)

    def test_each_detail_type_is_routed_to_its_own_queue_with_its_source(
        self, bus: EventBridgeBus
    ) -> None:
        events = {e.detail_type: e for e in sample_events()}
        for event in events.values():
            bus.publish(event)
        for detail_type, url in self.queues.items():
            [got] = receive(url)
            assert (got["detail-type"], got["source"]) == (detail_type, events[detail_type].source)
            assert got["detail"] == events[detail_type].detail()


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


def _deployments(count: int) -> dict[str, UUID]:
    """``count`` fresh deployments of the probe flow on the test server: name → id."""
    from prefect import flow, get_client

    probe = flow(name="event-bus-probe")(_probe)
    names = {f"probe-{uuid4().hex[:12]}" for _ in range(count)}
    with get_client(sync_client=True) as client:
        flow_id = client.create_flow(probe)
        return {
            name: client.create_deployment(
                flow_id=flow_id, name=name, entrypoint="tests/contract/test_event_buses.py:_probe"
            )
            for name in names
        }


@pytest.mark.slow
class TestPrefectDeploymentBus(EventBusContract):
    """Against a real Prefect server: each event detail-type is mapped to its own deployment
    of a probe flow; a consumer "received" an event when a flow run of its deployment
    exists with the event's detail as the ``event`` parameter."""

    adapter = PrefectDeploymentBus
    deduplicates = True  # the event id is the flow run's idempotency key

    def make_bus(self, deployments: dict[str, str]) -> PrefectDeploymentBus:
        return PrefectDeploymentBus(deployments)

    @pytest.fixture
    def bus(self, prefect_server: None) -> PrefectDeploymentBus:
        ids = _deployments(len(EVENT_TYPES))
        self.detail_types = dict(zip(ids.values(), EVENT_TYPES, strict=True))
        return self.make_bus(
            {t: f"event-bus-probe/{name}" for name, t in zip(ids, EVENT_TYPES, strict=True)}
        )

    def runs(self) -> list[Any]:
        from prefect import get_client
        from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterId
        from prefect.client.schemas.sorting import FlowRunSort

        with get_client(sync_client=True) as client:
            return client.read_flow_runs(
                deployment_filter=DeploymentFilter(
                    id=DeploymentFilterId(any_=list(self.detail_types))
                ),
                sort=FlowRunSort.EXPECTED_START_TIME_DESC,
                limit=200,
            )

    def received(self, bus: PrefectDeploymentBus) -> list[Delivery]:
        return [(self.detail_types[r.deployment_id], r.parameters["event"]) for r in self.runs()]

    @pytest.fixture
    def unreachable_bus(self) -> Iterator[PrefectDeploymentBus]:
        from prefect.settings import PREFECT_API_URL, temporary_settings

        with temporary_settings({PREFECT_API_URL: closed_url("/api")}):
            yield self.make_bus(routes().deployments())

    def test_the_run_idempotency_key_is_the_event_id(self, bus: PrefectDeploymentBus) -> None:
        events = sample_events()
        for event in events:
            bus.publish(event)
        assert sorted(r.idempotency_key for r in self.runs()) == sorted(
            e.event_id for e in events
        )

    def test_unmapped_events_start_nothing(self, bus: PrefectDeploymentBus) -> None:
        story, completed = sample_events()[0], sample_events()[3]
        del bus.deployments[completed.detail_type]
        bus.publish(completed)
        bus.publish(story)
        assert [d["eventId"] for _, d in self.received(bus)] == [story.event_id]

    def test_a_missing_deployment_is_a_config_error(self, bus: PrefectDeploymentBus) -> None:
        story = sample_events()[0]
        missing = self.make_bus({story.detail_type: "event-bus-probe/absent"})
        with pytest.raises(ConfigError, match="event-bus-probe/absent"):
            missing.publish(story)


class TestPrefectDeploymentBusWithClientFactory(TestPrefectDeploymentBus):
    """The same, through ``client_factory`` (a client made per publish) instead of
    ``run_deployment``."""

    def make_bus(self, deployments: dict[str, str]) -> PrefectDeploymentBus:
        from prefect import get_client

        return PrefectDeploymentBus(deployments, client_factory=lambda: get_client(sync_client=True))
