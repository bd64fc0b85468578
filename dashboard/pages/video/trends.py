"""Trends: per topic and day, the videos trending in its category and keywords, ranked by
engagement (views per hour, like and comment ratios), as a table and a bar chart of scores.
Offline reports (the default) are deterministic samples and say so."""

from __future__ import annotations

from typing import Any

import streamlit as st

from dashboard import data, ui
from dashboard.pages.video.common import TOPICS, parts
from mangaflow.platform.errors import MangaFlowError
from mangaflow.video.services import queries, topics

st.title("Trends")
st_, user = parts(), data.user_id()
mine = {t.topic_id: t for t in topics.listing(st_, user)}
if not mine:
    ui.empty_state("No topics yet: add one, then detect its trends here (daily at 08:00 New "
                   "York time once deployed).", TOPICS, "Add a topic", ":material/topic:")  # fmt: skip
    st.stop()

pick, run = st.columns([3, 1])
topic_id = str(pick.selectbox("Topic", list(mine), key="vtr_topic",
                              format_func=lambda tid: f"{mine[tid].name} ({tid})"))  # fmt: skip
if run.button("Detect today's trends", key="vtr_detect", icon=":material/refresh:"):
    try:
        queries.detect(st_, user, topic_id)
    except MangaFlowError as exc:
        st.error(exc.message)
reports = queries.trend_reports(st_, user, topic_id, limit=30)
if not reports:
    st.info("No trends stored for this topic yet: detect them with the button above.",
            icon=":material/lightbulb:")  # fmt: skip
    st.stop()

by_day = {r.day: r for r in reports}
day = str(st.selectbox("Day", list(by_day), key=f"vtr_day_{topic_id}"))
report = by_day[day]
if report.offline:
    st.caption("Offline: deterministic sample trends (set MANGAFLOW_VIDEO_TRENDS_PROVIDER="
               "youtube for YouTube's).")  # fmt: skip
else:
    st.caption(f"Source: {report.source} · {report.quota_units} quota units")
rows: list[dict[str, Any]] = [{"#": i, "title": item.title, "channel": item.channel, "views": item.views,
         "views/h": round(item.views_per_hour), "likes %": round(item.like_ratio * 100, 2),
         "comments %": round(item.comment_ratio * 100, 3), "score": item.score}
        for i, item in enumerate(report.items, 1)]  # fmt: skip
st.dataframe(rows, hide_index=True, width="stretch")
st.bar_chart({"title": [f"{r['#']}. {r['title'][:40]}" for r in rows],
              "score": [r["score"] for r in rows]}, x="title", y="score", horizontal=True,
             sort="-score")  # fmt: skip
