"""Lettering and export: panel art + script → lettered pages → PDF / CBZ.

::

    pages = render_pages(script, story, {panel_number: png_bytes, ...}, direction="rtl")
    pdf = write_pdf(pages, story=story, episode=script, author="...", keywords=[...])
    cbz = write_cbz(pages, story=story, episode=script, writer="...")

Pure Pillow + fpdf2; no network, no orchestration imports. Modules:

* ``templates`` / ``layouts`` — 38 panel layouts for 1–7 panels and the choice per page
  (key panels biggest, least-used template first, cells shaped for the shots);
* ``staging`` — where the art shows each character (the image request's staging);
* ``spots`` / ``bubbles`` / ``shapes`` / ``sfx`` — balloon and SFX placement and drawing;
* ``fonts`` / ``text`` — fonts by glyph coverage (Comic Neue, DejaVu, IPA Gothic / Noto
  CJK, Pillow's), line breaking (CJK per character, with kinsoku);
* ``pages`` — lettered pages; ``images`` — the page PNG and the one exported image per
  page that ``pdf`` (B6, ~246 dpi) and ``cbz`` (ComicInfo 2.0) both carry.
"""

from mangaflow.manga.compose.bubbles import Bubble, place_balloons
from mangaflow.manga.compose.cbz import comic_info, write_cbz
from mangaflow.manga.compose.layouts import (
    PAGE_SIZE,
    TEMPLATES,
    PageLayout,
    Rect,
    Template,
    choose_layout,
    live_area,
    plan_layouts,
)
from mangaflow.manga.compose.pages import RenderedPage, render_page, render_pages
from mangaflow.manga.compose.pdf import write_pdf

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
