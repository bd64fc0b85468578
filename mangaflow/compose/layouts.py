"""Page geometry: rectangles, panel-layout templates and how one is chosen.

Templates are written once, in left-to-right reading order, as cells in unit
coordinates of the page's *live area* (the page minus its margins). Cell edges
that touch the live-area border stay there; inner edges are pulled apart by a
fixed gutter, so gutters are the same everywhere. For ``rtl`` the template is
mirrored left↔right, which also puts the first panel top-right.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from mangaflow.domain.episode import Page, Panel

PAGE_SIZE: tuple[int, int] = (1240, 1754)  # A4 at 150 dpi
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


Cell = tuple[float, float, float, float]


@dataclass(frozen=True, slots=True)
class Template:
    """A layout: cells (u0, v0, u1, v1) in unit live-area coordinates, ltr reading order."""

    name: str
    cells: tuple[Cell, ...]

    @property
    def count(self) -> int:
        return len(self.cells)

    def areas(self) -> list[float]:
        return [(u1 - u0) * (v1 - v0) for u0, v0, u1, v1 in self.cells]


_T = 1 / 3
# fmt: off
TEMPLATES: tuple[Template, ...] = (
    Template("splash", ((0, 0, 1, 1),)),
    # 2 panels
    Template("two-tiers", ((0, 0, 1, 0.5), (0, 0.5, 1, 1))),
    Template("tall-top", ((0, 0, 1, 0.62), (0, 0.62, 1, 1))),
    Template("tall-bottom", ((0, 0, 1, 0.38), (0, 0.38, 1, 1))),
    Template("two-columns", ((0, 0, 0.5, 1), (0.5, 0, 1, 1))),
    # 3 panels
    Template("three-tiers", ((0, 0, 1, _T), (0, _T, 1, 2 * _T), (0, 2 * _T, 1, 1))),
    Template("two-plus-one", ((0, 0, 0.5, 0.42), (0.5, 0, 1, 0.42), (0, 0.42, 1, 1))),
    Template("wide-top-plus-two", ((0, 0, 1, 0.45), (0, 0.45, 0.5, 1), (0.5, 0.45, 1, 1))),
    Template("tall-side-3", ((0, 0, 0.58, 1), (0.58, 0, 1, 0.5), (0.58, 0.5, 1, 1))),
    # 4 panels
    Template("grid-2x2", ((0, 0, 0.5, 0.5), (0.5, 0, 1, 0.5), (0, 0.5, 0.5, 1), (0.5, 0.5, 1, 1))),
    Template(
        "key-plus-three",
        ((0, 0, 1, 0.56), (0, 0.56, _T, 1), (_T, 0.56, 2 * _T, 1), (2 * _T, 0.56, 1, 1)),
    ),
    Template(
        "three-plus-key",
        ((0, 0, _T, 0.38), (_T, 0, 2 * _T, 0.38), (2 * _T, 0, 1, 0.38), (0, 0.38, 1, 1)),
    ),
    Template(
        "four-mixed", ((0, 0, 1, 0.3), (0, 0.3, 0.6, 0.66), (0.6, 0.3, 1, 0.66), (0, 0.66, 1, 1))
    ),
    Template(
        "wide-top-tall-side",
        ((0, 0, 1, 0.32), (0, 0.32, 0.56, 1), (0.56, 0.32, 1, 0.66), (0.56, 0.66, 1, 1)),
    ),
    # 5 panels
    Template(
        "five-2-1-2",
        ((0, 0, 0.45, 0.3), (0.45, 0, 1, 0.3), (0, 0.3, 1, 0.64), (0, 0.64, 0.55, 1),
         (0.55, 0.64, 1, 1)),
    ),
    Template(
        "five-wide-top",
        ((0, 0, 1, 0.34), (0, 0.34, 0.5, 0.67), (0.5, 0.34, 1, 0.67), (0, 0.67, 0.5, 1),
         (0.5, 0.67, 1, 1)),
    ),
    Template(
        "five-3-2",
        ((0, 0, _T, 0.36), (_T, 0, 2 * _T, 0.36), (2 * _T, 0, 1, 0.36), (0, 0.36, 0.5, 1),
         (0.5, 0.36, 1, 1)),
    ),
    Template(
        "five-tall-side",
        ((0, 0, 1, 0.3), (0, 0.3, 0.52, 1), (0.52, 0.3, 1, 0.535), (0.52, 0.535, 1, 0.77),
         (0.52, 0.77, 1, 1)),
    ),
    # 6 panels
    Template(
        "six-grid",
        ((0, 0, 0.5, _T), (0.5, 0, 1, _T), (0, _T, 0.5, 2 * _T), (0.5, _T, 1, 2 * _T),
         (0, 2 * _T, 0.5, 1), (0.5, 2 * _T, 1, 1)),
    ),
    Template(
        "six-staggered",
        ((0, 0, 0.6, 0.3), (0.6, 0, 1, 0.3), (0, 0.3, 0.4, 0.64), (0.4, 0.3, 1, 0.64),
         (0, 0.64, 0.5, 1), (0.5, 0.64, 1, 1)),
    ),
    Template(
        "six-key-middle",
        ((0, 0, _T, 0.25), (_T, 0, 2 * _T, 0.25), (2 * _T, 0, 1, 0.25), (0, 0.25, 1, 0.62),
         (0, 0.62, 0.5, 1), (0.5, 0.62, 1, 1)),
    ),
    Template(
        "six-bookends",
        ((0, 0, 1, 0.3), (0, 0.3, 0.5, 0.53), (0.5, 0.3, 1, 0.53), (0, 0.53, 0.5, 0.76),
         (0.5, 0.53, 1, 0.76), (0, 0.76, 1, 1)),
    ),
    # 7 panels
    Template(
        "seven-mixed",
        ((0, 0, 1, 0.25), (0, 0.25, 0.5, 0.5), (0.5, 0.25, 1, 0.5), (0, 0.5, _T, 0.75),
         (_T, 0.5, 2 * _T, 0.75), (2 * _T, 0.5, 1, 0.75), (0, 0.75, 1, 1)),
    ),
)
# fmt: on
BY_NAME: dict[str, Template] = {t.name: t for t in TEMPLATES}


def even_tiers(n: int) -> Template:
    """Fallback: tiers of two panels (a full-width first tier when ``n`` is odd)."""
    rows: list[int] = ([1] if n % 2 else []) + [2] * (n // 2)
    cells: list[Cell] = []
    for r, cols in enumerate(rows):
        v0, v1 = r / len(rows), (r + 1) / len(rows)
        cells += [(c / cols, v0, (c + 1) / cols, v1) for c in range(cols)]
    return Template(f"even-tiers-{n}", tuple(cells))


def key_tiers(n: int, keys: Sequence[int]) -> Template:
    """Fallback when no template suits the key panels: each key panel gets a tall,
    full-width tier of its own; the other panels share tiers two by two."""
    rows: list[tuple[float, list[int]]] = []
    run: list[int] = []
    for i in range(n):
        if i in keys:
            rows += [(1.0, run[j : j + 2]) for j in range(0, len(run), 2)]
            rows.append((1.8, [i]))
            run = []
        else:
            run.append(i)
    rows += [(1.0, run[j : j + 2]) for j in range(0, len(run), 2)]
    total = sum(w for w, _ in rows)
    cells: list[Cell] = []
    v = 0.0
    for w, members in rows:
        v1 = min(1.0, v + w / total)
        cells += [(c / len(members), v, (c + 1) / len(members), v1) for c in range(len(members))]
        v = v1
    return Template(f"key-tiers-{n}", tuple(cells))


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


def choose_layout(
    page: Page,
    direction: str = "rtl",
    *,
    previous: str | None = None,
    page_size: tuple[int, int] = PAGE_SIZE,
) -> PageLayout:
    """Deterministic layout for ``page``; differs from ``previous`` when there is a choice."""
    if direction not in DIRECTIONS:
        raise ValueError(f"unknown reading direction {direction!r} (use rtl, ltr or vertical)")
    if direction == "vertical":
        return webtoon(page.panels, page_size)
    cands = candidates(page.panels)
    idx = (page.number - 1) % len(cands)
    if cands[idx].name == previous and len(cands) > 1:
        idx = (idx + 1) % len(cands)
    t = cands[idx]
    return PageLayout(t.name, page_size, tuple(place(t, direction, page_size)))


def plan_layouts(
    pages: Sequence[Page], direction: str = "rtl", page_size: tuple[int, int] = PAGE_SIZE
) -> list[PageLayout]:
    """The layout of every page of an episode (each differs from the one before when it can).
    Known before any art exists, so panel images can be requested at their cell's shape."""
    out: list[PageLayout] = []
    previous: str | None = None
    for page in pages:
        out.append(choose_layout(page, direction, previous=previous, page_size=page_size))
        previous = out[-1].name
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
