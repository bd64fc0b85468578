"""What a reader would notice on generated pages (panels, balloons, tails, reading order,
Japanese lettering) and that the PDF and the CBZ show the same pages. Episodes come from the
offline writer and artist, art at a quarter size (its shape, which staging uses, is kept)."""

from __future__ import annotations

import dataclasses
import io
import itertools
import math
import re
import zipfile
from collections import Counter
from typing import Any

import pytest
from PIL import Image

from mangaflow.manga.art.engine import OfflineImageModel
from mangaflow.manga.art.table import BUILDS
from mangaflow.manga.compose import RenderedPage, plan_layouts, render_pages, write_cbz, write_pdf
from mangaflow.manga.compose import fonts as fonts_mod
from mangaflow.manga.compose.bubbles import MIN_SIZE
from mangaflow.manga.compose.layouts import TEMPLATES, Rect, gutter, live_area, place
from mangaflow.manga.compose.pages import builds_of, cast_of, cover_view
from mangaflow.manga.compose.pdf import png_stream
from mangaflow.manga.compose.placement import faces
from mangaflow.manga.compose.text import NO_START, wrap
from mangaflow.manga.domain.episode import EpisodeScript, Panel
from mangaflow.manga.domain.preferences import Preferences
from mangaflow.manga.domain.story import StoryBible
from mangaflow.manga.services.panels import build_image_request, cell_sizes
from mangaflow.manga.writer.model import write_episode, write_story
from mangaflow.platform.ports import CharacterLook, ImageRequest

BASE = {"genres": ["Action", "Fantasy"], "themes": ["Friendship"],
        "artStyle": "Black and White", "targetAudience": "Teens", "contentRating": "PG-13"}  # fmt: skip
COLOUR = {**BASE, "genres": ["Romance", "Comedy"], "themes": ["Love"], "artStyle": "Colorful"}
HORROR = {**BASE, "genres": ["Horror"], "artStyle": "Colorful"}
CALM = {**BASE, "genres": ["Slice of Life"], "themes": ["Family"]}
ART_SCALE = 0.25
PAGES = 12  # per lettered episode (the layout test plans 20-page ones)

Episode = tuple[Preferences, StoryBible, EpisodeScript]


def write(prefs: dict[str, Any], seed: int, pages: int = 20) -> Episode:
    p = Preferences.model_validate(prefs)
    bible = write_story({"preferences": p.wire(), "insights": {}, "episodes": 3}, seed)
    context = {"preferences": p.wire(), "story": bible.model_dump(mode="json"),
               "episode_number": 1, "previous_summaries": [], "pages": pages}  # fmt: skip
    return p, bible, write_episode(context, seed)


def draw(ep: Episode, seed: int) -> dict[int, bytes]:
    """Offline art for every panel, requested at its cell's shape (and a quarter size)."""
    prefs, bible, script = ep
    cells = cell_sizes(script, prefs.reading_direction)
    model = OfflineImageModel()
    art = {}
    for panel in script.panels:
        req = build_image_request(bible, prefs, panel, seed, cells[panel.number])
        req = dataclasses.replace(req, width=max(32, int(req.width * ART_SCALE)),
                                  height=max(32, int(req.height * ART_SCALE)))  # fmt: skip
        art[panel.number] = model.generate(req).png
    return art


@pytest.fixture(scope="module")
def episodes() -> dict[str, tuple[Episode, dict[int, bytes]]]:
    out = {}
    for name, prefs, seed in (("mono", BASE, 7), ("colour", COLOUR, 3)):
        ep = write(prefs, seed, pages=PAGES)
        out[name] = (ep, draw(ep, seed))
    return out


@pytest.fixture(scope="module", params=["mono-rtl", "mono-ltr", "colour-rtl", "colour-ltr",
                                        "colour-vertical"])  # fmt: skip
