"""Overview: requests by state, success rate and p50/p95 duration per request type over
time, provider calls and estimated cost, queue and dead-letter depth."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import data, metrics, ui

st.title("Overview")
home = data.home()
rows = data.all_requests(home)
st.caption(f"Every request in this store (all users). Durations run from a request's "
           f"submission to its end; percentiles are over completed requests. Data refreshes "
           f"every {data.TTL} s.")  # fmt: skip

if not rows:
    ui.empty_state(
        "No requests yet. Make your first manga on **Create**: pick genres, themes and a "
        "style, and an episode (PDF and CBZ) is ready in about a minute. Its numbers then "
        "show up here.", ui.CREATE, "Create a manga", ":material/brush:",
    )  # fmt: skip

counts = metrics.status_counts(rows)
total = metrics.overall(rows)
st.subheader("Requests by state")
state_cols = st.columns(4)
state_cols[0].metric("Pending", counts["PENDING"], border=True)
state_cols[1].metric("Processing", counts["PROCESSING"], border=True)
state_cols[2].metric("Completed", counts["COMPLETED"], border=True)
state_cols[3].metric("Failed", counts["FAILED"], border=True)
health = st.columns(5)
health[0].metric(
    "Success rate",
    metrics.format_rate(total["success_rate"]),
    border=True,
    help="Completed / (completed + failed).",
)
health[1].metric(
    "p50 duration",
    metrics.format_seconds(total["p50_s"]),
    border=True,
    help="Median time from submission to COMPLETED.",
)
health[2].metric("p95 duration", metrics.format_seconds(total["p95_s"]), border=True)
health[3].metric(
    "Queue depth", counts["PENDING"], border=True, help="Requests waiting to start (PENDING)."
)
letters = data.dead_letters(home)
health[4].metric("Dead letters", len(letters), border=True,
                 help="Events whose flow failed in the background worker, kept with the "
                      "reason; replay them with `mangaflow dlq replay` (see Failures).")  # fmt: skip

if rows:
    st.subheader("By request type")
    st.caption("STORY = a new story with its first episode (all stages); EPISODE = a continued "
               "story's next episode; REGENERATE = one panel redrawn.")  # fmt: skip
    table = pd.DataFrame([{
        "Type": r["type"], "Requests": r["requests"], "Completed": r["completed"],
        "Failed": r["failed"], "Running": r["running"],
        "Success rate": metrics.format_rate(r["success_rate"]),
        "p50": metrics.format_seconds(r["p50_s"]), "p95": metrics.format_seconds(r["p95_s"]),
    } for r in metrics.by_type(rows)])  # fmt: skip
    st.dataframe(table, hide_index=True, key="by_type")

    st.subheader("Over time")
    daily = metrics.by_day_and_type(rows)
    days = sorted({d["day"] for d in daily})
    if len(days) > 1:
        frame = pd.DataFrame(daily)
        left, right = st.columns(2)
        with left:
            st.markdown("**p50 / p95 duration (s) per day**")
            long = frame.melt(id_vars=["day", "type"], value_vars=["p50_s", "p95_s"],
                              var_name="percentile", value_name="seconds").dropna()  # fmt: skip
            long["series"] = long["type"] + " " + long["percentile"].str[:3]
            st.line_chart(long, x="day", y="seconds", color="series")
        with right:
            st.markdown("**Success rate per day**")
            rate = frame.dropna(subset=["success_rate"])
            st.bar_chart(rate, x="day", y="success_rate", color="type", stack=False)
    else:
        st.caption("Charts appear once requests span more than one day.")
    st.dataframe(pd.DataFrame([{
        "Day": d["day"], "Type": d["type"], "Requests": d["requests"],
        "Completed": d["completed"], "Failed": d["failed"],
        "Success rate": metrics.format_rate(d["success_rate"]),
        "p50": metrics.format_seconds(d["p50_s"]), "p95": metrics.format_seconds(d["p95_s"]),
    } for d in reversed(daily)]), hide_index=True, key="by_day")  # fmt: skip

    st.subheader("Provider calls and estimated cost")
    totals, usage_rows = metrics.usage_totals(
        data.usage(home, tuple(r["request_id"] for r in rows))
    )
    u = st.columns(4)
    u[0].metric("Provider calls", int(totals["calls"]), border=True)
    u[1].metric("Images", int(totals["images"]), border=True)
    u[2].metric("Tokens (in / out)",
                f"{int(totals['input_tokens']):,} / {int(totals['output_tokens']):,}",
                border=True)  # fmt: skip
    u[3].metric(
        "Estimated cost",
        f"${totals['cost_usd']:.4f}",
        border=True,
        help="From MANGAFLOW_PRICES; offline providers cost nothing.",
    )
    if usage_rows:
        st.dataframe(pd.DataFrame([{
            "Kind": r["kind"], "Provider": r["provider"], "Calls": int(r["calls"]),
            "Input tokens": int(r["input_tokens"]), "Output tokens": int(r["output_tokens"]),
            "Images": int(r["images"]), "Cost (USD)": round(r["cost_usd"], 6),
        } for r in usage_rows]), hide_index=True, key="usage")  # fmt: skip
    else:
        st.caption("No provider calls recorded yet.")

    running = [r for r in rows if r["status"] in ("PENDING", "PROCESSING")]
    if running:
        st.subheader("Running now")
        for r in running[:10]:
            ui.request_card(r["request_id"])
