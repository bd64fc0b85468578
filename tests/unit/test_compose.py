"""Lettering and export (mangaflow.manga.compose): layouts, balloons, pages, PDF and CBZ."""

from __future__ import annotations

import io
import itertools
import re

import pytest
from PIL import Image

from mangaflow.manga.compose import (
    PAGE_SIZE,
    TEMPLATES,
    choose_layout,
    live_area,
    place_balloons,
    render_pages,
    write_pdf,
)
from mangaflow.manga.compose import fonts as fonts_mod
from mangaflow.manga.compose.layouts import Rect, even_tiers, gutter, place
from mangaflow.manga.domain.episode import EpisodeScript, Page, Panel
from tests.unit.compose_data import COLOURS, LONG, _line, _png


def _disjoint(rects: list[Rect], gap: int = 0) -> bool:
    return not any(a.intersects(b, gap) for a, b in itertools.combinations(rects, 2))


@pytest.mark.parametrize("direction", ["rtl", "ltr"])
def test_every_template_stays_in_the_live_area_without_overlap(direction: str) -> None:
    live = live_area()
    g = gutter()
    assert len(TEMPLATES) >= 8
    assert {t.count for t in TEMPLATES} >= set(range(1, 8))
    for t in [*TEMPLATES, even_tiers(8), even_tiers(9)]:
        rects = place(t, direction)
        assert len(rects) == t.count
        assert all(live.contains(r) and r.w > 50 and r.h > 50 for r in rects), t.name
        # gutters: neighbours are at least a full gutter apart
        assert _disjoint(rects, gap=g - 1), t.name


def test_template_names_are_unique() -> None:
    names = [t.name for t in TEMPLATES]
    assert len(names) == len(set(names))


def _page(n: int, number: int = 1, key: int | None = None) -> Page:
    panels = [Panel(number=i + 1, description="x", key=(i == key)) for i in range(n)]
    return Page(number=number, panels=panels)


def test_rtl_reads_right_to_left_and_ltr_mirrors() -> None:
    page = _page(4)
    rtl = choose_layout(page, "rtl")
    ltr = choose_layout(page, "ltr")
    assert rtl.name == ltr.name
    # find the first tier with two panels side by side
    for i in range(3):
        if rtl.rects[i].y0 == rtl.rects[i + 1].y0:
            assert rtl.rects[i].x0 > rtl.rects[i + 1].x0  # rtl: first is to the right
            assert ltr.rects[i].x0 < ltr.rects[i + 1].x0
            break
    else:
        pytest.fail("no tier with two panels in the 4-panel layout")
    grid = place(next(t for t in TEMPLATES if t.name == "grid-2x2"), "rtl")
    assert grid[0].x0 > grid[1].x0 and grid[0].y0 == grid[1].y0  # first panel top-right


def test_layout_choice_is_deterministic_and_varies_between_pages() -> None:
    a = choose_layout(_page(4, number=3), "rtl")
    assert a == choose_layout(_page(4, number=3), "rtl")
    b = choose_layout(_page(4, number=4), "rtl", previous=a.name)
    assert a.name != b.name


