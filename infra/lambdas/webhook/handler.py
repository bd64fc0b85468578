"""DEPLOYMENT TARGET of the webhook Lambda (EventBridge -> SQS buffer -> Prefect deployment run).

Placeholder: the real logic (read the Prefect API URL from the secret named by
``PREFECT_API_URL_SECRET_NAME``, start one deployment run per event with an idempotency key)
is written separately. It must stay a thin adapter over ``mangaflow`` services.

Contract kept by this placeholder: SQS batch with ``ReportBatchItemFailures`` -> return the
ids of failed messages (none here), so SQS redelivers only those and moves repeat failures to
the queue's DLQ.
"""

from __future__ import annotations

from typing import Any


def handler(event: dict[str, Any], context: Any) -> dict[str, list[dict[str, str]]]:
    """Accept every record (placeholder). Real logic appends ``{"itemIdentifier": msgId}``."""
    return {"batchItemFailures": []}
