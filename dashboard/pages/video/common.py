"""What the video pages share: the video parts of the dashboard's context, cached file reads,
and field errors shown under the widgets (as the Create page does)."""

from __future__ import annotations

import streamlit as st

from dashboard import data
from mangaflow.video.parts import Studio, studio

TOPICS = "pages/video/topics.py"
TRENDS = "pages/video/trends.py"
VIDEOS = "pages/video/videos.py"


def parts() -> Studio:
    return studio(data.container())


@st.cache_data(ttl=60, show_spinner=False, max_entries=6)
def blob(home: str, key: str) -> bytes:
    """A stored file (an MP4, captions, a thumbnail); a few are kept for reruns."""
    return parts().blobs.get(key)  # the video bucket on AWS


def errors_under(state_key: str, *fields: str) -> None:
    """The errors in ``st.session_state[state_key]`` that name one of ``fields``."""
    for err in st.session_state.get(state_key, []):
        if err["field"].split("[", 1)[0].split(".", 1)[0] in fields:
            st.error(f"**{err['field']}**: {err['message']}", icon=":material/warning:")


def usd(value: float | None) -> str:
    return "–" if value is None else f"${value:,.4f}"
