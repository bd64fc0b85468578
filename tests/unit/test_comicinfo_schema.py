"""ComicInfo.xml of an exported episode follows the ComicInfo 2.0 schema (anansi-project
schema/v2.0/ComicInfo.xsd): element names, their order in the schema's sequence, and types."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path
from typing import Any

import pytest

from mangaflow.bootstrap import build
from mangaflow.manga.services import episode, lettering, panels, story
from mangaflow.manga.services.submit import submit_preferences
from tests.conftest import VALID_PREFS, make_settings

# The schema's <xs:sequence> for ComicInfo, in order, with each element's type.
SEQUENCE: list[tuple[str, str]] = [
    ("Title", "string"), ("Series", "string"), ("Number", "string"), ("Count", "int"),
    ("Volume", "int"), ("AlternateSeries", "string"), ("AlternateNumber", "string"),
    ("AlternateCount", "int"), ("Summary", "string"), ("Notes", "string"), ("Year", "int"),
    ("Month", "int"), ("Day", "int"), ("Writer", "string"), ("Penciller", "string"),
    ("Inker", "string"), ("Colorist", "string"), ("Letterer", "string"),
    ("CoverArtist", "string"), ("Editor", "string"), ("Publisher", "string"),
    ("Imprint", "string"), ("Genre", "string"), ("Web", "string"), ("PageCount", "int"),
    ("LanguageISO", "string"), ("Format", "string"), ("BlackAndWhite", "YesNo"),
    ("Manga", "Manga"), ("Characters", "string"), ("Teams", "string"), ("Locations", "string"),
    ("ScanInformation", "string"), ("StoryArc", "string"), ("SeriesGroup", "string"),
    ("AgeRating", "AgeRating"), ("Pages", "Pages"), ("CommunityRating", "Rating"),
]  # fmt: skip
ENUMS = {
    "YesNo": {"Unknown", "No", "Yes"},
    "Manga": {"Unknown", "No", "Yes", "YesAndRightToLeft"},
    "AgeRating": {"Unknown", "Adults Only 18+", "Early Childhood", "Everyone", "Everyone 10+",
                  "G", "Kids to Adults", "M", "MA15+", "Mature 17+", "PG", "R18+",
                  "Rating Pending", "Teen", "X18+"},
}  # fmt: skip
PAGE_TYPES = {"FrontCover", "InnerCover", "Roundup", "Story", "Advertisement", "Editorial",
              "Letters", "Preview", "BackCover", "Other", "Deleted"}  # fmt: skip
PAGE_ATTRIBUTES = {"Image": "int", "Type": "PageType", "DoublePage": "boolean",
                   "ImageSize": "int", "Key": "string", "Bookmark": "string",
                   "ImageWidth": "int", "ImageHeight": "int"}  # fmt: skip


def check_value(kind: str, text: str, where: str) -> None:
    if kind == "int":
        int(text)  # raises for a non-integer
    elif kind == "boolean":
        assert text in {"true", "false", "1", "0"}, where
    elif kind == "PageType":
        assert text and set(text.split()) <= PAGE_TYPES, where
    elif kind == "Rating":
        assert 0 <= float(text) <= 5, where
    elif kind in ENUMS:
        assert text in ENUMS[kind], f"{where}: {text!r} not in {kind}"


def exported(tmp_path: Path, prefs: dict[str, Any]) -> tuple[ET.Element, zipfile.ZipFile]:
    c = build(make_settings(tmp_path / "home"))
    req = submit_preferences(c, "u", {**prefs, "pagesPerEpisode": 2}, seed=1, publish=False)
    story_id = story.write_story(c, req.request_id, story.gather_insights(c, req.request_id))
    episode_id = episode.write_episode(c, req.request_id, story_id, 1)
    for numbers in panels.panel_pages(c, episode_id).values():
        for n in numbers:
            panels.draw_panel(c, req.request_id, episode_id, n)
    out = lettering.letter_episode(c, req.request_id, episode_id)
    cbz = zipfile.ZipFile(io.BytesIO(c.blobs.get(out["cbz"])))
    return ET.fromstring(cbz.read("ComicInfo.xml")), cbz


@pytest.mark.parametrize(("direction", "manga"), [("rtl", "YesAndRightToLeft"), ("ltr", "Yes")])
def test_comicinfo_follows_the_schema(tmp_path: Path, direction: str, manga: str) -> None:
    root, cbz = exported(tmp_path, {**VALID_PREFS, "readingDirection": direction})
    assert root.tag == "ComicInfo"
    order = [name for name, _ in SEQUENCE]
    types = dict(SEQUENCE)
    names = [child.tag for child in root]
    assert set(names) <= set(order), set(names) - set(order)
    assert names == sorted(names, key=order.index), "elements out of schema order"
    assert len(names) == len(set(names)), "an element appears twice"
    for child in root:
        if child.tag != "Pages":
            check_value(types[child.tag], child.text or "", child.tag)
    assert root.findtext("Manga") == manga
    pages = [n for n in cbz.namelist() if n.startswith("page-")]
    assert root.findtext("PageCount") == str(len(pages)) == "2"
    page_infos = root.find("Pages")
    assert page_infos is not None and len(page_infos) == len(pages)
    for i, page in enumerate(page_infos):
        assert page.tag == "Page" and page.get("Image") == str(i)
        for attribute, value in page.attrib.items():
            assert attribute in PAGE_ATTRIBUTES, attribute
            check_value(PAGE_ATTRIBUTES[attribute], value, f"Page/{attribute}")
        if page.get("ImageSize"):
            assert int(page.get("ImageSize", "0")) == cbz.getinfo(pages[i]).file_size
