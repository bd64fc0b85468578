"""Finishing requests: COMPLETED with links, or FAILED with the error. And the guarantee that a
request never stays PROCESSING after the process running it died: a flow at work on a request
marks it ``running`` and sends heartbeats (:func:`heartbeat`); :func:`reap_stale` fails running
requests that went silent. A request waiting for its next stage (queued behind others, or for
a worker) is not running, so however long it waits it is not reaped. A running request whose
heartbeats came from a process of this host that no longer exists is stale at once.

:func:`reopen` puts a FAILED or abandoned request back to PENDING so a product can resume it
from where it stopped."""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from mangaflow.platform.context import Context
from mangaflow.platform.errors import ConditionFailed, Conflict, NotFound
from mangaflow.platform.events import GenerationFailed
from mangaflow.platform.requests.model import GenerationRequest, to_ts

log = logging.getLogger(__name__)

#: This host, as heartbeats record it (``host:pid``; the pid is read at each heartbeat, so a
#: forked worker records its own).
HOST = socket.gethostname()


def runner() -> str:
    """This process, as heartbeats record it."""
    return f"{HOST}:{os.getpid()}"


def runner_gone(runner: str | None) -> bool:
    """Whether ``runner`` (``host:pid``) names a process of this host that has exited."""
    host, _, pid = (runner or "").rpartition(":")
    if host != HOST or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    try:  # a killed child its parent has not waited for yet is a zombie: gone all the same
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return False


def complete(c: Context, request_id: str) -> GenerationRequest:
    summary = c.requests.usage_summary(request_id)
    return c.requests.mark_finished(request_id, "COMPLETED", usage=summary)


def fail(
    c: Context, request_id: str, error: str, expect: dict[str, object] | None = None
) -> GenerationRequest | None:
    """Mark a request FAILED (unless it already finished) and publish the failure. With
    ``expect``, only while those attributes still hold (else ``ConditionFailed``)."""
    try:
        req = c.requests.get_request(request_id)
    except NotFound:
        return None
    if req.finished:
        return req
    req = c.requests.mark_finished(
        request_id, "FAILED", error=error[:2000], expect=expect,
        usage=c.requests.usage_summary(request_id),
    )  # fmt: skip
    c.bus.publish(GenerationFailed(userId=req.user_id, requestId=request_id, stage=req.stage,
                                   error=error[:500]))  # fmt: skip
    return req


@contextmanager
def heartbeat(c: Context, request_id: str | None) -> Iterator[None]:
    """While the block runs, the request is ``running`` and marked alive every
    ``heartbeat_seconds`` (from a daemon thread: it dies with the process, which is the
    point); when the block ends, it is no longer running."""
    if not request_id:
        yield
        return
    stop = threading.Event()

    def touch(running: bool) -> None:
        for _ in range(3):  # a concurrent update makes the conditional write miss: try again
            try:
                if c.requests.touch_request(request_id, running=running, runner=runner()):
                    return
            except NotFound:
                return
            except Exception as exc:  # a missed beat; the next one may land
                log.warning("heartbeat of request %s failed: %s", request_id, exc)
                return

    def beat() -> None:
        while not stop.wait(c.settings.heartbeat_seconds):
            touch(True)

    touch(True)
    thread = threading.Thread(target=beat, name=f"heartbeat-{request_id[:8]}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=10)
        touch(False)


def stale(c: Context, now: datetime | None = None) -> list[GenerationRequest]:
    """Running requests with no heartbeat or update for ``stale_after_seconds``, or whose
    process (on this host) is gone."""
    return [r for r in c.requests.requests_by_status("PROCESSING") if abandoned(c, r, now)]


def abandoned(c: Context, req: GenerationRequest, now: datetime | None = None) -> bool:
    """A request a flow was at work on whose process stopped: silent for
    ``stale_after_seconds``, or its heartbeating process on this host has exited."""
    if req.status != "PROCESSING" or not req.running:
        return False
    now = now or datetime.now(UTC)
    cutoff = to_ts(now - timedelta(seconds=c.settings.stale_after_seconds))
    return req.last_seen < cutoff or runner_gone(req.runner)


def reap_stale(c: Context, now: datetime | None = None) -> list[GenerationRequest]:
    """Fail every stale request (see :func:`stale`) with an error saying what happened, each
    only if it is still silent when written. Returns the requests it failed, as they were."""
    reaped = []
    for req in stale(c, now):
        error = (f"no sign of life since {req.last_seen} during stage '{req.stage}': the process "
                 "running it stopped (killed, out of memory or its machine went away); resume "
                 f"it with `mangaflow resume {req.request_id}`")  # fmt: skip
        try:
            done = fail(c, req.request_id, error,
                        expect={"heartbeat_at": req.heartbeat_at, "updated_at": req.updated_at})  # fmt: skip
        except ConditionFailed:  # it showed life meanwhile
            continue
        if done is not None and done.status == "FAILED" and done.error == error:
            reaped.append(req)
    return reaped


def reopen(c: Context, req: GenerationRequest, why: str) -> GenerationRequest:
    """Put a FAILED or abandoned request back to PENDING (error cleared, a note saying why), so
    its product can start it again from where it stopped. Only if nobody else changed it since
    ``req`` was read (``ConditionFailed`` otherwise: e.g. two resumes at once)."""
    return c.requests.update_request(
        req.request_id, expect={"status": req.status, "rev": req.rev}, status="PENDING",
        error=None, running=False, notes=[*req.notes, why],
    )  # fmt: skip


def check_resumable(c: Context, req: GenerationRequest) -> None:
    """``Conflict`` saying why when ``req`` cannot be resumed now: it is done, running, or
    queued for its first stage for less than ``stale_after_seconds``."""
    if req.status == "COMPLETED":
        raise Conflict(f"request {req.request_id} is already COMPLETED; nothing to resume")
    if req.status == "PROCESSING" and not abandoned(c, req):
        raise Conflict(
            f"request {req.request_id} is still running (stage '{req.stage}', last sign of life "
            f"{req.last_seen}); it can be resumed once it fails or its process is gone"
        )
    if req.status == "PENDING":
        cutoff = to_ts(datetime.now(UTC) - timedelta(seconds=c.settings.stale_after_seconds))
        if req.created_at > cutoff:
            raise Conflict(
                f"request {req.request_id} is queued for its first stage (created "
                f"{req.created_at}); it can be resumed if it has not started after "
                f"{c.settings.stale_after_seconds:g} s"
            )
