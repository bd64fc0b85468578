"""MangaFlow dashboard: ``streamlit run dashboard/streamlit_app.py`` (or ``mangaflow
dashboard``). This entry point sets the page up, draws the sidebar and runs the page chosen
in the navigation; the pages live in ``pages/<product>/``."""

from __future__ import annotations

import importlib
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
from dashboard.pages import PRODUCTS, SECTIONS  # noqa: E402

pages: dict[str, list[st.Page]] = {section: [] for section in SECTIONS}
for product in PRODUCTS:
    for spec in importlib.import_module(f"dashboard.pages.{product}").PAGES:
        pages[spec.section].append(st.Page(
            spec.path, title=spec.title, icon=spec.icon, url_path=spec.url_path,
            default=spec.default,
        ))  # fmt: skip
page = st.navigation(pages)
ui.sidebar()
page.run()
