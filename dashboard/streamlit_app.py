"""MangaFlow dashboard: ``streamlit run dashboard/streamlit_app.py`` (or ``mangaflow
dashboard``). This entry point sets the page up, draws the sidebar and runs the page chosen
in the navigation; the pages live in ``pages/<product>/``."""

from __future__ import annotations

import sys
from pathlib import Path

_ROOT = str(Path(__file__).resolve().parents[1])
if _ROOT not in sys.path:  # `streamlit run` puts only this file's folder on sys.path
    sys.path.insert(0, _ROOT)

import streamlit as st  # noqa: E402

from mangaflow.platform.config import get_settings  # noqa: E402
from mangaflow.platform.runtime import prepare_prefect_env  # noqa: E402

st.set_page_config(page_title="MangaFlow", page_icon=":material/auto_stories:", layout="wide")
# Prefect state under MANGAFLOW_HOME, no telemetry (before anything imports Prefect).
prepare_prefect_env(get_settings())

from dashboard import ui  # noqa: E402

pages = {
    "Monitor": [
        st.Page(ui.OVERVIEW, title="Overview", icon=":material/monitoring:", default=True),
        st.Page(ui.RUNS, title="Runs", icon=":material/account_tree:", url_path="runs"),
        st.Page(ui.FAILURES, title="Failures", icon=":material/error:", url_path="failures"),
    ],
    "Read": [
        st.Page(ui.LIBRARY, title="Library", icon=":material/menu_book:", url_path="library"),
    ],
    "Make": [
        st.Page(ui.CREATE, title="Create", icon=":material/brush:", url_path="create"),
        st.Page(
            ui.ACTIONS,
            title="Batch and Continue",
            icon=":material/playlist_add:",
            url_path="actions",
        ),
    ],
}
page = st.navigation(pages)
ui.sidebar()
page.run()
