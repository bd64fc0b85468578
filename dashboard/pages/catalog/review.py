"""The review queue: new entries (assembled by enrichment) and changed ones (status, more
episodes) wait here for a person to approve, edit or reject them."""

from __future__ import annotations

import json

import streamlit as st

from dashboard import data
from mangaflow.catalog.parts import catalog
from mangaflow.catalog.services import review
from mangaflow.platform.errors import MangaFlowError

st.title("Review Queue")
cat = catalog(data.container())
items = review.queue(cat)
st.caption("Approve commits the entry to the catalog and the search index and keeps an audit "
           "copy; Edit commits it with your changes; Reject drops a new entry, or keeps ours "
           "for a changed one.")  # fmt: skip
if "review_message" in st.session_state:
    st.success(st.session_state.pop("review_message"))
if not items:
    st.success("Nothing waits for review.", icon=":material/check_circle:")
    st.stop()

st.metric("Waiting", len(items))


def _decide(anime_id: str, action: str, edits_text: str = "") -> None:
    try:
        edits = json.loads(edits_text) if action == "edit" else {}
        if not isinstance(edits, dict):
            raise ValueError("edits must be a JSON object")
        decision = review.parse_decision({"action": action, "edits": edits,
                                          "reviewer": data.user_id()})  # fmt: skip
        result = review.decide(cat, anime_id, decision)
    except (MangaFlowError, ValueError) as exc:
        st.session_state["review_error"] = getattr(exc, "message", str(exc))
        return
    st.session_state["review_message"] = f"{anime_id}: {result['action']}"


if "review_error" in st.session_state:
    st.error(st.session_state.pop("review_error"))

for item in items[:50]:
    c = item.candidate
    why = "; ".join(f"{r.field}: ours {r.ours} → source {r.source}" for r in item.reasons)
    with st.expander(f"{c.title} · {item.kind} · {why or 'new entry'}", expanded=len(items) == 1):
        st.json(c.model_dump(mode="json"), expanded=False)
        edits = st.text_area("Edits (JSON object, for Edit)", "{}", key=f"edits_{item.anime_id}")
        b1, b2, b3 = st.columns(3)
        b1.button("Approve", key=f"approve_{item.anime_id}", type="primary",
                  on_click=_decide, args=(item.anime_id, "approve"))  # fmt: skip
        b2.button("Edit", key=f"edit_{item.anime_id}",
                  on_click=_decide, args=(item.anime_id, "edit", edits))  # fmt: skip
        b3.button("Reject", key=f"reject_{item.anime_id}",
                  on_click=_decide, args=(item.anime_id, "reject"))  # fmt: skip
