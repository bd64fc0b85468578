"""AWS Lambda entry point: the same FastAPI app behind API Gateway (Cognito authorizer)."""

from __future__ import annotations

from typing import Any

from mangum import Mangum

_handler: Mangum | None = None


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Built on the first invocation (never at import), then reused by warm invocations."""
    global _handler
    if _handler is None:
        from mangaflow.api.app import create_app

        _handler = Mangum(create_app(), lifespan="off")
    result: dict[str, Any] = _handler(event, context)
    return result
