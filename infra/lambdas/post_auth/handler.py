"""Cognito post-authentication trigger: create the user's profile item once.

Keys match ``mangaflow.manga.repository`` (``USER#<sub> | PROFILE``). Idempotent: the conditional
put fails harmlessly when the profile already exists. Table name from ``TABLE_NAME``.
"""

from __future__ import annotations

import contextlib
import os
from datetime import UTC, datetime
from typing import Any

import boto3

_table: Any = None


def _get_table() -> Any:
    global _table
    if _table is None:
        _table = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])
    return _table


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Return the event unchanged (Cognito requires it); never block sign-in on a profile."""
    attributes = event.get("request", {}).get("userAttributes", {})
    user_id = attributes.get("sub") or event.get("userName", "")
    if not user_id:
        return event
    key = f"USER#{user_id}"
    item = {
        "PK": key,
        "SK": "PROFILE",
        "GSI1PK": key,
        "GSI1SK": "PROFILE",
        "userId": user_id,
        "email": attributes.get("email", ""),
        "createdAt": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
    }
    table = _get_table()
    # A repeat sign-in finds the profile already there: the failed condition is the no-op.
    with contextlib.suppress(table.meta.client.exceptions.ConditionalCheckFailedException):
        table.put_item(Item=item, ConditionExpression="attribute_not_exists(PK)")
    return event
