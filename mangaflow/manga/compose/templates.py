"""Panel-layout templates: cells in unit coordinates of the page's live area.

Written once, in left-to-right reading order (a cell's index is its panel's place in the
page); :func:`mangaflow.manga.compose.layouts.place` turns them into pixel rectangles and
mirrors them for right-to-left reading. Families: tiers (full-width rows), splash and
strip-plus-splash, wide establishing strips on top, tall side columns, and key layouts
whose one big cell (first, middle or last) holds the page's key panel.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

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
_2T = 2 / 3


def _rows(name: str, *rows: tuple[float, tuple[float, ...]]) -> Template:
    """A tiered template: ``rows`` are (height, cell widths), each summing to 1."""
    cells: list[Cell] = []
    v = 0.0
    for h, widths in rows:
        u = 0.0
        for w in widths:
            cells.append((u, v, min(1.0, u + w), min(1.0, v + h)))
            u += w
        v += h
    return Template(name, tuple(cells))


_HALF = (0.5, 0.5)
_THIRDS = (_T, _T, _T)
# fmt: off
TEMPLATES: tuple[Template, ...] = (
    # 1 panel
    Template("splash", ((0, 0, 1, 1),)),
    # 2 panels
    _rows("two-tiers", (0.5, (1,)), (0.5, (1,))),
    _rows("tall-top", (0.62, (1,)), (0.38, (1,))),
    _rows("tall-bottom", (0.38, (1,)), (0.62, (1,))),
    Template("two-columns", ((0, 0, 0.5, 1), (0.5, 0, 1, 1))),
    _rows("strip-plus-splash", (0.26, (1,)), (0.74, (1,))),
    # 3 panels
    _rows("three-tiers", (_T, (1,)), (_T, (1,)), (_T, (1,))),
    _rows("two-plus-one", (0.42, _HALF), (0.58, (1,))),
    _rows("wide-top-plus-two", (0.45, (1,)), (0.55, _HALF)),
    Template("tall-side-3", ((0, 0, 0.58, 1), (0.58, 0, 1, 0.5), (0.58, 0.5, 1, 1))),
    Template("strip-tall-key", ((0, 0, 1, 0.28), (0, 0.28, 0.4, 1), (0.4, 0.28, 1, 1))),
    _rows("offset-two-plus-one", (0.36, (0.62, 0.38)), (0.64, (1,))),
    # 4 panels
    _rows("grid-2x2", (0.5, _HALF), (0.5, _HALF)),
    _rows("key-plus-three", (0.56, (1,)), (0.44, _THIRDS)),
    _rows("three-plus-key", (0.38, _THIRDS), (0.62, (1,))),
    _rows("four-mixed", (0.3, (1,)), (0.36, (0.6, 0.4)), (0.34, (1,))),
    Template("wide-top-tall-side",
             ((0, 0, 1, 0.32), (0, 0.32, 0.56, 1), (0.56, 0.32, 1, 0.66), (0.56, 0.66, 1, 1))),
    _rows("four-tiers", (0.25, (1,)), (0.25, (1,)), (0.25, (1,)), (0.25, (1,))),
    _rows("strip-pair-key", (0.22, (1,)), (0.3, _HALF), (0.48, (1,))),
    Template("tall-side-4",
             ((0, 0, 0.55, 1), (0.55, 0, 1, _T), (0.55, _T, 1, _2T), (0.55, _2T, 1, 1))),
    # 5 panels
    _rows("five-2-1-2", (0.3, (0.45, 0.55)), (0.34, (1,)), (0.36, (0.55, 0.45))),
    _rows("five-wide-top", (0.34, (1,)), (0.33, _HALF), (0.33, _HALF)),
    _rows("five-3-2", (0.36, _THIRDS), (0.64, _HALF)),
    Template("five-tall-side",
             ((0, 0, 1, 0.3), (0, 0.3, 0.52, 1), (0.52, 0.3, 1, 0.535), (0.52, 0.535, 1, 0.77),
              (0.52, 0.77, 1, 1))),
    _rows("five-grid-key", (0.24, _HALF), (0.24, _HALF), (0.52, (1,))),
    _rows("five-stagger-key", (0.26, (0.4, 0.6)), (0.26, (0.6, 0.4)), (0.48, (1,))),
    Template("five-three-tall-key",
             ((0, 0, _T, 0.3), (_T, 0, _2T, 0.3), (_2T, 0, 1, 0.3), (0, 0.3, 0.38, 1),
              (0.38, 0.3, 1, 1))),
    # 6 panels
    _rows("six-grid", (_T, _HALF), (_T, _HALF), (_T, _HALF)),
    _rows("six-staggered", (0.3, (0.6, 0.4)), (0.34, (0.4, 0.6)), (0.36, _HALF)),
    _rows("six-key-middle", (0.25, _THIRDS), (0.37, (1,)), (0.38, _HALF)),
    _rows("six-bookends", (0.3, (1,)), (0.23, _HALF), (0.23, _HALF), (0.24, (1,))),
    _rows("six-three-two-key", (0.24, _THIRDS), (0.26, _HALF), (0.5, (1,))),
    _rows("six-wide-ends", (0.2, (1,)), (0.2, _HALF), (0.2, _HALF), (0.4, (1,))),
    _rows("six-key-first", (0.44, (1,)), (0.28, _HALF), (0.28, _THIRDS)),
    Template("six-tall-middle",
             ((0, 0, 0.5, 0.25), (0.5, 0, 1, 0.25), (0, 0.25, 0.56, 1), (0.56, 0.25, 1, 0.5),
              (0.56, 0.5, 1, 0.75), (0.56, 0.75, 1, 1))),
    # 7 panels
    _rows("seven-mixed", (0.25, (1,)), (0.25, _HALF), (0.25, _THIRDS), (0.25, (1,))),
    _rows("seven-wide-top", (0.22, (1,)), (0.26, _HALF), (0.26, _HALF), (0.26, _HALF)),
    _rows("seven-key-last", (0.2, _HALF), (0.2, _THIRDS), (0.6, (0.35, 0.65))),
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
