"""Finishing requests: COMPLETED with links, or FAILED with the error."""

from __future__ import annotations

from mangaflow.bootstrap import Container
from mangaflow.domain.events import GenerationFailed
from mangaflow.domain.request import GenerationRequest
from mangaflow.errors import NotFound


def complete(c: Container, request_id: str) -> GenerationRequest:
    summary = c.repo.usage_summary(request_id)
    return c.repo.mark_finished(request_id, "COMPLETED", usage=summary)


def fail(c: Container, request_id: str, error: str) -> GenerationRequest | None:
    """Mark a request FAILED (unless it already finished) and publish the failure."""
    try:
        req = c.repo.get_request(request_id)
    except NotFound:
        return None
    if req.finished:
        return req
    req = c.repo.mark_finished(
        request_id, "FAILED", error=error[:2000], usage=c.repo.usage_summary(request_id)
    )
    c.bus.publish(GenerationFailed(userId=req.user_id, requestId=request_id, stage=req.stage,
                                   error=error[:500]))  # fmt: skip
    return req