def lettered(request, episodes) -> tuple[str, Episode, dict[int, bytes], list[RenderedPage]]:
    name, direction = request.param.split("-")
    (prefs, bible, script), art = episodes[name]
    if direction == "vertical":  # strips: a few pages show it
        script = script.model_copy(update={"pages": script.pages[:5]})
    pages = render_pages(script, bible, art, direction=direction, monochrome=prefs.monochrome)
    return direction, (prefs, bible, script), art, pages


def _disjoint(rects: list[Rect], gap: int = 0) -> bool:
    return not any(a.intersects(b, gap) for a, b in itertools.combinations(rects, 2))


def reads_before(a: Rect, b: Rect, direction: str) -> bool:
    """The reading-order rule balloon placement guarantees, stated here on its own: a
    reader meets ``a`` before ``b`` when ``a`` is entirely above ``b`` (its bottom no more
    than 4 px below ``b``'s top), when ``a``'s top is higher than ``b``'s by more than a
    quarter of ``b``'s height, or when the two share rows with ``a``'s top above the
    upper 65 % of ``b`` and ``a``'s centre is on the reading-start side (right for rtl,
    left for ltr). A later balloon of a panel never reads before an earlier one."""
    if a.y1 <= b.y0 + 4 or a.y0 < b.y0 - 0.25 * b.h:
        return True
    if a.y0 < b.y1 and a.y1 > b.y0 and a.y0 < b.y0 + 0.65 * b.h:
        return a.cx > b.cx if direction == "rtl" else a.cx < b.cx
    return False


# -- templates -------------------------------------------------------------------------------


def test_templates_cover_every_count_and_the_classic_families() -> None:
    assert len(TEMPLATES) >= 18
    counts = Counter(t.count for t in TEMPLATES)
    assert set(counts) >= set(range(1, 8)) and all(counts[n] >= 2 for n in range(2, 8))
    live = live_area()
    ratio = live.w / live.h

    def shape(c: tuple[float, float, float, float]) -> float:  # width / height in pixels
        return (c[2] - c[0]) * ratio / (c[3] - c[1])

    full_width = [t for t in TEMPLATES if all(c[0] == 0 and c[2] == 1 for c in t.cells)]
    assert {t.count for t in full_width} >= {2, 3, 4}  # tiers
    assert any(t.count == 1 and t.cells[0] == (0, 0, 1, 1) for t in TEMPLATES)  # splash
    wide_top = [t for t in TEMPLATES if t.count > 1 and shape(t.cells[0]) >= 2.0]
    assert len(wide_top) >= 5  # a wide establishing strip first
    assert sum(any(shape(c) <= 0.7 for c in t.cells) for t in TEMPLATES) >= 5  # tall panels
    for n in range(3, 8):  # emphasis: one cell far bigger than the others, first or last
        for k in (0, n - 1):
            assert any(
                t.count == n
                and t.areas()[k] >= 1.4 * max(a for i, a in enumerate(t.areas()) if i != k)
                for t in TEMPLATES
            ), (n, k)


@pytest.mark.parametrize("direction", ["rtl", "ltr"])
def test_every_template_has_the_same_gutters_and_margins(direction: str) -> None:
    live, g = live_area(), gutter()
    for t in TEMPLATES:
        rects = place(t, direction)
        assert all(live.contains(r) for r in rects), t.name
        assert _disjoint(rects, gap=g - 1), t.name
        for r in rects:  # each edge is on the margin or exactly one gutter from a neighbour
            others = [o for o in rects if o is not r]
            rows = [o for o in others if min(r.y1, o.y1) > max(r.y0, o.y0)]
            cols = [o for o in others if min(r.x1, o.x1) > max(r.x0, o.x0)]
            assert r.x0 == live.x0 or any(o.x1 + g == r.x0 for o in rows), (t.name, r)
            assert r.x1 == live.x1 or any(r.x1 + g == o.x0 for o in rows), (t.name, r)
            assert r.y0 == live.y0 or any(o.y1 + g == r.y0 for o in cols), (t.name, r)
            assert r.y1 == live.y1 or any(r.y1 + g == o.y0 for o in cols), (t.name, r)
        covered = sum(r.area for r in rects) / live.area
        assert covered > 0.9, t.name  # no holes: only gutters between the panels


