"""PDF export (fpdf2): a title page, then one full-bleed JPEG page per rendered page."""

from __future__ import annotations

import io
import logging
import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

from PIL import Image

from mangaflow.compose.fonts import cjk_path, dejavu_paths
from mangaflow.compose.layouts import PAGE_SIZE
from mangaflow.compose.pages import RenderedPage
from mangaflow.domain.episode import EpisodeScript
from mangaflow.domain.story import StoryBible

if TYPE_CHECKING:  # fpdf2 (and fontTools) take ~1 s to import: load them on first use
    from fpdf import FPDF

PAGE_W = 595.28  # pt: A4 width; heights follow each image's aspect
JPEG_QUALITY = 88
MARGIN = 56.0
_LATIN1_FIXES = str.maketrans({"—": "-", "–": "-", "‘": "'", "’": "'", "“": '"', "”": '"',
                               "…": "...", "•": "*", "·": "-"})  # fmt: skip

logging.getLogger("fpdf").setLevel(logging.ERROR)  # missing-glyph chatter on exotic scripts
logging.getLogger("fontTools").setLevel(logging.ERROR)  # subsetting chatter


def pdf_title(story: StoryBible, episode: EpisodeScript) -> str:
    return f"{story.title} — Episode {episode.number}: {episode.title}"


def page_jpeg(page: RenderedPage, quality: int = JPEG_QUALITY) -> bytes:
    """The page image re-encoded as JPEG (same pixels as ``page.png``, lossy)."""
    img: Image.Image = Image.open(io.BytesIO(page.png))
    if img.mode not in ("RGB", "L"):
        img = img.convert("RGB")
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=quality, optimize=False, subsampling=0 if quality >= 90 else 2)
    return buf.getvalue()


class _Writer:
    """Title-page text helper: a Unicode TTF when available, else latin-1 Helvetica."""

    def __init__(self, pdf: FPDF) -> None:
        self.pdf = pdf
        regular, bold = dejavu_paths()
        self.unicode = bool(regular)
        if regular:
            pdf.add_font("MFSans", "", regular)
            pdf.add_font("MFSans", "B", bold or regular)
            self.family = "MFSans"
            cjk = cjk_path()
            if cjk and cjk.lower().endswith((".ttf", ".otf")):
                pdf.add_font("MFCJK", "", cjk)
                pdf.set_fallback_fonts(["MFCJK"])
        else:
            self.family = "Helvetica"

    def clean(self, text: str) -> str:
        if self.unicode:
            return text
        return text.translate(_LATIN1_FIXES).encode("latin-1", "replace").decode("latin-1")

    def para(self, text: str, size: float, *, bold: bool = False, align: str = "C",
             gap: float = 6, colour: tuple[int, int, int] = (0, 0, 0)) -> None:  # fmt: skip
        pdf = self.pdf
        pdf.set_font(self.family, "B" if bold else "", size)
        pdf.set_text_color(*colour)
        pdf.multi_cell(pdf.epw, size * 1.25, self.clean(text), align=align,
                       new_x="LMARGIN", new_y="NEXT")  # fmt: skip
        pdf.ln(gap)

    def height(self, text: str, size: float, *, bold: bool = False, width: float = 0) -> float:
        pdf = self.pdf
        pdf.set_font(self.family, "B" if bold else "", size)
        height = pdf.multi_cell(width or pdf.epw, size * 1.25, self.clean(text),
                                dry_run=True, output="HEIGHT")  # fmt: skip
        assert isinstance(height, (int, float))  # output="HEIGHT" returns just the height
        return float(height)


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    h = hex_colour.lstrip("#")
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)


