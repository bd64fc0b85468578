"""Batch and Continue: a batch of new stories from the latest preferences, or the next
episode of an existing story. Both run in the background and refresh themselves."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from dashboard import commands as actions
from dashboard import data, ui
from mangaflow.platform.errors import MangaFlowError, NotFound, ValidationError

BATCHES = "followed_batches"
MAX_BATCH = 10

st.title("Batch and Continue")
home, user = data.home(), data.user_id()
c = data.container()


def _batch_table(batch: dict[str, Any]) -> None:
    st.markdown(f"{ui.STATUS_ICONS.get(batch['status'], '')} **Batch** `{batch['batchId']}` · "
                f"{batch['status']} · {len(batch['stories'])} of {batch['numberOfStories']} "
                f"stories started")  # fmt: skip
    if batch["stories"]:
        st.dataframe(pd.DataFrame([{
            "#": s["index"], "Status": s["status"], "Story": s.get("storyId") or "",
            "Episode": s.get("episodeId") or "", "Error": s.get("error") or "",
        } for s in batch["stories"]]), hide_index=True, key=f"batch_{batch['batchId']}")  # fmt: skip
    if batch.get("error"):
        st.error(batch["error"])


@st.fragment(run_every=ui.LIVE_EVERY)
def _live_batch(batch_id: str) -> None:
    batch = actions.get_batch(c, user, batch_id)
    if batch["status"] in ("COMPLETED", "PARTIAL", "FAILED"):
        data.clear()
        st.rerun()
    with st.container(border=True):
        _batch_table(batch)
        st.caption("Stories run one after another; this view refreshes by itself.")


def _batch_card(batch_id: str) -> None:
    try:
        batch = actions.get_batch(c, user, batch_id)
    except NotFound:
        return
    if batch["status"] in ("COMPLETED", "PARTIAL", "FAILED"):
        with st.container(border=True):
            _batch_table(batch)
            st.page_link(ui.LIBRARY, label="Open the Library", icon=":material/menu_book:")
    else:
        _live_batch(batch_id)


batch_col, continue_col = st.columns(2, gap="large")

with batch_col:
    st.subheader("Batch of new stories")
    latest = data.latest_preferences(home, user)
    if latest is None:
        ui.empty_state("A batch reuses your latest preferences, and you have none stored yet. "
                       "Create one manga first; then come back to make several at once.",
                       ui.CREATE, "Create a manga", ":material/brush:")  # fmt: skip
    else:
        st.caption("Uses your latest preferences: " + " · ".join([
            ", ".join(latest.get("genres", [])), ", ".join(latest.get("themes", [])),
            latest.get("artStyle", ""), latest.get("targetAudience", ""),
            latest.get("contentRating", "")]))  # fmt: skip
        with st.form("batch_form", border=False):
            n = st.number_input("Number of stories", 1, MAX_BATCH, 3, key="batch_n")
            go = st.form_submit_button("Start batch", type="primary", key="batch_go")
        if go:
            try:
                started = actions.start_batch(c, user, int(n))
            except ValidationError as exc:
                st.error(str(exc))
            except MangaFlowError as exc:
                st.error(exc.message)
            else:
                st.session_state.setdefault(BATCHES, []).insert(0, started["batchId"])
                data.clear()
    for batch_id in st.session_state.get(BATCHES, [])[:3]:
        _batch_card(batch_id)

with continue_col:
    st.subheader("Continue a story")
    st.caption("The next episode is written from the story bible, the earlier episodes' "
               "summaries and the story's original preferences.")  # fmt: skip
    stories = data.stories(home, user)
    if not stories:
        ui.empty_state("No stories to continue yet. Create one first; its next episodes are "
                       "written from the story bible and the earlier episodes.",
                       ui.CREATE, "Create a manga", ":material/brush:")  # fmt: skip
    else:
        names = {s["storyId"]: f"{s.get('title') or 'Untitled'} — {s['episodes']} episode"
                               f"{'s' if s['episodes'] != 1 else ''}" for s in stories}  # fmt: skip
        with st.form("continue_form", border=False):
            story_id = st.selectbox("Story", list(names), format_func=names.__getitem__,
                                    key="continue_story")  # fmt: skip
            go_on = st.form_submit_button("Write the next episode", type="primary",
                                          key="continue_go")  # fmt: skip
        if go_on and story_id:
            try:
                req = actions.continue_story(c, user, str(story_id))
            except (NotFound, ValidationError) as exc:
                st.error(str(exc))
            except MangaFlowError as exc:
                st.error(exc.message)
            else:
                ui.follow(req.request_id)
                st.success(f"Episode {req.episode_number} requested.")

ui.followed_section("Progress")