@pytest.mark.parametrize(("prefs", "seed"), [(BASE, 7), (COLOUR, 3), (HORROR, 1), (CALM, 2)])
def test_a_twenty_page_episode_uses_many_layouts_with_key_panels_biggest(prefs, seed) -> None:
    _, _, script = write(prefs, seed)
    assert len(script.pages) == 20
    for direction in ("rtl", "ltr"):
        layouts = plan_layouts(script.pages, direction)
        assert len({lay.name for lay in layouts}) >= 12
        for page, lay in zip(script.pages, layouts, strict=True):
            areas = [r.area for r in lay.rects]
            keys = [i for i, p in enumerate(page.panels) if p.key]
            plain = [a for i, a in enumerate(areas) if i not in keys]
            if keys and plain:
                assert min(areas[k] for k in keys) > max(plain), (page.number, lay.name)
        assert all(a.name != b.name or len(a.rects) == 1
                   for a, b in itertools.pairwise(layouts))  # fmt: skip


# -- generated pages -------------------------------------------------------------------------


def test_panels_stay_in_the_live_area_without_overlap(lettered) -> None:
    direction, _, _, pages = lettered
    g = gutter()
    for page in pages:
        live = live_area()
        if direction == "vertical":  # a strip: same side margins, as tall as it needs
            live = Rect(live.x0, live.y0, live.x1, page.size[1] - live.y0)
        assert all(live.contains(r) for r in page.panels), page.number
        assert _disjoint(page.panels, gap=g - 1), page.number


def test_balloons_and_sfx_stay_in_their_panel_apart_with_tails_inside(lettered) -> None:
    _, _, _, pages = lettered
    for page in pages:
        rect_of = dict(zip(page.panel_numbers, page.panels, strict=True))
        for b in page.bubbles:
            rect = rect_of[b.panel]
            assert rect.contains(b.box), (page.number, b.text)
            if b.tail is not None:
                assert rect.contains_point(*b.tail), (page.number, b.text)
            for x, y, r in b.puffs:
                assert rect.contains(Rect(x - r, y - r, x + r, y + r))
        assert _disjoint([b.box for b in page.bubbles]), page.number


def test_balloons_follow_the_reading_direction(lettered) -> None:
    direction, (_, _, script), _, pages = lettered
    rule = "ltr" if direction == "vertical" else direction
    for page, spec in zip(pages, script.pages, strict=True):
        for panel in spec.panels:
            order = [d.text for d in panel.dialogue]
            balloons = sorted((b for b in page.bubbles if b.panel == panel.number and b.kind != "sfx"),
                              key=lambda b: order.index(b.text))  # fmt: skip
            for earlier, later in itertools.combinations(balloons, 2):
                assert not reads_before(later.box, earlier.box, rule), (panel.number, later.text)


def test_every_line_is_lettered_large_enough_or_reported(lettered) -> None:
    _, (_, _, script), _, pages = lettered
    overflow = 0
    for page, spec in zip(pages, script.pages, strict=True):
        texts = [d.text for p in spec.panels for d in p.dialogue]
        texts += [f"SFX: {s}" for p in spec.panels for s in p.sfx]
        lettered_texts = [b.text if b.kind != "sfx" else f"SFX: {b.text}" for b in page.bubbles]
        assert sorted(lettered_texts + page.overflow) == sorted(texts), page.number
        for b in page.bubbles:
            if b.kind != "sfx":
                assert b.font_size >= MIN_SIZE
                assert "".join(b.lines).replace(" ", "") == b.text.replace(" ", "")
        overflow += len(page.overflow)
    assert overflow <= 2, f"{overflow} of {len(texts)} texts did not fit"


