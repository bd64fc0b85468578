"""PDF and CBZ export (mangaflow.manga.compose.pdf, cbz): metadata, pages, ComicInfo."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
import zipfile

from PIL import Image

from mangaflow.manga.compose import (
    PAGE_SIZE,
    write_cbz,
    write_pdf,
)
from mangaflow.manga.compose import pdf as pdf_mod
from mangaflow.manga.domain.story import StoryBible


def _mean_diff(a: Image.Image, b: Image.Image) -> float:
    """Mean absolute channel difference of two same-size images, at a coarse scale."""
    small_a, small_b = a.resize((62, 88)), b.resize((62, 88))
    diff = [abs(x - y) for pa, pb in zip(small_a.getdata(), small_b.getdata(), strict=True)
            for x, y in zip(pa, pb, strict=True)]  # fmt: skip
    return sum(diff) / len(diff)


def _pdf_info(data: bytes, key: str) -> str:
    """A document-info entry (the object that holds ``/Creator``), decoded."""
    info = next(chunk for chunk in data.split(b"endobj") if b"/Creator" in chunk)
    m = re.search(rb"/" + key.encode() + rb" (<feff[0-9a-fA-F]*>|\((?:[^()\\]|\\.)*\))", info)
    assert m, key
    raw = m.group(1)
    if raw.startswith(b"<"):
        return bytes.fromhex(raw[5:-1].decode()).decode("utf-16-be")
    return raw[1:-1].decode("latin-1")


def _pdf_pages(data: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page\b(?!s)", data))


def test_pdf_has_title_page_pages_metadata_and_bookmarks(rendered, story, script) -> None:
    data = write_pdf(rendered, story=story, episode=script, author="Reader",
                     keywords=["manga", "fantasy"], note="Offline sample.")  # fmt: skip
    assert data.startswith(b"%PDF")
    assert _pdf_pages(data) == 1 + len(rendered)
    assert _pdf_info(data, "Title") == "Lanterns of Kiyomizu — Episode 1: The Humming Lantern"
    assert _pdf_info(data, "Author") == "Reader"
    assert _pdf_info(data, "Creator") == "MangaFlow"
    assert "manga" in _pdf_info(data, "Keywords")
    assert _pdf_info(data, "Subject") == story.logline
    assert b"/Outlines" in data and b"(Page 3)" in data
    # pages are JPEG, with the same pixels as the PNGs (up to JPEG loss)
    jpegs = re.findall(rb"/Filter /DCTDecode.*?stream\r?\n(.*?)endstream", data, re.S)
    assert len(jpegs) == len(rendered)
    for jpg, page in zip(jpegs, rendered, strict=True):
        a = Image.open(io.BytesIO(jpg)).convert("RGB")
        b = Image.open(io.BytesIO(page.png)).convert("RGB")
        assert a.size == b.size
        assert _mean_diff(a, b) < 4


def test_pdf_copes_with_non_latin_text_with_and_without_a_ttf(
    rendered, script, monkeypatch
) -> None:
    story = StoryBible(
        title="清水の提灯 — Ünïcødé “quotes”",
        logline="Айко слышит потерянные вещи. 提灯を返せ！",
        setting="京都",
        characters=[
            {
                "name": "愛子",
                "role": "主人公",
                "appearance": "a",
                "outfit": "b",
                "palette": ["#123456", "#654321"],
                "personality": "c",
            },
            {
                "name": "Рен",
                "role": "соперник",
                "appearance": "a",
                "outfit": "b",
                "palette": ["#abcdef", "#fedcba"],
                "personality": "c",
            },
        ],  # fmt: skip
        arc="a",
        episodes=[{"number": 1, "title": "t", "summary": "s"}],
    )
    data = write_pdf(rendered[:1], story=story, episode=script, author="著者", keywords=["漫画"])
    assert _pdf_pages(data) == 2
    assert _pdf_info(data, "Title").startswith("清水の提灯")
    monkeypatch.setattr(pdf_mod, "dejavu_paths", lambda: (None, None))
    data = write_pdf(rendered[:1], story=story, episode=script, author="著者", keywords=[])
    assert data.startswith(b"%PDF") and _pdf_pages(data) == 2


# -- CBZ -------------------------------------------------------------------------------------

SCHEMA_ORDER = [
    "Title", "Series", "Number", "Count", "Volume", "AlternateSeries", "AlternateNumber",
    "AlternateCount", "Summary", "Notes", "Year", "Month", "Day", "Writer", "Penciller", "Inker",
    "Colorist", "Letterer", "CoverArtist", "Editor", "Publisher", "Imprint", "Genre", "Web",
    "PageCount", "LanguageISO", "Format", "BlackAndWhite", "Manga", "Characters", "Teams",
    "Locations", "ScanInformation", "StoryArc", "SeriesGroup", "AgeRating", "Pages",
    "CommunityRating",
]  # fmt: skip


def test_cbz_has_numbered_pages_and_comicinfo(rendered, story, script) -> None:
    data = write_cbz(rendered, story=story, episode=script, writer="Reader", language="en")
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        names = zf.namelist()
        pages = [n for n in names if n.startswith("page-")]
        # colour pages are JPEG (monochrome ones 4-bit grey PNG), with the page's pixels
        assert pages == [f"page-{i:03d}.jpg" for i in range(1, len(rendered) + 1)]
        for name, page in zip(pages, rendered, strict=True):
            jpg = Image.open(io.BytesIO(zf.read(name))).convert("RGB")
            assert jpg.size == page.size
            assert _mean_diff(jpg, Image.open(io.BytesIO(page.png)).convert("RGB")) < 4
        sizes = [zf.getinfo(n).file_size for n in pages]
        root = ET.fromstring(zf.read("ComicInfo.xml"))
    assert root.tag == "ComicInfo"
    tags = [el.tag for el in root]
    assert tags == sorted(tags, key=SCHEMA_ORDER.index)  # schema order
    assert root.findtext("Title") == "The Humming Lantern"
    assert root.findtext("Series") == story.title
    assert root.findtext("Number") == "1"
    assert root.findtext("Writer") == "Reader"
    assert root.findtext("PageCount") == str(len(rendered))
    assert root.findtext("LanguageISO") == "en"
    assert root.findtext("Manga") == "YesAndRightToLeft"
    page_els = root.findall("Pages/Page")
    assert [p.get("Image") for p in page_els] == [str(i) for i in range(len(rendered))]
    assert page_els[0].get("Type") == "FrontCover"
    assert page_els[0].get("ImageWidth") == str(PAGE_SIZE[0])
    assert [int(p.get("ImageSize", "0")) for p in page_els] == sizes


def test_cbz_ltr_and_escaping(rendered, story, script) -> None:
    ep = script.model_copy(update={"title": 'Fish & <Chips> "now"'})
    data = write_cbz(rendered, story=story, episode=ep, writer="A & B", direction="ltr")
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        root = ET.fromstring(zf.read("ComicInfo.xml"))
    assert root.findtext("Manga") == "Yes"
    assert root.findtext("Title") == 'Fish & <Chips> "now"'
    assert root.findtext("Writer") == "A & B"
    assert write_cbz(rendered, story=story, episode=ep, writer="A & B", direction="ltr") == data
