"""Dead letters: events whose flow kept failing, kept with the reason, and replayed on demand.

Locally they live in the item table (``DEADLETTER`` partition); on AWS they are the SQS
dead-letter queues behind the EventBridge rules (``list_sqs`` / ``replay_sqs``)."""

from __future__ import annotations

import json
from typing import Any

from mangaflow.platform.context import Context
from mangaflow.platform.errors import NotFound
from mangaflow.platform.events import DomainEvent, parse_event


def record(c: Context, event: DomainEvent, reason: str) -> str:
    return c.requests.add_dead_letter(event.envelope(), reason)


def list_local(c: Context) -> list[dict[str, Any]]:
    return [
        {"id": d["id"], "detailType": d["envelope"]["detail-type"],
         "requestId": d["envelope"]["detail"].get("requestId"), "reason": d["reason"],
         "createdAt": d["createdAt"]}
        for d in c.requests.dead_letters()
    ]  # fmt: skip


def replay_local(c: Context, dl_id: str | None = None) -> list[str]:
    """Publish dead letters again (one, or all) and remove them; returns the replayed ids.
    The event keeps its id: its earlier claim was released when its run failed."""
    letters = c.requests.dead_letters()
    if dl_id is not None:
        letters = [d for d in letters if d["id"] == dl_id]
        if not letters:
            raise NotFound(f"no dead letter {dl_id}")
    replayed = []
    for d in letters:
        env = d["envelope"]
        c.bus.publish(parse_event(env["detail-type"], env["detail"]))
        c.requests.remove_dead_letter(d["id"])
        replayed.append(d["id"])
    return replayed


def list_sqs(sqs: Any, dlq_url: str, limit: int = 10) -> list[dict[str, Any]]:
    """Peek at an SQS dead-letter queue (messages become visible again at once)."""
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    while len(out) < limit:
        got = sqs.receive_message(QueueUrl=dlq_url, MaxNumberOfMessages=min(10, limit - len(out)),
                                  VisibilityTimeout=0, AttributeNames=["All"],
                                  MessageAttributeNames=["All"])  # fmt: skip
        messages = [m for m in got.get("Messages", []) if m["MessageId"] not in seen]
        if not messages:  # empty, or only messages peeked already (visibility 0)
            break
        for m in messages:
            seen.add(m["MessageId"])
            try:
                body = json.loads(m["Body"])
            except ValueError:
                body = None
            if not isinstance(body, dict):  # a poison message: show it, don't choke on it
                body = {"detail-type": None, "detail": {}}
            detail = body.get("detail")
            out.append({
                "id": m["MessageId"], "detailType": body.get("detail-type"),
                "requestId": detail.get("requestId") if isinstance(detail, dict) else None,
                "receives": int(m.get("Attributes", {}).get("ApproximateReceiveCount", 0)),
                "reason": (m.get("MessageAttributes", {}).get("reason", {}) or {}).get(
                    "StringValue", "exceeded the queue's maxReceiveCount"),
            })  # fmt: skip
    return out


def replay_sqs(sqs: Any, dlq_url: str, source_url: str, limit: int = 100) -> int:
    """Move messages from a dead-letter queue back to its source queue; returns how many."""
    moved = 0
    while moved < limit:
        got = sqs.receive_message(QueueUrl=dlq_url, MaxNumberOfMessages=10, VisibilityTimeout=30)
        messages = got.get("Messages", [])
        if not messages:
            break
        for m in messages:
            sqs.send_message(QueueUrl=source_url, MessageBody=m["Body"])
            sqs.delete_message(QueueUrl=dlq_url, ReceiptHandle=m["ReceiptHandle"])
            moved += 1
    return moved
