"""Webhook Lambda: EventBridge -> SQS buffer -> this handler -> a Prefect deployment run.

Each SQS record carries an EventBridge envelope (``detail-type``, ``source``, ``detail``). The
handler starts the deployment mapped from the detail-type through Prefect's REST API
(``GET /api/deployments/name/{flow}/{deployment}``, then ``POST /api/deployments/{id}/
create_flow_run``) with the event id as idempotency key, so a redelivered event starts one run.
Failed records are reported in ``batchItemFailures``: SQS redelivers only those and moves
repeat failures to the queue's DLQ. Standard library + boto3 only (the Lambda runtime's).

The Prefect API URL (and key) come from the Secrets Manager secret named by
``PREFECT_API_URL_SECRET_NAME`` (JSON ``{"url": ..., "key": ...}``) or, for local runs and
tests, from ``PREFECT_API_URL`` / ``PREFECT_API_KEY``. Keys are never logged.
"""

from __future__ import annotations

import json
import logging
import os
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

log = logging.getLogger("mangaflow.webhook")
log.setLevel(logging.INFO)

#: detail-type -> "flow-name/deployment-name" (mirrors mangaflow's DEFAULT_DEPLOYMENTS; a test
#: keeps the two equal).
DEPLOYMENTS = {
    "Story Generation Requested": "generate-story/story",
    "Episode Generation Requested": "generate-episode/episode",
    "Image Generation Requested": "generate-images/images",
    "Batch Workflow Requested": "run-batch/batch",
    "Panel Regeneration Requested": "regenerate-panel/regenerate",
}
RETRIES, TIMEOUT = 4, 20.0
_cache: dict[str, Any] = {}


class Transient(Exception):
    """Worth another delivery (5xx, 429, timeouts)."""


def prefect_endpoint() -> tuple[str, str]:
    """(API URL, key); read once per container from the secret or the environment."""
    if "endpoint" not in _cache:
        secret_name = os.environ.get("PREFECT_API_URL_SECRET_NAME")
        if secret_name:
            import boto3

            raw = boto3.client("secretsmanager").get_secret_value(SecretId=secret_name)
            value = json.loads(raw["SecretString"])
            _cache["endpoint"] = (value["url"].rstrip("/"), value.get("key", ""))
        else:
            _cache["endpoint"] = (os.environ["PREFECT_API_URL"].rstrip("/"),
                                  os.environ.get("PREFECT_API_KEY", ""))  # fmt: skip
    endpoint: tuple[str, str] = _cache["endpoint"]
    return endpoint


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
            if exc.code >= 500 or exc.code == 429:
                raise Transient(f"Prefect API {method} {path}: {exc.code}") from None
            raise ValueError(f"Prefect API {method} {path}: {exc.code}") from None
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
    event_id = detail["eventId"]
    run = _call("POST", f"/deployments/{deployment_id(name)}/create_flow_run",
                {"parameters": {"event": detail}, "idempotency_key": event_id})  # fmt: skip
    return str(run["id"])


def handler(event: dict[str, Any], context: Any) -> dict[str, list[dict[str, str]]]:
    failures: list[dict[str, str]] = []
    for record in event.get("Records", []):
        message_id = record.get("messageId", "")
        try:
            envelope = json.loads(record["body"])
            run_id = start_run(envelope)
            log.info("message %s: %s -> run %s", message_id, envelope.get("detail-type"), run_id)
        except Exception as exc:  # reported per message; SQS redelivers, then dead-letters
            log.warning("message %s failed: %s", message_id, type(exc).__name__)
            failures.append({"itemIdentifier": message_id})
    return {"batchItemFailures": failures}
