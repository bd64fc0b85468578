"""Prefect flow runs for the Runs page, through the Prefect client.

The dashboard never starts a Prefect server: without a configured ``PREFECT_API_URL`` (or one
that does not answer within :data:`TIMEOUT` seconds) the page explains how to start one.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import streamlit as st

TIMEOUT = 2.0
LIVE_STATES: frozenset[str] = frozenset({"SCHEDULED", "PENDING", "RUNNING", "PAUSED",
                                         "CANCELLING"})  # fmt: skip
STATE_TYPES: tuple[str, ...] = ("SCHEDULED", "PENDING", "RUNNING", "COMPLETED", "FAILED",
                                "CANCELLED", "CRASHED", "PAUSED", "CANCELLING")  # fmt: skip
#: MangaFlow's flows and the pipeline stage each one runs.
STAGES: dict[str, str] = {
    "generate-manga": "whole request", "generate-story": "insights + story",
    "generate-episode": "episode script", "generate-images": "panels, lettering, export",
    "run-batch": "batch", "regenerate-panel": "panel regeneration",
}  # fmt: skip


def api_url() -> str | None:
    """The configured Prefect API URL (environment, profile or test harness), or ``None``."""
    from prefect.settings import get_current_settings

    url = get_current_settings().api.url
    return str(url).rstrip("/") if url else None


def ui_url(api: str) -> str:
    """``PREFECT_UI_URL``, or the API URL without ``/api``."""
    from prefect.settings import get_current_settings

    configured = get_current_settings().ui_url
    return str(configured).rstrip("/") if configured else api.removesuffix("/api")


def run_link(ui: str, run_id: str) -> str:
    return f"{ui}/runs/flow-run/{run_id}"


@st.cache_data(ttl=5, show_spinner=False)
def check(api: str) -> str | None:
    """``None`` when the server answers ``/health``; otherwise why not (short timeout)."""
    try:
        response = httpx.get(f"{api}/health", timeout=TIMEOUT)
    except httpx.HTTPError as exc:
        return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    if response.status_code >= 500:
        return f"HTTP {response.status_code}"
    return None


def _seconds(value: timedelta | None) -> float | None:
    return value.total_seconds() if value is not None else None


def _request_id(parameters: dict[str, Any]) -> str:
    event = parameters.get("event")
    if isinstance(event, dict):
        return str(event.get("requestId") or event.get("batchId") or "")
    return str(parameters.get("request_id") or "")


@st.cache_data(ttl=5, show_spinner=False)
def flow_names(api: str) -> list[str]:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.sorting import FlowSort

    with get_client(sync_client=True) as client:
        return sorted(f.name for f in client.read_flows(sort=FlowSort.NAME_ASC, limit=200))


@st.cache_data(ttl=5, show_spinner=False)
def flow_runs(
    api: str, states: tuple[str, ...] = (), flows: tuple[str, ...] = (), limit: int = 100
) -> list[dict[str, Any]]:
    """The latest flow runs (newest first), optionally only those in ``states`` / of
    ``flows``, as plain dicts."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        FlowFilter,
        FlowFilterId,
        FlowFilterName,
        FlowRunFilter,
        FlowRunFilterState,
        FlowRunFilterStateType,
    )
    from prefect.client.schemas.objects import StateType
    from prefect.client.schemas.sorting import FlowRunSort, FlowSort

    run_filter = None
    if states:
        run_filter = FlowRunFilter(state=FlowRunFilterState(
            type=FlowRunFilterStateType(any_=[StateType(s) for s in states])))  # fmt: skip
    flow_filter = FlowFilter(name=FlowFilterName(any_=list(flows))) if flows else None
    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(flow_filter=flow_filter, flow_run_filter=run_filter,
                                     sort=FlowRunSort.EXPECTED_START_TIME_DESC, limit=limit)  # fmt: skip
        ids = sorted({r.flow_id for r in runs})
        names = {f.id: f.name for f in client.read_flows(
            flow_filter=FlowFilter(id=FlowFilterId(any_=ids)), sort=FlowSort.NAME_ASC,
            limit=len(ids))} if ids else {}  # fmt: skip
    out = []
    for r in runs:
        state = r.state_type.value if r.state_type else "UNKNOWN"
        live = state in LIVE_STATES
        flow = names.get(r.flow_id, "?")
        out.append({
            "id": str(r.id), "name": r.name, "flow": flow, "stage": STAGES.get(flow, ""),
            "state_type": state, "state": r.state_name or state.title(),
            "start": r.start_time or r.expected_start_time,
            "duration_s": _seconds(r.estimated_run_time if live else r.total_run_time),
            "run_count": r.run_count,
            "request_id": _request_id(r.parameters or {}),
        })  # fmt: skip
    return out


@st.cache_data(ttl=5, show_spinner=False)
def task_runs(api: str, flow_run_id: str) -> list[dict[str, Any]]:
    """The task runs of one flow run (for attempts and retries), oldest first."""
    from uuid import UUID

    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId
    from prefect.client.schemas.sorting import TaskRunSort

    with get_client(sync_client=True) as client:
        runs = client.read_task_runs(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[UUID(flow_run_id)])),
            sort=TaskRunSort.EXPECTED_START_TIME_ASC, limit=200,
        )  # fmt: skip
    return [{
        "Task": t.name, "State": t.state_name or "", "Attempts": t.run_count,
        "Retries used": max(t.run_count - 1, 0), "Duration (s)": _seconds(t.total_run_time),
    } for t in runs]  # fmt: skip