def test_key_panels_get_the_biggest_cells_for_every_count_and_position() -> None:
    for n in range(2, 8):
        for keys in [{k} for k in range(n)] + [{0, n - 1}, {1, n // 2}]:
            for number in (1, 2):
                panels = [Panel(number=i + 1, description="x", key=i in keys) for i in range(n)]
                layout = choose_layout(Page(number=number, panels=panels), "rtl")
                areas = [r.area for r in layout.rects]
                biggest_plain = max((a for i, a in enumerate(areas) if i not in keys), default=0)
                assert all(areas[k] > biggest_plain for k in keys), (n, keys, layout.name)
                assert _disjoint(list(layout.rects))
                assert all(live_area().contains(r) for r in layout.rects)


def test_vertical_stacks_one_full_width_panel_per_row() -> None:
    layout = choose_layout(_page(6), "vertical")
    assert layout.size[0] == PAGE_SIZE[0] and layout.size[1] >= PAGE_SIZE[1]
    xs = {(r.x0, r.x1) for r in layout.rects}
    assert len(xs) == 1
    assert all(a.y1 < b.y0 for a, b in itertools.pairwise(layout.rects))
    assert all(r.y1 <= layout.size[1] for r in layout.rects)


def test_unknown_direction_is_rejected() -> None:
    with pytest.raises(ValueError, match="direction"):
        choose_layout(_page(2), "diagonal")


# -- pages and balloons ----------------------------------------------------------------------


def test_pages_have_page_size_and_cover_cropped_art(rendered, script) -> None:
    assert [p.number for p in rendered] == [1, 2, 3]
    for page, spec in zip(rendered, script.pages, strict=True):
        img = Image.open(io.BytesIO(page.png))
        assert img.size == PAGE_SIZE == page.size
        assert len(page.panels) == len(spec.panels)
        assert page.panel_numbers == [p.number for p in spec.panels]
        for rect, panel in zip(page.panels, spec.panels, strict=True):
            # a point inside the panel, off every balloon, shows that panel's colour
            free = next(
                (x, y)
                for y in range(rect.y1 - 12, rect.y0, -9)
                for x in range(rect.x0 + 12, rect.x1 - 12, 9)
                if not any(b.box.contains_point(x, y) for b in page.bubbles)
            )
            got = img.getpixel(free)
            want = COLOURS[panel.number % len(COLOURS)]
            assert max(abs(a - b) for a, b in zip(got, want, strict=True)) <= 3
            assert img.getpixel((rect.x0 + 1, rect.cy)) == (0, 0, 0)  # border


def test_layouts_of_consecutive_pages_differ_and_key_is_biggest(rendered) -> None:
    assert rendered[0].layout == "splash"
    p2 = rendered[1]
    areas = [r.area for r in p2.panels]
    assert areas[3] == max(areas)  # panel 5 is the key panel


def test_balloons_stay_inside_their_panel_and_never_overlap(rendered) -> None:
    for page in rendered:
        rect_of = dict(zip(page.panel_numbers, page.panels, strict=True))
        for b in page.bubbles:
            rect = rect_of[b.panel]
            assert rect.contains(b.box), (b.text, b.box, rect)
            if b.tail:
                assert rect.contains_point(*b.tail)
            for x, y, r in b.puffs:
                assert rect.contains(Rect(x - r, y - r, x + r, y + r))
            assert b.font_size >= 16
        assert _disjoint([b.box for b in page.bubbles])


def test_every_line_is_lettered_or_reported(rendered, script) -> None:
    for page, spec in zip(rendered, script.pages, strict=True):
        texts = [d.text for p in spec.panels for d in p.dialogue]
        lettered = [b.text for b in page.bubbles if b.kind != "sfx"]
        assert sorted(lettered + page.overflow) == sorted(texts)
        for b in page.bubbles:
            if b.kind != "sfx":
                # wrapping keeps every word, in order
                assert " ".join(b.lines).split() == b.text.split()
    kinds = {b.kind for p in rendered for b in p.bubbles}
    assert kinds == {"speech", "thought", "shout", "narration", "sfx"}


def test_narration_is_a_tailless_caption_in_the_reading_start_corner(rendered) -> None:
    page = rendered[0]
    cap = next(b for b in page.bubbles if b.kind == "narration")
    assert cap.tail is None
    rect = page.panels[0]
    assert rect.x1 - cap.box.x1 < 40 and cap.box.y0 - rect.y0 < 40  # rtl: top-right


def test_speech_tail_points_towards_the_speaker(rendered) -> None:
    page = rendered[1]
    rect = page.panels[0]  # panel 2: Aiko left, Ren right
    ren = next(b for b in page.bubbles if b.text == "You're late.")
    aiko_x, ren_x = rect.x0 + 0.25 * rect.w, rect.x0 + 0.75 * rect.w
    assert ren.tail is not None
    assert abs(ren.tail[0] - ren_x) < abs(ren.tail[0] - aiko_x)


def test_first_balloon_is_top_right_in_rtl(story) -> None:
    panel = Panel(
        number=1, description="x", characters=["Aiko", "Ren"],
        dialogue=[_line("Aiko", "speech", "One."), _line("Ren", "speech", "Two.")],
    )  # fmt: skip
    rect = Rect(0, 0, 900, 600)
    rtl, _ = place_balloons(panel, rect, direction="rtl")
    a, b = rtl
    assert a.box.y0 <= b.box.y0 or a.box.cx > b.box.cx


def test_text_too_long_for_its_panel_lands_in_overflow() -> None:
    panel = Panel(number=1, description="x", characters=["Aiko"],
                  dialogue=[_line("Aiko", "speech", "Hi."), _line("Aiko", "speech", LONG * 1)])  # fmt: skip
    placed, overflow = place_balloons(panel, Rect(0, 0, 260, 200), direction="rtl")
    assert [b.text for b in placed] == ["Hi."]
    assert overflow == [LONG]


def test_overflow_on_a_crowded_page(story) -> None:
    long_lines = [_line("Aiko", "speech", (LONG + " " + LONG)[:240]) for _ in range(4)]
    panels = [
        {"number": n, "description": "x", "characters": ["Aiko"],
         "dialogue": long_lines if n == 1 else [_line("Aiko", "speech", "Ok.")]}
        for n in range(1, 8)
    ]  # fmt: skip
    ep = EpisodeScript(number=1, title="t", summary="s", pages=[{"number": 1, "panels": panels}])
    imgs = {n: _png(COLOURS[n], (64, 64)) for n in range(1, 8)}
    (page,) = render_pages(ep, story, imgs)
    assert page.overflow and all(t == long_lines[0]["text"] for t in page.overflow)
    assert len(page.overflow) + sum(b.panel == 1 for b in page.bubbles) == 4


def test_missing_or_broken_images_name_the_panel(script, story, images) -> None:
    partial = {k: v for k, v in images.items() if k != 5}
    with pytest.raises(ValueError, match=r"panel 5 \(page 2\)"):
        render_pages(script, story, partial)
    with pytest.raises(ValueError, match="panel 3"):
        render_pages(script, story, {**images, 3: b"not an image"})


def test_monochrome_and_vertical(script, story, images) -> None:
    pages = render_pages(script, story, images, direction="vertical", monochrome=True)
    for page in pages:
        img = Image.open(io.BytesIO(page.png))
        assert img.mode == "L"
        assert img.width == PAGE_SIZE[0] and img.height >= PAGE_SIZE[1]
        assert all(a.y1 < b.y0 for a, b in itertools.pairwise(page.panels))
        assert _disjoint([b.box for b in page.bubbles])
    data = write_pdf(pages, story=story, episode=script, author="a", keywords=[])
    aspects = {
        round(float(h) / float(w), 2)
        for w, h in re.findall(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", data)
    }
    for page in pages:  # each PDF page takes its image's aspect
        assert round(page.size[1] / page.size[0], 2) in aspects


def test_rendering_is_deterministic(script, story, images, rendered) -> None:
    again = render_pages(script, story, images, direction="rtl", footer="MangaFlow · offline")
    assert [p.png for p in again] == [p.png for p in rendered]


# -- fonts -----------------------------------------------------------------------------------


def test_fonts_work_without_any_installed_font(monkeypatch) -> None:
    fonts_mod.reset()
    monkeypatch.setattr(fonts_mod, "FONT_DIRS", ())
    monkeypatch.delenv(fonts_mod.ENV_DIR, raising=False)
    try:
        assert fonts_mod.font_path("text") is None
        font = fonts_mod.get_font(24, "bold", "Héllo ✓")
        assert font.getlength("Hello") > 0
        panel = Panel(number=1, description="x", characters=["A"],
                      dialogue=[_line("A", "speech", "Still works.")])  # fmt: skip
        placed, overflow = place_balloons(panel, Rect(0, 0, 500, 400))
        assert placed and not overflow
    finally:
        monkeypatch.undo()
        fonts_mod.reset()


# -- PDF -------------------------------------------------------------------------------------


def test_compose_imports_no_orchestration_or_cloud_sdk() -> None:
    import subprocess
    import sys

    code = (
        "import sys, mangaflow.manga.compose; "
        "bad = [m for m in ('prefect', 'streamlit', 'boto3') if m in sys.modules]; "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_compose_imports_only_the_artists_build_table() -> None:
    """Placement shares the offline artist's build table, a pure module: composing pages
    loads no drawing code of the artist, and the table alone loads no Pillow."""
    import subprocess
    import sys

    code = (
        "import sys, mangaflow.manga.art.table; "
        "pil = sorted(m for m in sys.modules if m == 'PIL' or m.startswith('PIL.')); "
        "import mangaflow.manga.compose; "
        "art = sorted(m for m in sys.modules if m.startswith('mangaflow.manga.art.')); "
        "print(pil, art); sys.exit(1 if pil or art != ['mangaflow.manga.art.table'] else 0)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_faces_follow_the_cover_crop_and_the_bible_cast() -> None:
    from mangaflow.manga.compose.placement import faces

    panel = Panel(number=1, description="x", shot="wide", characters=["Aiko", "Ren", "Nobody"])
    rect = Rect(100, 100, 500, 500)
    plain = faces(panel, rect)
    assert [round(f.x) for f in plain] == [167, 300, 433]  # (i + 0.5) / n of the width
    assert all(f.box.contains_point(f.x, f.y) and f.body is not None for f in plain)
    # small standing figures: heads a little above the middle, bodies down to the ground
    assert 0.4 < (plain[0].y - rect.y0) / rect.h < 0.6 and plain[0].body.y1 > rect.y1 - 40
    # only the bible's characters are drawn; the art's middle half is visible
    cropped = faces(panel, rect, cast=["Aiko", "Ren"], view=(0.25, 0.0, 0.75, 1.0))
    assert [f.name for f in cropped] == ["aiko", "ren"]
    assert [round(f.x) for f in cropped] == [100, 500]  # at the panel's edges now
    # a speaker cropped out of view gets a tail pointing out of the panel, not a face
    talk = Panel(number=2, description="x", characters=["Aiko", "Ren"],
                 dialogue=[_line("Aiko", "speech", "Over here!")])  # fmt: skip
    (b,), _ = place_balloons(talk, rect, view=(0.5, 0.0, 1.0, 1.0))
    assert b.tail is not None and b.tail[0] <= b.box.x0
