"""Per-user rate limits and the request-body size limit."""

from __future__ import annotations

import json
import math
import threading
import time
from collections import deque
from collections.abc import Mapping
from typing import Any

from starlette.exceptions import HTTPException

from mangaflow.platform.requests.model import utcnow


class RateLimiter:
    """At most ``per_minute`` requests per user in any rolling minute."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def retry_after(self, user: str) -> int | None:
        """``None`` when the request may go ahead (and counts it), else seconds to wait."""
        now = time.monotonic()
        with self._lock:
            hits = self._hits.setdefault(user, deque())
            while hits and now - hits[0] >= 60.0:
                hits.popleft()
            if len(hits) >= self.per_minute:
                return max(1, math.ceil(60.0 - (now - hits[0])))
            hits.append(now)
            return None


class BodySizeLimit:
    """ASGI middleware: bodies larger than ``max_bytes`` get 413 in the API's error shape,
    whether or not the client sent Content-Length. ``larger`` allows bigger bodies on some
    exact paths (document uploads: ``{"/support/documents": bytes}``)."""

    def __init__(self, app: Any, max_bytes: int, larger: Mapping[str, int] | None = None) -> None:
        self.app, self.max_bytes, self.larger = app, max_bytes, dict(larger or {})

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.larger.get(scope.get("path", ""), self.max_bytes)
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._reject(send, limit)
            return
        seen = 0

        async def counted() -> Any:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise _TooLarge(limit)
            return message

        try:
            await self.app(scope, counted, send)
        except _TooLarge:
            await self._reject(send, limit)

    async def _reject(self, send: Any, limit: int) -> None:
        body = json.dumps({"error": {
            "code": "payload_too_large", "message": f"request body over {limit} bytes",
            "details": {"maxBytes": limit}, "requestId": None, "timestamp": utcnow(),
        }}).encode()  # fmt: skip
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json")]})  # fmt: skip
        await send({"type": "http.response.body", "body": body})


class _TooLarge(HTTPException):
    """Raised from ``receive`` inside the app: an ``HTTPException``, so FastAPI's body parsing
    (which turns other errors into 400) passes it on, and the error handlers answer 413."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(413, f"request body over {max_bytes} bytes")
