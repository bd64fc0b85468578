"""Finishing requests: COMPLETED with links, or FAILED with the error. And the guarantee that a
request never stays PROCESSING after the process running it died: running flows send
heartbeats (:func:`heartbeat`) and :func:`reap_stale` fails requests that went silent."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from mangaflow.bootstrap import Container
from mangaflow.domain.events import GenerationFailed
from mangaflow.domain.request import GenerationRequest, to_ts
from mangaflow.errors import MangaFlowError, NotFound

log = logging.getLogger(__name__)


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


@contextmanager
def heartbeat(c: Container, request_id: str | None) -> Iterator[None]:
    """While the block runs, mark the request alive every ``heartbeat_seconds`` (from a daemon
    thread: it dies with the process, which is the point)."""
    if not request_id:
        yield
        return
    stop = threading.Event()

    def beat() -> None:
        while True:
            try:
                c.repo.touch_request(request_id)
            except (MangaFlowError, OSError) as exc:  # a missed beat; the next one may land
                log.warning("heartbeat of request %s failed: %s", request_id, exc)
            if stop.wait(c.settings.heartbeat_seconds):
                return

    thread = threading.Thread(target=beat, name=f"heartbeat-{request_id[:8]}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=10)


def stale(c: Container, now: datetime | None = None) -> list[GenerationRequest]:
    """PROCESSING requests with no heartbeat or update for ``stale_after_seconds``."""
    now = now or datetime.now(UTC)
    cutoff = to_ts(now - timedelta(seconds=c.settings.stale_after_seconds))
    return [r for r in c.repo.requests_by_status("PROCESSING") if r.last_seen < cutoff]


def reap_stale(c: Container, now: datetime | None = None) -> list[GenerationRequest]:
    """Fail every stale request (see :func:`stale`) with an error saying what happened.
    Returns the requests it failed, as they were before."""
    reaped = []
    for req in stale(c, now):
        error = (f"no sign of life since {req.last_seen} during stage '{req.stage}': the process "
                 "running it stopped (killed, out of memory or its machine went away); submit "
                 "it again")  # fmt: skip
        done = fail(c, req.request_id, error)
        if done is not None and done.status == "FAILED" and done.error == error[:2000]:
            reaped.append(req)
    return reaped
