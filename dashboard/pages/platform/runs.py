"""Runs: Prefect flow runs (one flow per pipeline stage) with state, duration, attempts and a
link to the Prefect UI. Never starts a Prefect server: without a reachable one it says how
to start it."""

from __future__ import annotations

import httpx
import pandas as pd
import streamlit as st

from dashboard import metrics
from flows.platform import runs as prefect_runs

HOW_TO = """
Runs are recorded by a Prefect server. Start one and point MangaFlow at it:

```bash
prefect server start                                   # UI and API on http://127.0.0.1:4200
export PREFECT_API_URL=http://127.0.0.1:4200/api       # then restart the dashboard
```

Without `PREFECT_API_URL`, each `mangaflow generate` (and each run started here) uses a
temporary server that disappears with its process, so there is nothing to list.
"""

st.title("Runs")
api = prefect_runs.api_url()


def _table(api: str, states: tuple[str, ...], flows: tuple[str, ...], limit: int) -> None:
    runs = prefect_runs.flow_runs(api, states, flows, limit)
    if not runs:
        st.info("No flow runs match. Runs appear here as soon as a manga is generated "
                "against this Prefect server.", icon=":material/lightbulb:")  # fmt: skip
        return
    ui_base = prefect_runs.ui_url(api)
    frame = pd.DataFrame([{
        "Run": r["name"], "Prefect UI": prefect_runs.run_link(ui_base, r["id"]),
        "State": r["state"], "Flow": r["flow"], "Stage": r["stage"], "Started": r["start"],
        "Duration (s)": r["duration_s"], "Attempts": r["run_count"],
        "Request": r["request_id"][:12],
    } for r in runs])  # fmt: skip
    st.dataframe(frame, hide_index=True, key="runs_table", column_config={
        "Prefect UI": st.column_config.LinkColumn(display_text="open ↗", width="small"),
        "Started": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm:ss"),
        "Duration (s)": st.column_config.NumberColumn(format="%.1f"),
        "Attempts": st.column_config.NumberColumn(
            help="Flow run count: 1 means no retry. Task retries: see below."),
        "Request": st.column_config.TextColumn(help="MangaFlow request (first 12 characters)."),
    })  # fmt: skip
    live = sum(1 for r in runs if r["state_type"] in prefect_runs.LIVE_STATES)
    if live:
        st.caption(f"{live} run(s) in progress; this table refreshes every 5 s.")

    st.subheader("Duration by flow (stage)")
    st.dataframe(pd.DataFrame([{
        "Flow": s["flow"], "Stage": prefect_runs.STAGES.get(s["flow"], ""), "Runs": s["runs"],
        "Completed": s["completed"], "Failed": s["failed"],
        "Success rate": metrics.format_rate(s["success_rate"]),
        "p50": metrics.format_seconds(s["p50_s"]), "p95": metrics.format_seconds(s["p95_s"]),
    } for s in metrics.run_stats(runs)]), hide_index=True, key="runs_by_flow")  # fmt: skip

    st.subheader("Task attempts of one run")
    labels = {r["id"]: f"{r['name']} · {r['flow']} · {r['state']}" for r in runs}
    chosen = st.selectbox("Flow run", list(labels), format_func=labels.__getitem__,
                          key="runs_detail")  # fmt: skip
    if chosen:
        tasks = prefect_runs.task_runs(api, chosen)
        if tasks:
            st.dataframe(pd.DataFrame(tasks), hide_index=True, key="runs_tasks",
                         column_config={"Duration (s)": st.column_config.NumberColumn(
                             format="%.2f")})  # fmt: skip
        else:
            st.caption("This run has no task runs (yet).")


_live_table = st.fragment(run_every="5s")(_table)


def _view(api: str) -> None:
    problem = prefect_runs.check(api)
    if problem is not None:
        st.warning(
            f"No Prefect server answers at `{api}` ({problem}).", icon=":material/power_off:"
        )
        st.markdown(HOW_TO)
        return
    st.caption(f"Flow runs on `{api}`, newest first. Open one in the Prefect UI for its logs.")
    left, middle, right = st.columns([3, 3, 1])
    states = left.multiselect("State", prefect_runs.STATE_TYPES, key="runs_states",
                              format_func=str.title, placeholder="All states")  # fmt: skip
    try:
        flow_options = prefect_runs.flow_names(api)
    except httpx.HTTPError as exc:
        st.error(f"The Prefect server at `{api}` did not answer: {exc}")
        return
    flows = middle.multiselect("Flow", flow_options, key="runs_flows", placeholder="All flows")
    limit = right.selectbox("Show", [50, 100, 200], key="runs_limit")
    args = (api, tuple(states), tuple(flows), int(limit or 50))
    try:
        runs = prefect_runs.flow_runs(*args)
    except httpx.HTTPError as exc:
        st.error(f"Reading flow runs from `{api}` failed: {exc}")
        return
    live = any(r["state_type"] in prefect_runs.LIVE_STATES for r in runs)
    (_live_table if live else _table)(*args)


if api is None:
    st.info("No Prefect server is configured (`PREFECT_API_URL` is not set), so there are no "
            "runs to show.", icon=":material/power_off:")  # fmt: skip
    st.markdown(HOW_TO)
else:
    _view(api)
