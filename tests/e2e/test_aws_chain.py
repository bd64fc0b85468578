"""The AWS chain, end to end, with every part real except AWS itself (moto's server on loopback):

``Story Generation Requested`` published to EventBridge → a rule per detail-type delivers it to
its SQS buffer (with a DLQ) → the webhook Lambda's handler is invoked with that SQS batch, as
the Lambda event-source mapping would → it creates a flow run on a real Prefect server → a real
``prefect worker`` (process pool) runs the deployment from ``prefect.yaml`` in a subprocess on
DynamoDB, S3 and EventBridge → each stage publishes the next event, which goes round the same
chain → the episode PDF and CBZ are in the bucket and the request is COMPLETED. A poison event
on the same bus lands in its DLQ with the reason.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml

from mangaflow.bootstrap import build, set_context
from mangaflow.manga.domain import keys
from mangaflow.manga.domain.events import StoryGenerationRequested
from mangaflow.manga.services.submit import submit_preferences
from mangaflow.platform.adapters.storage.dynamodb import create_table
from mangaflow.platform.adapters.storage.dynamodb import make_client as dynamo_client
from mangaflow.platform.context import Context
from mangaflow.platform.events import EVENT_TYPES
from mangaflow.platform.requests import deadletters
from mangaflow.products import routes
from tests.conftest import VALID_PREFS, make_settings
from tests.lambdas import FakeContext, load_lambda
from tests.processes import terminate

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
REGION = "us-east-1"
TABLE, BUCKET, BUS = "manga-chain", "manga-chain-blobs", "manga-chain-events"
POOL = "aws-chain"
#: the stages one request goes through: detail-type -> prefect.yaml deployment name
STAGES = {
    "Story Generation Requested": "story",
    "Episode Generation Requested": "episode",
    "Image Generation Requested": "images",
}


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[dict[str, str]]:
    """moto's server on loopback (a worker's flow runs are other processes, so in-process
    ``mock_aws`` cannot serve them); fake credentials; yields the AWS environment."""
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    env = {
        "AWS_ENDPOINT_URL": f"http://{host}:{port}",
        "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION, "AWS_REGION": REGION,
        "AWS_CONFIG_FILE": str(tmp_path / "no-aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-aws-credentials"),
    }  # fmt: skip
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    try:
        yield env
    finally:
        server.stop()


@pytest.fixture
def buffers(aws: dict[str, str]) -> dict[str, tuple[str, str]]:
    """The table, the bucket, and the bus with a rule per start detail-type → SQS buffer with a
    DLQ after 3 receives (as ``infra/stacks/platform/events.py``). Yields detail-type → (queue,
    DLQ)."""
    create_table(dynamo_client(REGION), TABLE)
    boto3.client("s3").create_bucket(Bucket=BUCKET)
    events, sqs = boto3.client("events"), boto3.client("sqs")
    events.create_event_bus(Name=BUS)
    queues: dict[str, tuple[str, str]] = {}
    for n, detail_type in enumerate(STAGES):
        dlq = sqs.create_queue(QueueName=f"stage-{n}-dlq")["QueueUrl"]
        dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])
        queue = sqs.create_queue(QueueName=f"stage-{n}-buffer", Attributes={
            "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn["Attributes"]["QueueArn"],
                                         "maxReceiveCount": "3"}),
        })["QueueUrl"]  # fmt: skip
        arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])
        pattern = {"source": [EVENT_TYPES[detail_type].source], "detail-type": [detail_type]}
        events.put_rule(Name=f"stage-{n}", EventBusName=BUS, EventPattern=json.dumps(pattern))
        events.put_targets(Rule=f"stage-{n}", EventBusName=BUS,
                           Targets=[{"Id": "buffer", "Arn": arn["Attributes"]["QueueArn"]}])  # fmt: skip
        queues[detail_type] = (queue, dlq)
    return queues


def _aws_settings(home: Path) -> dict[str, Any]:
    return {"table_backend": "dynamodb", "blob_backend": "s3", "event_bus": "eventbridge",
            "table_name": TABLE, "bucket": BUCKET, "event_bus_name": BUS,
            "aws_region": REGION}  # fmt: skip


@pytest.fixture
def container(buffers: Any, tmp_path: Path) -> Iterator[Context]:
    c = build(make_settings(tmp_path / "home", **_aws_settings(tmp_path)))
    set_context(c)
    yield c
    set_context(None)


def _register_deployments() -> dict[str, Any]:
    """The story, episode and images deployments of ``prefect.yaml`` on a process pool, as
    ``prefect deploy`` registers them (entrypoint + working-directory pull step).
    Returns deployment name -> id."""
    from prefect import get_client
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.exceptions import ObjectAlreadyExists

    spec = yaml.safe_load((ROOT / "prefect.yaml").read_text())
    entrypoints = {d["name"]: d["entrypoint"] for d in spec["deployments"]}
    flow_names = {d.split("/")[1]: d.split("/")[0] for d in routes().deployments().values()}
    ids: dict[str, Any] = {}
    with get_client(sync_client=True) as client:
        with contextlib.suppress(ObjectAlreadyExists):
            client.create_work_pool(WorkPoolCreate(name=POOL, type="process"))
        for name in STAGES.values():
            ids[name] = client.create_deployment(
                flow_id=client.create_flow_from_name(flow_names[name]), name=name,
                entrypoint=entrypoints[name], work_pool_name=POOL,
                pull_steps=[{"prefect.deployments.steps.set_working_directory":
                             {"directory": str(ROOT)}}],
            )  # fmt: skip
    return ids


@pytest.fixture
def worker(aws: dict[str, str], tmp_path: Path) -> Iterator[Path]:
    """``prefect worker start`` on the process pool; its flow runs see the AWS backends."""
    from prefect.settings import PREFECT_API_URL

    env = {**os.environ, **aws, "PREFECT_API_URL": str(PREFECT_API_URL.value()),
           "PREFECT_WORKER_QUERY_SECONDS": "1", "PREFECT_WORKER_PREFETCH_SECONDS": "5",
           "MANGAFLOW_HOME": str(tmp_path / "worker-home"),
           "MANGAFLOW_RETRY_BACKOFF_SECONDS": "0", "MANGAFLOW_RETRY_JITTER": "0"}  # fmt: skip
    env.update({f"MANGAFLOW_{k.upper()}": str(v) for k, v in _aws_settings(tmp_path).items()})
    log = tmp_path / "worker.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(Path(sys.executable).parent / "prefect"), "worker", "start", "--pool", POOL,
             "--type", "process", "--name", f"chain-{uuid.uuid4().hex[:6]}"],
            env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        try:
            yield log
        finally:
            terminate(proc, 30, group=True)


def _lambda_records(messages: list[dict[str, Any]], queue_arn: str) -> list[dict[str, Any]]:
    """SQS messages as the Lambda event-source mapping hands them to the function."""
    return [{
        "messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"],
        "attributes": {k: str(v) for k, v in m.get("Attributes", {}).items()},
        "messageAttributes": {}, "md5OfBody": m["MD5OfBody"], "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn, "awsRegion": REGION,
    } for m in messages]  # fmt: skip


def _pump(webhook: Any, queues: dict[str, tuple[str, str]]) -> set[str]:
    """One poll of every buffer: hand what arrived to the webhook, delete what it took (the
    failures stay, to be redelivered and dead-lettered). Returns the message ids delivered."""
    sqs = boto3.client("sqs")
    delivered: set[str] = set()
    for queue, _dlq in queues.values():
        arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])
        messages = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10,
                                       AttributeNames=["All"]).get("Messages", [])  # fmt: skip
        if not messages:
            continue
        result = webhook.handler(
            {"Records": _lambda_records(messages, arn["Attributes"]["QueueArn"])}, FakeContext()
        )
        failed = {f["itemIdentifier"] for f in result["batchItemFailures"]}
        for m in messages:
            if m["MessageId"] not in failed:
                sqs.delete_message(QueueUrl=queue, ReceiptHandle=m["ReceiptHandle"])
        delivered |= {m["MessageId"] for m in messages}
    return delivered


def test_story_event_on_eventbridge_becomes_a_pdf_in_the_bucket(
    prefect_server: None, container: Context, buffers: dict[str, tuple[str, str]],
    worker: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    from prefect import get_client
    from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterId
    from prefect.client.schemas.sorting import FlowRunSort
    from prefect.settings import PREFECT_API_URL

    deployments = _register_deployments()
    monkeypatch.setenv("PREFECT_API_URL", str(PREFECT_API_URL.value()))
    monkeypatch.delenv("PREFECT_API_URL_SECRET_NAME", raising=False)
    sqs = boto3.client("sqs")
    arn = {q: sqs.get_queue_attributes(QueueUrl=q, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"] for q, _ in buffers.values()}  # fmt: skip
    monkeypatch.setenv("DEAD_LETTER_QUEUES", json.dumps(  # as the Events stack sets it
        [{"queue": arn[q], "dlq": dlq} for q, dlq in buffers.values()]))
    # as the Events stack sets it: the route table's detail-type -> "flow/deployment" map
    monkeypatch.setenv("ROUTES", json.dumps(routes().deployments(), separators=(",", ":")))
    webhook = load_lambda("webhook")

    req = submit_preferences(container, "chain-user", VALID_PREFS, seed=3, publish=False)
    event = StoryGenerationRequested(userId="chain-user", requestId=req.request_id, seed=3)
    container.bus.publish(event)
    container.bus.publish(event)  # the same event delivered twice
    boto3.client("events").put_events(Entries=[{  # a poison event: no event id
        "EventBusName": BUS, "Source": StoryGenerationRequested.source,
        "DetailType": StoryGenerationRequested.detail_type, "Detail": json.dumps({"userId": "x"}),
    }])  # fmt: skip

    deadline, delivered = time.monotonic() + 420, set()
    while time.monotonic() < deadline:
        delivered |= _pump(webhook, buffers)
        current = container.requests.get_request(req.request_id)
        if current.status in ("COMPLETED", "FAILED"):
            break
        time.sleep(0.5)
    log_tail = worker.read_text(errors="replace")[-4000:]
    assert current.status == "COMPLETED", f"{current.status} {current.error}\n{log_tail}"
    assert len(delivered) == 5  # story twice, the poison, episode, images

    s3 = boto3.client("s3")
    objects = [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET)["Contents"]]
    pdf = next(k for k in objects if k.endswith("episode.pdf"))
    cbz = next(k for k in objects if k.endswith("episode.cbz"))
    assert s3.get_object(Bucket=BUCKET, Key=pdf)["Body"].read(5) == b"%PDF-"
    assert s3.get_object(Bucket=BUCKET, Key=cbz)["Body"].read(2) == b"PK"
    assert pdf == keys.episode_pdf("chain-user", str(current.story_id), 1)

    def our_runs() -> dict[str, list[Any]]:  # (the session's server is shared)
        with get_client(sync_client=True) as client:
            return {
                name: [r for r in client.read_flow_runs(
                    deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[dep_id])),
                    sort=FlowRunSort.EXPECTED_START_TIME_DESC, limit=50,
                ) if (r.parameters.get("event") or {}).get("requestId") == req.request_id]
                for name, dep_id in deployments.items()
            }  # fmt: skip

    # The request is COMPLETED just before the images run itself ends: wait for the runs.
    deadline = time.monotonic() + 60
    runs = our_runs()
    while time.monotonic() < deadline and not all(
        r.state and r.state.is_final() for rs in runs.values() for r in rs
    ):
        time.sleep(0.5)
        runs = our_runs()
    assert {name: len(r) for name, r in runs.items()} == {"story": 1, "episode": 1, "images": 1}
    assert runs["story"][0].idempotency_key == event.event_id
    assert all(r[0].state is not None and r[0].state.is_completed() for r in runs.values())

    # Only the poison message is dead-lettered, at once, with its reason; nothing else is left.
    story_dlq = buffers[StoryGenerationRequested.detail_type][1]
    (letter,) = deadletters.list_sqs(sqs, story_dlq)
    assert letter["reason"] == "Permanent: Story Generation Requested event has no detail.eventId"
    for queue, dlq in buffers.values():
        for url in (queue, dlq) if dlq != story_dlq else (queue,):
            attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
            assert attrs["ApproximateNumberOfMessages"] == "0", url