def _blocks(story: StoryBible, episode: EpisodeScript, s: float) -> list[tuple]:
    """(text, size, bold, gap, colour) of the title page's centred paragraphs at scale s."""
    return [
        (story.title, 30 * s, True, 10 * s, (0, 0, 0)),
        (story.logline, 13 * s, False, 18 * s, (60, 60, 60)),
        (f"Episode {episode.number}: {episode.title}", 20 * s, True, 8 * s, (0, 0, 0)),
        (episode.summary, 11 * s, False, 22 * s, (60, 60, 60)),
    ]


def _title_page(
    pdf: FPDF, w: _Writer, story: StoryBible, episode: EpisodeScript, note: str
) -> None:
    top = MARGIN * 1.6
    note_h = w.height(note, 8) if note else 0.0
    bottom = pdf.h - MARGIN - note_h - (12 if note else 0)
    scale = 1.0
    for scale in (1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4):  # shrink until everything fits
        need = sum(
            w.height(t, sz, bold=b) + gap for t, sz, b, gap, _ in _blocks(story, episode, scale)
        )
        need += 14 * scale * 1.25 + 4 * scale + len(story.characters) * 18 * scale * 1.3
        if top + need <= bottom:
            break
    pdf.set_y(top)
    for text, size, bold, gap, colour in _blocks(story, episode, scale):
        w.para(text, size, bold=bold, gap=gap, colour=colour)
    w.para("Cast", 14 * scale, bold=True, align="L", gap=4 * scale)
    row = 18 * scale
    for c in story.characters:
        y = pdf.get_y()
        if y + row > bottom:
            break
        box = 12 * scale
        pdf.set_fill_color(*_rgb(c.palette[0]))
        pdf.set_draw_color(40, 40, 40)
        pdf.set_line_width(0.5)
        pdf.rect(MARGIN, y + (row - box) / 2, box, box, style="DF")
        pdf.set_x(MARGIN + box + 8)
        pdf.set_font(w.family, "B", 11 * scale)
        pdf.set_text_color(0, 0, 0)
        name, role = w.clean(c.name), w.clean(f"— {c.role}")
        pdf.cell(pdf.get_string_width(name) + 4, row, name)
        pdf.set_font(w.family, "", 11 * scale)
        pdf.set_text_color(70, 70, 70)
        pdf.multi_cell(0, row, role, new_x="LMARGIN", new_y="NEXT")
    if note:
        pdf.set_y(pdf.h - MARGIN - note_h)
        w.para(note, 8, gap=0, colour=(110, 110, 110))


def write_pdf(
    pages: Sequence[RenderedPage],
    *,
    story: StoryBible,
    episode: EpisodeScript,
    author: str,
    keywords: Sequence[str],
    note: str = "",
) -> bytes:
    """Title page + one full-bleed page per rendered page; metadata and bookmarks set."""
    first = pages[0].size if pages and pages[0].size[0] else PAGE_SIZE
    from fpdf import FPDF

    pdf = FPDF(unit="pt", format=(PAGE_W, PAGE_W * first[1] / first[0]))
    pdf.set_auto_page_break(False)
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.set_title(pdf_title(story, episode))
    pdf.set_author(author)
    pdf.set_subject(story.logline)
    pdf.set_keywords(", ".join(keywords))
    pdf.set_creator("MangaFlow")
    writer = _Writer(pdf)

    pdf.add_page()
    pdf.start_section(writer.clean(f"Episode {episode.number}: {episode.title}"))
    _title_page(pdf, writer, story, episode, note)

    with ThreadPoolExecutor(max_workers=max(1, min(4, os.cpu_count() or 1))) as pool:
        jpegs = list(pool.map(page_jpeg, pages))  # Pillow releases the GIL while coding
    for page, jpeg in zip(pages, jpegs, strict=True):
        img_w, img_h = page.dimensions
        h = PAGE_W * img_h / img_w
        pdf.add_page(format=(PAGE_W, h))
        pdf.start_section(f"Page {page.number}")
        pdf.image(io.BytesIO(jpeg), x=0, y=0, w=PAGE_W, h=h)  # JPEG is embedded as-is
    return bytes(pdf.output())
