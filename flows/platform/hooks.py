"""State hooks: a flow that fails or crashes leaves its request FAILED with the error. (A process
killed outright runs no hook: the flows' heartbeats and the reaper cover that.)"""

from __future__ import annotations

from typing import Any

from mangaflow.bootstrap import get_context
from mangaflow.platform.errors import MangaFlowError
from mangaflow.platform.requests import lifecycle as status


def error_text(state: Any) -> str:
    """The underlying error of a failed state, as a person would want to read it."""
    exc = state.data if isinstance(state.data, BaseException) else None
    if exc is None:
        try:
            result = state.result(raise_on_failure=False)
            exc = result if isinstance(result, BaseException) else None
        except Exception:  # unreadable result: fall back to the state's message
            exc = None
    if isinstance(exc, MangaFlowError):
        return f"{type(exc).__name__}: {exc.message}"
    if exc is not None:
        return f"{type(exc).__name__}: {exc}"
    return state.message or "flow run failed"


def mark_request_failed(flow: Any, flow_run: Any, state: Any) -> None:
    """``on_failure`` / ``on_crashed`` hook for flows whose ``event`` parameter names a request."""
    event = flow_run.parameters.get("event") or {}
    request_id = event.get("requestId") if isinstance(event, dict) else None
    if request_id:
        status.fail(get_context(), request_id, error_text(state))

