"""Page geometry: rectangles, where templates land on the page, and which one a page gets.

Templates (:mod:`mangaflow.manga.compose.templates`) are written once, in left-to-right reading
order, as cells in unit coordinates of the page's *live area* (the page minus its margins). Cell edges
that touch the live-area border stay there; inner edges are pulled apart by a
fixed gutter, so gutters are the same everywhere. For ``rtl`` the template is
mirrored left↔right, which also puts the first panel top-right.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from mangaflow.manga.compose.templates import (
    TEMPLATES,
    Template,
    even_tiers,
    key_tiers,
)
from mangaflow.manga.domain.episode import Page, Panel

PAGE_SIZE: tuple[int, int] = (1240, 1754)  # B6 manga trim (128 × 182 mm) at ~246 dpi
MARGIN = 0.05  # of the page width / height
GUTTER = 0.015  # of the page width, both directions
DIRECTIONS = ("rtl", "ltr", "vertical")


@dataclass(frozen=True, slots=True)
class Rect:
    """Pixel rectangle; ``x1``/``y1`` are exclusive (like a Pillow box)."""

    x0: int
    y0: int
    x1: int
    y1: int

    @property
    def w(self) -> int:
        return self.x1 - self.x0

    @property
    def h(self) -> int:
        return self.y1 - self.y0

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2

    @property
    def area(self) -> int:
        return max(0, self.w) * max(0, self.h)

    @property
    def box(self) -> tuple[int, int, int, int]:
        return (self.x0, self.y0, self.x1, self.y1)

    def inset(self, d: float) -> Rect:
        d = int(round(d))
        return Rect(self.x0 + d, self.y0 + d, self.x1 - d, self.y1 - d)

    def intersects(self, other: Rect, gap: int = 0) -> bool:
        """True if the rectangles overlap or are closer than ``gap`` pixels."""
        return not (
            self.x1 + gap <= other.x0
            or other.x1 + gap <= self.x0
            or self.y1 + gap <= other.y0
            or other.y1 + gap <= self.y0
        )

    def overlap(self, other: Rect) -> int:
        w = min(self.x1, other.x1) - max(self.x0, other.x0)
        h = min(self.y1, other.y1) - max(self.y0, other.y0)
        return w * h if w > 0 and h > 0 else 0

    def contains(self, other: Rect) -> bool:
        return (
            self.x0 <= other.x0
            and self.y0 <= other.y0
            and other.x1 <= self.x1
            and other.y1 <= self.y1
        )

    def contains_point(self, x: float, y: float) -> bool:
        return self.x0 <= x <= self.x1 and self.y0 <= y <= self.y1


def live_area(page_size: tuple[int, int] = PAGE_SIZE) -> Rect:
    w, h = page_size
    mx, my = round(w * MARGIN), round(h * MARGIN)
    return Rect(mx, my, w - mx, h - my)


def gutter(page_size: tuple[int, int] = PAGE_SIZE) -> int:
    return max(4, round(page_size[0] * GUTTER))


def _edge(u: float, start: int, length: int, g: int, *, low: bool) -> int:
    """Pixel position of a cell edge at unit ``u`` (``low`` = left/top edge of a cell)."""
    if u <= 1e-6:
        return start
    if u >= 1 - 1e-6:
        return start + length
    line = round(start + u * length)
    return line - g // 2 + (g if low else 0)


def place(template: Template, direction: str, page_size: tuple[int, int] = PAGE_SIZE) -> list[Rect]:
    """Pixel rectangles of ``template``'s cells, in reading order for ``direction``."""
    live, g = live_area(page_size), gutter(page_size)
    out: list[Rect] = []
    for u0, v0, u1, v1 in template.cells:
        if direction == "rtl":
            u0, u1 = 1 - u1, 1 - u0
        out.append(
            Rect(
                _edge(u0, live.x0, live.w, g, low=True),
                _edge(v0, live.y0, live.h, g, low=True),
                _edge(u1, live.x0, live.w, g, low=False),
                _edge(v1, live.y0, live.h, g, low=False),
            )
        )
    return out


def candidates(panels: Sequence[Panel]) -> list[Template]:
    """Templates for this panel count that give key panels the biggest cells."""
    n = len(panels)
    cands = [t for t in TEMPLATES if t.count == n] or [even_tiers(n)]
    keys = [i for i, p in enumerate(panels) if p.key]
    if not keys or len(keys) == n:
        return cands

    def score(t: Template) -> int:
        areas = t.areas()
        biggest_plain = max(a for i, a in enumerate(areas) if i not in keys)
        return sum(1 for i in keys if areas[i] > biggest_plain * 1.05)

    best = max(score(t) for t in cands)
    if best < len(keys):
        return [key_tiers(n, keys)]
    return [t for t in cands if score(t) == best]


@dataclass(frozen=True, slots=True)
class PageLayout:
    name: str
    size: tuple[int, int]
    rects: tuple[Rect, ...]  # reading order, one per panel


#: Cell shape (width / height) each shot reads best in: establishing and wide shots want
#: wide cells, close-ups squarish ones, an extreme close-up (eyes) a letterbox strip.
SHOT_SHAPE = {
    "establishing": 2.2,
    "wide": 1.8,
    "medium": 1.25,
    "action": 1.3,
    "close-up": 1.0,
    "extreme-close-up": 2.0,
}
W_USED, W_PREVIOUS, W_SHAPE_FIT, W_CROWD = 10.0, 6.0, 2.0, 12.0
#: Page area (px², at :data:`PAGE_SIZE`) one character of dialogue takes, balloon included,
#: and the share of a cell that balloons may fill before the art drowns.
TEXT_AREA, COMFORT = 650.0, 0.3