def test_tails_point_at_the_speaker_and_balloons_spare_faces(lettered) -> None:
    direction, (_, bible, script), art, pages = lettered
    tails = wrong = covering = sfx_covering = shouts_on_heads = balloons = 0
    for page, spec in zip(pages, script.pages, strict=True):
        for panel, rect in zip(spec.panels, page.panels, strict=True):
            size = Image.open(io.BytesIO(art[panel.number])).size
            seen = faces(panel, rect, cast=cast_of(panel, bible), builds=builds_of(panel, bible),
                         view=cover_view(size, (rect.w, rect.h)))  # fmt: skip
            for b in (b for b in page.bubbles if b.panel == panel.number):
                cover = max((b.box.overlap(f.box) / f.box.area for f in seen), default=0.0)
                if b.kind == "sfx":
                    sfx_covering += cover > 0.1
                    continue
                balloons += 1
                covering += cover > 0.25
                speaker = next((f for f in seen if f.name == b.speaker.casefold()), None)
                if speaker is None or b.tail is None or b.puffs:
                    continue
                tails += 1  # the tail points at the speaker more than at anyone else

                def off(f: Any, b: Any = b) -> float:  # angle between tail and face, seen
                    c = (b.box.cx, b.box.cy)  # from the balloon's centre
                    a = math.atan2(f.y - c[1], f.x - c[0]) - math.atan2(b.tail[1] - c[1],
                                                                       b.tail[0] - c[0])  # fmt: skip
                    return abs(math.remainder(a, math.tau))

                wrong += min(off(f) for f in seen) < off(speaker)
                if panel.shot == "action" and b.kind == "shout":
                    shouts_on_heads += b.box.overlap(speaker.box) / speaker.box.area > 0.1
    assert tails > 15 and wrong <= max(2, tails // 50)  # tails go to whoever speaks
    assert covering <= max(1, balloons // 50)  # balloons (nearly) never hide a face
    assert shouts_on_heads <= 1  # a shout sits beside the attacker's head, not on it
    assert sfx_covering == 0  # sound effects never hide a face


def test_staging_matches_where_the_offline_artist_draws_heads(monkeypatch, episodes) -> None:
    """The faces the balloons avoid are where the offline art has them."""
    import mangaflow.manga.art.engine as offline

    heads: list[tuple[float, float]] = []
    real = offline.draw_figure

    def spy(*args: Any, **kwargs: Any) -> Any:
        figure = real(*args, **kwargs)
        heads.append(figure.head)
        return figure

    monkeypatch.setattr(offline, "draw_figure", spy)
    (prefs, bible, script), _ = episodes["mono"]
    cells = cell_sizes(script, "rtl")
    inside = total = 0
    for panel in script.panels[:40]:
        if not panel.characters:
            continue
        req = build_image_request(bible, prefs, panel, 7, cells[panel.number])
        req = dataclasses.replace(req, width=req.width // 4, height=req.height // 4)
        heads.clear()
        offline.render(req)
        ss = 2 if req.width * req.height <= 1_400_000 else 1
        rect = Rect(0, 0, req.width, req.height)
        seen = faces(panel, rect, cast=cast_of(panel, bible), builds=builds_of(panel, bible))
        for (hx, hy), face in zip(heads, seen, strict=False):
            grown = face.box.inset(-max(face.box.w, face.box.h) // 4)
            inside += grown.contains_point(hx / ss, hy / ss)
            total += 1
    assert total >= 30 and inside >= 0.9 * total, (inside, total)


@pytest.mark.parametrize("build", [*BUILDS, "petite.", "Knights"])
def test_every_build_is_staged_where_the_offline_artist_draws_its_head(monkeypatch, build) -> None:
    """Placement and the artist share one build table: a character of each build (or a
    free-text silhouette naming one), in every shot and beside characters of other builds,
    has its head drawn inside the face box placement gives it."""
    import mangaflow.manga.art.engine as offline

    heads: list[tuple[float, float]] = []
    real = offline.draw_figure

    def spy(*args: Any, **kwargs: Any) -> Any:
        figure = real(*args, **kwargs)
        heads.append(figure.head)
        return figure

    monkeypatch.setattr(offline, "draw_figure", spy)
    others = [b for b in BUILDS if b != build.casefold()]
    inside = total = 0
    for seed, (shot, n, size) in enumerate(itertools.product(
        ("establishing", "wide", "medium", "action", "close-up", "extreme-close-up"),
        (1, 2, 3), ((240, 180), (180, 240)),
    )):  # fmt: skip
        builds = [build, *others[seed % len(others) :], *others][:n]  # next to other builds
        names = [f"C{i}" for i in range(n)]
        sfx = ["BAM"] if seed % 2 else []
        looks = [CharacterLook(name=name, appearance="", outfit="", palette=[], silhouette=b,
                               seed=seed * 10 + i, position=(i + 0.5) / n)
                 for i, (name, b) in enumerate(zip(names, builds, strict=True))]  # fmt: skip
        req = ImageRequest(prompt="p", negative_prompt="", width=size[0], height=size[1],
                           seed=seed, art_style="manga", shot=shot, setting="a street",
                           setting_kind="city", description="They face each other.",
                           characters=looks, action=shot == "action" or bool(sfx))  # fmt: skip
        panel = Panel(number=1, description="x", shot=shot, characters=names, sfx=sfx)
        heads.clear()
        offline.render(req)
        ss = 2 if req.width * req.height <= 1_400_000 else 1
        seen = faces(panel, Rect(0, 0, req.width, req.height), builds=builds)
        # the character of this build (first in the panel; close shots draw only it)
        (hx, hy), face = heads[0], seen[0]
        grown = face.box.inset(-max(face.box.w, face.box.h) // 4)
        inside += grown.contains_point(hx / ss, hy / ss)
        total += 1
    assert inside == total, (build, inside, total)


# -- fonts: Japanese -------------------------------------------------------------------------

JAPANESE = "行くぞ、みんな！"


def _japanese_episode() -> tuple[StoryBible, EpisodeScript, dict[int, bytes]]:
    _, bible, _ = write(BASE, 7, pages=1)
    hero = bible.characters[0].name
    dialogue = [{"speaker": hero, "kind": "speech", "text": JAPANESE},
                {"speaker": hero, "kind": "shout", "text": "Let's go!"}]  # fmt: skip
    script = EpisodeScript(number=1, title="t", summary="s", pages=[{"number": 1, "panels": [
        {"number": 1, "description": "x", "shot": "wide", "characters": [hero],
         "dialogue": dialogue}]}])  # fmt: skip
    buf = io.BytesIO()
    Image.new("RGB", (400, 560), (255, 255, 255)).save(buf, "PNG")
    return bible, script, {1: buf.getvalue()}


@pytest.mark.skipif(fonts_mod.cjk_path() is None, reason="no CJK font installed")
def test_japanese_dialogue_is_lettered_in_a_font_that_has_it() -> None:
    bible, script, art = _japanese_episode()
    (page,) = render_pages(script, bible, art, monochrome=True)
    assert page.overflow == []
    balloon = next(b for b in page.bubbles if b.text == JAPANESE)
    assert "".join(balloon.lines) == JAPANESE
    assert not fonts_mod.covers(fonts_mod.text_font_path("text", JAPANESE), JAPANESE)
    img = Image.open(io.BytesIO(page.png)).convert("L")
    ell = balloon.text_ellipse
    dark = sum(1 for v in img.crop(ell.inset(ell.h // 5).box).tobytes() if v < 100)
    assert dark > 8 * len(JAPANESE) * 4  # ink for each glyph, not an empty balloon


def test_japanese_wraps_between_characters_but_never_before_closing_punctuation() -> None:
    text = "今日こそ、みんなで行くぞ！絶対に負けない。" * 2
    lines = wrap(fonts_mod.get_font(24, "text", text), text, 24 * 5.5)
    assert len(lines) >= 4 and "".join(lines) == text and " " not in "".join(lines)
    assert not any(line[0] in NO_START for line in lines)


def test_without_a_cjk_font_japanese_is_reported_never_a_crash(monkeypatch) -> None:
    monkeypatch.setattr(fonts_mod, "_CJK", ())
    monkeypatch.setattr(fonts_mod, "_CJK_BOLD", ())
    fonts_mod.reset()
    try:
        bible, script, art = _japanese_episode()
        (page,) = render_pages(script, bible, art)
        assert page.overflow == [JAPANESE]  # reported, not lettered as empty boxes
        assert [b.text for b in page.bubbles] == ["Let's go!"]
        story = bible.model_copy(update={"title": "清水の提灯"})
        assert write_pdf([page], story=story, episode=script, author="a",
                         keywords=[]).startswith(b"%PDF")  # fmt: skip
    finally:
        monkeypatch.undo()
        fonts_mod.reset()


@pytest.mark.skipif(fonts_mod._first(("comicneue-regular",)) is None, reason="no Comic Neue")
def test_lettering_uses_comic_neue_bold_for_shouts() -> None:
    assert "ComicNeue-Regular" in str(fonts_mod.text_font_path("text", "Hello there!"))
    assert "ComicNeue-Bold" in str(fonts_mod.text_font_path("bold", "STOP!"))


# -- PDF and CBZ -----------------------------------------------------------------------------


def _pdf_images(data: bytes) -> list[tuple[dict[str, str], bytes]]:
    """(dictionary entries, raw stream) of every image XObject, in document order."""
    out = []
    for m in re.finditer(rb"\d+ 0 obj\s*<<((?:(?!endobj).)*?)>>\s*stream\r?\n", data, re.S):
        head = m.group(1).decode("latin-1")
        if "/Subtype /Image" not in head:
            continue
        entries = dict(re.findall(r"/(\w+) (\[[^\]]*\]|<<.*?>>|/?[\w.]+)", head))
        length = int(entries["Length"])
        out.append((entries, data[m.end() : m.end() + length]))
    return out


@pytest.mark.parametrize("name", ["mono", "colour"])
def test_pdf_pages_are_exactly_the_cbz_pages_at_print_resolution(episodes, name) -> None:
    (prefs, bible, script), art = episodes[name]
    three = script.model_copy(update={"pages": script.pages[:3]})
    pages = render_pages(three, bible, art, monochrome=prefs.monochrome)
    pdf = write_pdf(pages, story=bible, episode=three, author="MangaFlow",
                    keywords=["text:offline", "image:offline"])  # fmt: skip
    cbz = write_cbz(pages, story=bible, episode=three, writer="w")
    ext = "png" if prefs.monochrome else "jpg"
    with zipfile.ZipFile(io.BytesIO(cbz)) as zf:
        names = [n for n in zf.namelist() if n.startswith("page-")]
        assert names == [f"page-{i:03d}.{ext}" for i in (1, 2, 3)]
        files = [zf.read(n) for n in names]
    images = _pdf_images(pdf)
    assert len(images) == len(files)
    for (entries, stream), file in zip(images, files, strict=True):
        if ext == "jpg":  # the very same JPEG file
            assert entries["Filter"] == "/DCTDecode" and stream == file
            continue
        cbz_img = Image.open(io.BytesIO(file))
        assert cbz_img.mode == "L" and len(set(cbz_img.tobytes())) <= 16  # 16 grey levels
        assert (int(entries["Width"]), int(entries["Height"])) == cbz_img.size
        assert entries["ColorSpace"] == "/DeviceGray" and entries["BitsPerComponent"] == "4"
        assert stream == png_stream(file)[3]  # the PNG's own compressed pixels
    widths = [float(w) for w in re.findall(rb"/MediaBox \[0 0 ([\d.]+) [\d.]+\]", pdf)]
    assert all(abs(w * 25.4 / 72 - 128) < 0.5 for w in widths)  # B6 trim width
    assert pages[0].size[0] / (widths[-1] / 72) >= 240  # dpi
    assert len(pdf) / len(pages) < 400 * 1024
