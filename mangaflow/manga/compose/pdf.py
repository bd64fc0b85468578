"""PDF export (fpdf2): a title page, then one full-bleed page per rendered page.

Pages are printed at B6 manga trim width (128 mm), their height following the image, so
a 1240 × 1754 px page is 128 × 181 mm at ~246 dpi. Each page embeds exactly the image
file the CBZ carries (:mod:`mangaflow.manga.compose.images`): the same JPEG bytes for colour
pages, the same 16-grey pixels for monochrome ones. The title page is set in DejaVu Sans
with a TrueType CJK fallback (IPA Gothic) when installed: fpdf2 needs TrueType outlines,
and the lettering fonts (Comic Neue, Noto CJK) are CFF OpenType.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

from mangaflow.manga.compose.fonts import covers, dejavu_paths, pdf_cjk_path
from mangaflow.manga.compose.images import PageFile, page_files
from mangaflow.manga.compose.layouts import PAGE_SIZE
from mangaflow.manga.compose.pages import RenderedPage
from mangaflow.manga.domain.episode import EpisodeScript
from mangaflow.manga.domain.story import StoryBible

if TYPE_CHECKING:  # fpdf2 (and fontTools) take ~1 s to import: load them on first use
    from fpdf import FPDF

PAGE_W = 128 / 25.4 * 72  # pt: B6 manga trim width (128 mm); heights follow each image
MARGIN = 30.0
#: zlib level fpdf2 deflates PNG pixels with: 3 is 3× faster than its default (6) on
#: screentone pages and ~15 % bigger (~300 KB a page).
PDF_DEFLATE_LEVEL = 3
_LATIN1_FIXES = str.maketrans({"—": "-", "–": "-", "‘": "'", "’": "'", "“": '"', "”": '"',
                               "…": "...", "•": "*", "·": "-"})  # fmt: skip

logging.getLogger("fpdf").setLevel(logging.ERROR)  # missing-glyph chatter on exotic scripts
logging.getLogger("fontTools").setLevel(logging.ERROR)  # subsetting chatter


def pdf_title(story: StoryBible, episode: EpisodeScript) -> str:
    return f"{story.title} — Episode {episode.number}: {episode.title}"


class _Writer:
    """Title-page text helper. Latin-1 text is set in the PDF's built-in Helvetica (nothing
    to embed); anything else in DejaVu Sans, with a TrueType CJK fallback when the text
    needs one; without DejaVu, Helvetica with unknown characters replaced."""

    def __init__(self, pdf: FPDF, texts: Sequence[str]) -> None:
        self.pdf = pdf
        self.family, self.unicode = "Helvetica", False
        regular, bold = dejavu_paths()
        if not regular or all(_latin1(t) for t in texts):
            return
        self.family, self.unicode = "MFSans", True
        pdf.add_font("MFSans", "", regular)
        pdf.add_font("MFSans", "B", bold or regular)
        cjk = pdf_cjk_path()
        if cjk and any(covers(regular, t) for t in texts):
            pdf.add_font("MFCJK", "", cjk)
            pdf.set_fallback_fonts(["MFCJK"], exact_match=False)

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


def _latin1(text: str) -> bool:
    try:
        text.translate(_LATIN1_FIXES).encode("latin-1")
    except UnicodeEncodeError:
        return False
    return True


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
    """Title page + one full-bleed page per rendered page (≥ 240 dpi); metadata (title,
    ``author``, logline as subject, ``keywords``) and one bookmark per page set."""
    files = page_files([(p.png, p.monochrome, p.export) for p in pages])
    first = files[0].size if files else PAGE_SIZE
    from fpdf import FPDF

    pdf = FPDF(unit="pt", format=(PAGE_W, PAGE_W * first[1] / first[0]))
    pdf.set_auto_page_break(False)
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.set_title(pdf_title(story, episode))
    pdf.set_author(author)
    pdf.set_subject(story.logline)
    pdf.set_keywords(", ".join(keywords))
    pdf.set_creator("MangaFlow")
    texts = [t for t, *_ in _blocks(story, episode, 1.0)]
    texts += [note, "Cast", *(f"{c.name} — {c.role}" for c in story.characters)]
    writer = _Writer(pdf, texts)

    pdf.add_page()
    pdf.start_section(writer.clean(f"Episode {episode.number}: {episode.title}"))
    _title_page(pdf, writer, story, episode, note)

    from fpdf.image_parsing import SETTINGS

    level, SETTINGS.compression_level = SETTINGS.compression_level, PDF_DEFLATE_LEVEL
    try:
        for page, file in zip(pages, files, strict=True):
            _image_page(pdf, page, file)
    finally:
        SETTINGS.compression_level = level
    return bytes(pdf.output())


def _image_page(pdf: FPDF, page: RenderedPage, file: PageFile) -> None:
    img_w, img_h = file.size
    h = PAGE_W * img_h / img_w
    pdf.add_page(format=(PAGE_W, h))
    pdf.start_section(f"Page {page.number}")
    name = _preload_png(pdf, file)
    if name is not None:
        try:
            pdf.image(name, x=0, y=0, w=PAGE_W, h=h)
            return
        except Exception:  # noqa: BLE001 - fpdf2 internals changed: embed the usual way
            pdf.image_cache.images.pop(name, None)
    # A JPEG goes in unchanged (DCTDecode); other images are decoded and deflated by fpdf2.
    pdf.image(io.BytesIO(file.data), x=0, y=0, w=PAGE_W, h=h)


def png_stream(png: bytes) -> tuple[int, int, int, bytes] | None:
    """(width, height, bit depth, zlib stream) of a non-interlaced greyscale PNG, else None.
    A PDF FlateDecode image with the PNG predictor reads that stream as it is."""
    if png[:8] != b"\x89PNG\r\n\x1a\n":
        return None
    pos, idat, head = 8, [], None
    while pos + 8 <= len(png):
        size, kind = int.from_bytes(png[pos : pos + 4], "big"), png[pos + 4 : pos + 8]
        body = png[pos + 8 : pos + 8 + size]
        if kind == b"IHDR":
            head = body
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
        pos += 12 + size
    if head is None or len(head) != 13 or head[9] != 0 or head[12] != 0 or not idat:
        return None  # not greyscale, or interlaced
    w, h = int.from_bytes(head[0:4], "big"), int.from_bytes(head[4:8], "big")
    return w, h, head[8], b"".join(idat)


def _preload_png(pdf: FPDF, file: PageFile) -> str | None:
    """Put a greyscale PNG page into fpdf2's image cache as its own compressed stream (no
    decoding, no deflating: the PDF holds the CBZ page's very bytes). Returns the name to
    pass to ``pdf.image``, or None when the page is not such a PNG."""
    stream = png_stream(file.data) if file.ext == "png" else None
    if stream is None:
        return None
    from fpdf.image_datastructures import RasterImageInfo

    w, h, bits, data = stream
    images = pdf.image_cache.images
    name = f"mangaflow-page-{len(images) + 1}.png"
    images[name] = RasterImageInfo(
        w=w, h=h, cs="DeviceGray", bpc=bits, f="FlateDecode", dpn=1, data=data,
        dp=f"/Predictor 15 /Colors 1 /Columns {w}", iccp=None, iccp_i=None,
        i=len(images) + 1, usages=0,
    )  # fmt: skip
    return name
