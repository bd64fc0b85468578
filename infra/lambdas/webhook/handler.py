"""Webhook Lambda: EventBridge -> SQS buffer -> this handler -> a Prefect deployment run.

Each SQS record carries an EventBridge envelope (``detail-type``, ``source``, ``detail``). The
handler starts the deployment that the ``ROUTES`` setting maps the detail-type to (JSON
``{"Story Generation Requested": "generate-story/story", ...}``, which the Events stack derives
from mangaflow's route table; read at cold start, see :func:`load_routes`) through Prefect's REST
API (``GET /api/deployments/name/{flow}/{deployment}``, then ``POST /api/deployments/{id}/
create_flow_run``) with the event id as idempotency key, so a redelivered event starts one run.
A record that can never succeed (not JSON, not an envelope, no event id, a 4xx from Prefect
such as an unknown deployment, but not 401/403/408/429) goes straight to its queue's DLQ with a ``reason`` message
attribute (``mangaflow dlq list`` shows it; ``mangaflow dlq replay`` re-drives it) when
``DEAD_LETTER_QUEUES`` maps its source queue to one. Other failures (Prefect unreachable, 5xx,
429) are reported in ``batchItemFailures``: SQS redelivers only those and moves repeat
failures to the DLQ after ``maxReceiveCount`` receives.

Built on Powertools for AWS Lambda (Python) v3, which the function gets from the AWS-published
layer (tests install ``aws-lambda-powertools[parser]``):

- ``Logger``: one JSON line per log call, with the Lambda context (request id, cold start) and,
  per message, its message id, detail-type, event id and the flow run id.
- ``BatchProcessor`` + ``process_partial_response``: one record failing reports only that
  record; a batch in which every record failed is reported the same way (not raised), as before.
- Parser: each body is validated as an EventBridge envelope, so a body that is not JSON or not
  an envelope is a per-record failure with the validation error type in the log.
- Parameters: the Prefect API URL (and key) come from the Secrets Manager secret named by
  ``PREFECT_API_URL_SECRET_NAME`` (JSON ``{"url": ..., "key": ...}``, cached for
  ``SECRET_MAX_AGE`` seconds so a rotated key is picked up) or, for local runs and tests, from
  ``PREFECT_API_URL`` / ``PREFECT_API_KEY``. Neither the key nor the secret value is ever logged.
"""

# No ``from __future__ import annotations``: the pydantic model below resolves its annotations
# at class creation, however the module is loaded (tests load it by file path).
import json
import os
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.parser import parse
from aws_lambda_powertools.utilities.parser.models import EventBridgeModel
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import Field, ValidationError

SERVICE = "mangaflow-webhook"
logger = Logger(service=SERVICE)
# Every record is reported in batchItemFailures, even when all of them fail (raising instead
# would make SQS redeliver the whole batch and count a Lambda error): the earlier behaviour.
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)

RETRIES, TIMEOUT = 4, 20.0
SECRET_MAX_AGE = 300  # seconds a fetched secret value is reused by this container
_cache: dict[str, Any] = {}

#: The setting that maps detail-types to deployments (set by the Events stack).
ROUTES_SETTING = "ROUTES"


def load_routes(raw: str | None) -> dict[str, str]:
    """detail-type -> ``flow-name/deployment-name`` from the ``ROUTES`` setting: compact JSON
    that the Events stack derives from mangaflow's route table (``mangaflow.products.routes()``;
    this asset cannot import mangaflow). Missing or malformed, it raises: the function fails at
    cold start with this message (an init error, counted as a Lambda error by the WebhookErrors
    alarm; the batch is redelivered and SQS dead-letters it after its receives) instead of
    taking every event for one that starts nothing."""
    expected = 'a JSON object {"<detail-type>": "<flow-name>/<deployment-name>", ...}'
    if not raw or not raw.strip():
        raise RuntimeError(
            f"{ROUTES_SETTING} is not set: the webhook needs {expected}, which the Events stack "
            "sets from mangaflow.products.routes() (infra/stacks/platform/events.py)"
        )
    try:
        routes = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise RuntimeError(
            f"{ROUTES_SETTING} is not JSON ({exc.msg} at character {exc.pos}): expected {expected}"
        ) from None
    if not isinstance(routes, dict) or not routes:
        raise RuntimeError(f"{ROUTES_SETTING} maps no event: expected {expected}")
    bad = sorted(
        str(detail_type)
        for detail_type, name in routes.items()
        if not isinstance(name, str) or name.count("/") != 1 or not all(name.split("/"))
    )
    if bad:
        raise RuntimeError(
            f"{ROUTES_SETTING}: no flow-name/deployment-name for {', '.join(bad)}: "
            f"expected {expected}"
        )
    return dict(routes)