def shape_cost(template: Template, panels: Sequence[Panel], page_size: tuple[int, int]) -> float:
    """How badly the cells' shapes suit the panels' shots (0 = every cell fits). A shot
    with several characters side by side wants a wider cell; a cell narrower than its
    shot wants costs more than one wider (balloons get cramped in a narrow cell)."""
    live = live_area(page_size)
    cost = 0.0
    for (u0, v0, u1, v1), panel in zip(template.cells, panels, strict=False):
        aspect = ((u1 - u0) * live.w) / max(1.0, (v1 - v0) * live.h)
        want = SHOT_SHAPE.get(panel.shot, 1.25)
        if panel.shot not in ("close-up", "extreme-close-up"):
            want *= 1 + 0.3 * max(0, min(3, len(panel.characters)) - 1)
        ratio = math.log(aspect / want)
        cost += -ratio if ratio < 0 else 0.3 * ratio
    return cost


def crowd_cost(template: Template, panels: Sequence[Panel], page_size: tuple[int, int]) -> float:
    """How far the dialogue overfills the cells (0 = every panel's text fits comfortably)."""
    live = live_area(page_size)
    scale = (page_size[0] * page_size[1]) / (PAGE_SIZE[0] * PAGE_SIZE[1])
    cost = 0.0
    for (u0, v0, u1, v1), panel in zip(template.cells, panels, strict=False):
        chars = sum(len(d.text) + 12 for d in panel.dialogue)  # + balloon overhead
        area = (u1 - u0) * live.w * (v1 - v0) * live.h
        cost += max(0.0, chars * TEXT_AREA * scale / max(1.0, area) - COMFORT)
    return cost


def _pick(
    page: Page, cands: list[Template], used: Mapping[str, int], previous: str | None,
    page_size: tuple[int, int],
) -> Template:  # fmt: skip
    """The candidate used least in the episode so far, not the previous page's, with room
    for each panel's dialogue and cell shapes that suit the shots; ties go to the
    template listed first."""

    def cost(t: Template) -> float:
        return (
            W_USED * used.get(t.name, 0)
            + (W_PREVIOUS if t.name == previous else 0.0)
            + W_CROWD * crowd_cost(t, page.panels, page_size)
            + W_SHAPE_FIT * shape_cost(t, page.panels, page_size)
        )

    return min(cands, key=cost)


def choose_layout(
    page: Page,
    direction: str = "rtl",
    *,
    previous: str | None = None,
    page_size: tuple[int, int] = PAGE_SIZE,
    used: Mapping[str, int] | None = None,
) -> PageLayout:
    """Deterministic layout for ``page``: a template whose biggest cells hold the key panels,
    preferring one not ``used`` yet in the episode (name → times), different from
    ``previous``, with cells shaped for the panels' shots."""
    if direction not in DIRECTIONS:
        raise ValueError(f"unknown reading direction {direction!r} (use rtl, ltr or vertical)")
    if direction == "vertical":
        return webtoon(page.panels, page_size)
    t = _pick(page, candidates(page.panels), used or {}, previous, page_size)
    return PageLayout(t.name, page_size, tuple(place(t, direction, page_size)))


def plan_layouts(
    pages: Sequence[Page], direction: str = "rtl", page_size: tuple[int, int] = PAGE_SIZE
) -> list[PageLayout]:
    """The layout of every page of an episode. Each page takes the template used least so
    far (so an episode shows as many layouts as its panel counts allow) and differs from
    the page before when it can. Known before any art exists, so panel images can be
    requested at their cell's shape."""
    out: list[PageLayout] = []
    used: dict[str, int] = {}
    previous: str | None = None
    for page in pages:
        layout = choose_layout(page, direction, previous=previous, page_size=page_size, used=used)
        out.append(layout)
        used[layout.name] = used.get(layout.name, 0) + 1
        previous = layout.name
    return out


_SHOT_ASPECT = {  # panel height / width in a webtoon strip
    "establishing": 0.6,
    "wide": 0.62,
    "medium": 0.75,
    "close-up": 0.7,
    "extreme-close-up": 0.55,
    "action": 0.85,
}


def webtoon(panels: Sequence[Panel], page_size: tuple[int, int] = PAGE_SIZE) -> PageLayout:
    """One full-width panel per row; the page grows taller when the panels need it."""
    w, min_h = page_size
    live = live_area(page_size)
    g = gutter(page_size) * 3
    heights = [live.w * (_SHOT_ASPECT.get(p.shot, 0.75) + (0.2 if p.key else 0.0)) for p in panels]
    room = live.h - g * (len(panels) - 1)
    if sum(heights) < room:  # short strip: stretch panels to fill a standard page
        heights = [h * room / sum(heights) for h in heights]
    hs = [int(math.floor(h)) for h in heights]
    total = sum(hs) + g * (len(panels) - 1)
    height = max(min_h, total + 2 * live.y0)
    rects, y = [], live.y0
    for h in hs:
        rects.append(Rect(live.x0, y, live.x1, y + h))
        y += h + g
    return PageLayout("webtoon", (w, height), tuple(rects))
