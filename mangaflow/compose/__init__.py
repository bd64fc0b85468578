"""Lettering and export: panel art + script → lettered pages → PDF / CBZ.

::

    pages = render_pages(script, story, {panel_number: png_bytes, ...}, direction="rtl")
    pdf = write_pdf(pages, story=story, episode=script, author="...", keywords=[...])
    cbz = write_cbz(pages, story=story, episode=script, writer="...")

Pure Pillow + fpdf2; no network, no orchestration imports.
"""

from mangaflow.compose.bubbles import Bubble, place_balloons
from mangaflow.compose.cbz import comic_info, write_cbz
from mangaflow.compose.layouts import (
    PAGE_SIZE,
    TEMPLATES,
    PageLayout,
    Rect,
    Template,
    choose_layout,
    live_area,
    plan_layouts,
)
from mangaflow.compose.pages import RenderedPage, render_page, render_pages
from mangaflow.compose.pdf import write_pdf

__all__ = [
    "PAGE_SIZE",
    "TEMPLATES",
    "Bubble",
    "PageLayout",
    "Rect",
    "RenderedPage",
    "Template",
    "choose_layout",
    "comic_info",
    "live_area",
    "place_balloons",
    "plan_layouts",
    "render_page",
    "render_pages",
    "write_cbz",
    "write_pdf",
]