#: detail-type -> "flow-name/deployment-name", read once per container (cold start).
DEPLOYMENTS = load_routes(os.environ.get(ROUTES_SETTING))


class Transient(Exception):
    """Worth another delivery (5xx, 429, timeouts)."""


class Permanent(ValueError):
    """Never worth another delivery (a 4xx from Prefect other than auth/timeout/rate, an event
    without an id)."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class Envelope(EventBridgeModel):
    """An EventBridge event as the SQS target delivers it.

    ``source``, ``detail-type`` and an object ``detail`` are required. The fields EventBridge
    stamps on delivery (``id``, ``time``, ``account``, ...) are optional so that MangaFlow's own
    envelopes (``DomainEvent.envelope()``, e.g. re-sent by hand from a DLQ) are accepted too.
    """

    version: str | None = None  # type: ignore[assignment]
    id: str | None = None  # type: ignore[assignment]
    account: str | None = None  # type: ignore[assignment]
    time: datetime | None = None  # type: ignore[assignment]
    region: str | None = None  # type: ignore[assignment]
    resources: list[str] = Field(default_factory=list)
    detail: dict[str, Any]


def prefect_endpoint() -> tuple[str, str]:
    """(API URL, key) from the secret (Powertools-cached) or the environment."""
    secret_name = os.environ.get("PREFECT_API_URL_SECRET_NAME")
    if secret_name:
        from aws_lambda_powertools.utilities import parameters  # boto3: only on this path

        value = parameters.get_secret(secret_name, transform="json", max_age=SECRET_MAX_AGE,
                                      force_fetch=_cache.pop("refresh_secret", False))  # fmt: skip
        if not isinstance(value, dict) or not value.get("url"):
            raise RuntimeError(f"secret {secret_name}: expected JSON with a 'url' field")
        return str(value["url"]).rstrip("/"), str(value.get("key") or "")
    return (os.environ["PREFECT_API_URL"].rstrip("/"), os.environ.get("PREFECT_API_KEY", ""))


def _call(method: str, path: str, body: Any = None) -> Any:
    url, key = prefect_endpoint()
    headers = {"Content-Type": "application/json"}
    if key:
        headers["Authorization"] = f"Bearer {key}"
    data = json.dumps(body).encode() if body is not None else None
    for attempt in range(RETRIES):
        request = urllib.request.Request(url + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
                return json.loads(response.read() or b"null")
        except urllib.error.HTTPError as exc:
            if exc.code in (429, 502, 503, 504) and attempt + 1 < RETRIES:
                time.sleep(0.2 * 2**attempt)  # a SQLite-backed server answers 503 when busy
                continue
            if exc.code in (401, 403):  # e.g. a rotated key: read the secret afresh next time
                _cache["refresh_secret"] = True
            if exc.code >= 500 or exc.code in (401, 403, 408, 429):
                raise Transient(f"Prefect API {method} {path}: {exc.code}") from None
            raise Permanent(f"Prefect API {method} {path}: {exc.code}", exc.code) from None
        except (urllib.error.URLError, TimeoutError) as exc:
            if attempt + 1 < RETRIES:
                time.sleep(0.2 * 2**attempt)
                continue
            raise Transient(f"Prefect API unreachable: {type(exc).__name__}") from None
    raise Transient("Prefect API: retries exhausted")


def deployment_id(name: str) -> str:
    key = f"deployment:{name}"
    if key not in _cache:
        flow, deployment = name.split("/", 1)
        path = (f"/deployments/name/{urllib.parse.quote(flow, safe='')}/"
                f"{urllib.parse.quote(deployment, safe='')}")  # fmt: skip
        _cache[key] = _call("GET", path)["id"]
    return str(_cache[key])


def start_run(envelope: dict[str, Any]) -> str | None:
    """The flow run id started for one EventBridge envelope (None: not a start event)."""
    detail_type, detail = envelope["detail-type"], envelope["detail"]
    name = DEPLOYMENTS.get(detail_type)
    if name is None:
        return None  # completion / failure events start nothing
    event_id = detail.get("eventId")
    if not event_id:
        raise Permanent(f"{detail_type} event has no detail.eventId")
    body = {"parameters": {"event": detail}, "idempotency_key": event_id}
    try:
        run = _call("POST", f"/deployments/{deployment_id(name)}/create_flow_run", body)
    except Permanent as exc:
        if exc.status != 404:
            raise
        _cache.pop(f"deployment:{name}", None)  # redeployed since it was looked up: again
        run = _call("POST", f"/deployments/{deployment_id(name)}/create_flow_run", body)
    return str(run["id"])


def _problems(exc: Exception) -> list[str] | None:
    """Where a body failed envelope validation ("detail-type: missing"), without its values."""
    if not isinstance(exc, ValidationError):
        return None
    return [f"{'.'.join(str(p) for p in error['loc']) or 'body'}: {error['type']}"
            for error in exc.errors(include_input=False, include_url=False)]  # fmt: skip


def dead_letter_queue(source_arn: str) -> str | None:
    """The DLQ URL of a source queue, from ``DEAD_LETTER_QUEUES`` (JSON ``[{"queue": arn,
    "dlq": url}, ...]``, set by the stack)."""
    if "dlqs" not in _cache:
        pairs = json.loads(os.environ.get("DEAD_LETTER_QUEUES") or "[]")
        _cache["dlqs"] = {p["queue"]: p["dlq"] for p in pairs}
    dlqs: dict[str, str] = _cache["dlqs"]
    return dlqs.get(source_arn)


def dead_letter(record: SQSRecord, reason: str) -> bool:
    """Move a record that can never succeed to its DLQ with ``reason``; False: no DLQ known
    (then SQS's redrive dead-letters it after its receives)."""
    source = record.raw_event.get("eventSourceARN") or ""
    dlq = dead_letter_queue(source)
    if dlq is None:
        return False
    import boto3

    if "sqs" not in _cache:
        _cache["sqs"] = boto3.client("sqs")
    _cache["sqs"].send_message(QueueUrl=dlq, MessageBody=record.body, MessageAttributes={
        "reason": {"DataType": "String", "StringValue": reason[:1000]},
        "sourceQueue": {"DataType": "String", "StringValue": source},
    })  # fmt: skip
    return True


def _reason(exc: Exception) -> str:
    """Why a record is dead: the error type and where it failed, never the body's values."""
    if isinstance(exc, json.JSONDecodeError):
        return "body is not JSON"
    if isinstance(exc, ValidationError):
        return "not an EventBridge envelope: " + ", ".join(_problems(exc) or [])
    return f"{type(exc).__name__}: {exc}"


#: failures no redelivery can cure: the body (not JSON, not an envelope) or a Permanent answer
NEVER_SUCCEEDS = (json.JSONDecodeError, ValidationError, Permanent)


def record_handler(record: SQSRecord) -> str | None:
    """One SQS message: parse its envelope, start the mapped run; raising marks it failed."""
    message_id = record.message_id
    detail_type: str | None = None
    event_id: Any = None
    try:
        envelope = parse(event=json.loads(record.body), model=Envelope)  # not JSON: ValueError
        detail_type = envelope.detail_type
        event_id = envelope.detail.get("eventId")
        run_id = start_run({"detail-type": detail_type, "detail": envelope.detail})
    except Exception as exc:
        # The error type (and validation locations) only: messages may quote the body.
        logger.warning(
            "message failed",
            message_id=message_id,
            detail_type=detail_type,
            event_id=event_id,
            error=type(exc).__name__,
            problems=_problems(exc),
        )
        if isinstance(exc, NEVER_SUCCEEDS) and dead_letter(record, _reason(exc)):
            logger.warning("message dead-lettered", message_id=message_id, reason=_reason(exc))
            return None  # moved to the DLQ: done with it here
        raise
    logger.info(
        "message started a flow run" if run_id else "message starts nothing",
        message_id=message_id,
        detail_type=detail_type,
        event_id=event_id,
        run_id=run_id,
    )
    return run_id


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    if not event.get("Records"):  # process_partial_response rejects an empty batch
        return {"batchItemFailures": []}
    return dict(
        process_partial_response(
            event=event, record_handler=record_handler, processor=processor, context=context
        )
    )
