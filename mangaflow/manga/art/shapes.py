"""Inked ImageDraw primitives the figures are built from: filled circles, outlined
round-ended limbs (capsules), outlined polygons, tapered strokes and ellipse arcs."""

from __future__ import annotations

import math
from collections.abc import Sequence

from PIL import ImageDraw

from mangaflow.manga.art.colour import INK, RGB

Point = tuple[float, float]


def circle(d: ImageDraw.ImageDraw, p: Point, r: float, fill: RGB) -> None:
    d.ellipse((p[0] - r, p[1] - r, p[0] + r, p[1] + r), fill=fill)


def capsule(d: ImageDraw.ImageDraw, pts: Sequence[Point], w: float, fill: RGB, o: float) -> None:
    """A round-ended thick line with an ink outline ``o`` px wide."""
    wo = max(1, int(round(w + 2 * o)))
    wi = max(1, int(round(w)))
    d.line(list(pts), fill=INK, width=wo, joint="curve")
    circle(d, pts[0], wo / 2, INK)
    circle(d, pts[-1], wo / 2, INK)
    d.line(list(pts), fill=fill, width=wi, joint="curve")
    circle(d, pts[0], wi / 2, fill)
    circle(d, pts[-1], wi / 2, fill)


def polygon(d: ImageDraw.ImageDraw, pts: Sequence[Point], fill: RGB | None, o: float) -> None:
    if len(pts) < 3:
        return
    if o >= 1:
        d.polygon(list(pts), fill=fill, outline=INK, width=max(1, int(round(o))))
    else:
        d.polygon(list(pts), fill=fill)


def taper(pts: Sequence[Point], widths: Sequence[float]) -> list[Point]:
    """A polygon around a polyline whose half-width varies along it."""
    left: list[Point] = []
    right: list[Point] = []
    n = len(pts)
    for i, (x, y) in enumerate(pts):
        a = pts[max(0, i - 1)]
        b = pts[min(n - 1, i + 1)]
        dx, dy = b[0] - a[0], b[1] - a[1]
        ln = math.hypot(dx, dy) or 1.0
        nx, ny = -dy / ln, dx / ln
        w = widths[i]
        left.append((x + nx * w, y + ny * w))
        right.append((x - nx * w, y - ny * w))
    return left + right[::-1]


def ellipse_pts(
    cx: float, cy: float, rx: float, ry: float, a0: float, a1: float, n: int
) -> list[Point]:
    out = []
    for i in range(n + 1):
        a = math.radians(a0 + (a1 - a0) * i / n)
        out.append((cx + rx * math.cos(a), cy + ry * math.sin(a)))
    return out
