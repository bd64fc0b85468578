"""Pieces the scene drawers combine: sky gradient, sun / moon / stars, clouds, rows of
hills or trees, the ground plane, perspective rays and depth lines from the vanishing
point, and outlined quadrilaterals."""

from __future__ import annotations

import math
from collections.abc import Sequence

from mangaflow.manga.art.colour import INK, RGB, darker, mix
from mangaflow.manga.art.scenes.base import SKIES, Scene, vgradient
from mangaflow.manga.art.shapes import Point


def draw_sky(sc: Scene) -> tuple[RGB, RGB]:
    top, bottom = SKIES[sc.time]
    top, bottom = sc.c(top), sc.c(bottom)
    if sc.lift:
        top, bottom = mix(top, (255, 255, 255), sc.lift), mix(bottom, (255, 255, 255), sc.lift)
    vgradient(sc.img, (0, 0, sc.w, int(sc.horizon) + 2), (top, mix(top, bottom, 0.55), bottom))
    return top, bottom


def draw_celestial(sc: Scene, sky_bottom: RGB) -> None:
    d, r = sc.d, sc.rng
    if sc.time == "night":
        pts = [
            (r.random() * sc.w, r.random() * sc.horizon * 0.9)
            for _ in range(int(90 * sc.w / 1536) + 20)
        ]
        d.point(pts, fill=sc.c((230, 232, 255)))
        for x, y in pts[:12]:
            rr = sc.s * 1.2
            d.ellipse((x - rr, y - rr, x + rr, y + rr), fill=sc.c((255, 255, 240)))
        mx, my, mr = sc.w * r.uniform(0.62, 0.86), sc.horizon * r.uniform(0.18, 0.35), sc.h * 0.07
        d.ellipse(
            (mx - mr * 1.5, my - mr * 1.5, mx + mr * 1.5, my + mr * 1.5),
            fill=sc.c(mix(sky_bottom, (200, 200, 230), 0.2)),
        )
        d.ellipse((mx - mr, my - mr, mx + mr, my + mr), fill=sc.c((250, 246, 220)))
        d.ellipse(
            (mx - mr * 0.55, my - mr * 0.2, mx - mr * 0.25, my + mr * 0.1),
            fill=sc.c((228, 224, 196)),
        )
    elif sc.time in ("day", "dusk"):
        sx = sc.w * r.uniform(0.15, 0.85)
        sy = sc.horizon * (0.25 if sc.time == "day" else 0.78)
        sr = sc.h * (0.05 if sc.time == "day" else 0.1)
        glow = sc.c((255, 250, 225) if sc.time == "day" else (255, 214, 160))
        d.ellipse(
            (sx - sr * 1.8, sy - sr * 1.8, sx + sr * 1.8, sy + sr * 1.8),
            fill=mix(glow, sky_bottom, 0.55),
        )
        d.ellipse(
            (sx - sr, sy - sr, sx + sr, sy + sr),
            fill=sc.c((255, 252, 236) if sc.time == "day" else (255, 236, 190)),
        )
    if sc.time != "night":
        draw_clouds(sc, 3 if sc.time != "overcast" else 6)


def draw_clouds(sc: Scene, n: int) -> None:
    d, r = sc.d, sc.rng
    base = sc.c(
        (255, 255, 255)
        if sc.time == "day"
        else (230, 200, 200)
        if sc.time == "dusk"
        else (225, 228, 232)
    )
    shade = mix(base, sc.c(SKIES[sc.time][0]), 0.25)
    for _ in range(n):
        cx, cy = r.uniform(-0.1, 1.1) * sc.w, r.uniform(0.12, 0.7) * sc.horizon
        cw = sc.w * r.uniform(0.1, 0.22)
        puffs = [
            (
                cx + cw * r.uniform(-0.5, 0.5),
                cy - cw * r.uniform(0.0, 0.15),
                cw * r.uniform(0.15, 0.28),
            )
            for _ in range(5)
        ]
        for px, py, pr in puffs:
            d.ellipse((px - pr, py - pr * 0.7 + pr * 0.15, px + pr, py + pr * 0.55), fill=shade)
        for px, py, pr in puffs:
            d.ellipse((px - pr, py - pr * 0.7, px + pr, py + pr * 0.5), fill=base)


def draw_bumps(
    sc: Scene,
    base_y: float,
    amp: float,
    colour: RGB,
    n: int,
    *,
    outline: bool = False,
    pointy: bool = False,
) -> None:
    """A row of rounded (or pointy) silhouettes standing on ``base_y`` across the canvas."""
    d, r = sc.d, sc.rng
    pts: list[Point] = [(-10, sc.h + 10), (-10, base_y)]
    x = -10.0
    step = sc.w / n
    while x < sc.w + step:
        top = base_y - amp * r.uniform(0.45, 1.0)
        if pointy:
            pts += [(x + step * 0.5, top), (x + step, base_y - amp * r.uniform(0.0, 0.3))]
        else:
            for i in range(1, 6):
                t = i / 6
                pts.append((x + step * t, base_y - (base_y - top) * math.sin(math.pi * t) ** 0.6))
        x += step * r.uniform(0.7, 1.3)
    pts += [(sc.w + 10, base_y), (sc.w + 10, sc.h + 10)]
    d.polygon(pts, fill=colour, outline=INK if outline else None, width=sc.lw(1) if outline else 1)


def draw_ground(sc: Scene, far: RGB, near: RGB) -> None:
    far, near = sc.c(far), sc.c(near)
    if sc.lift:
        far, near = (
            mix(far, (255, 255, 255), sc.lift * 0.6),
            mix(near, (255, 255, 255), sc.lift * 0.6),
        )
    vgradient(sc.img, (0, int(sc.horizon), sc.w, sc.h), (far, near))
    sc.d.line([(0, sc.horizon), (sc.w, sc.horizon)], fill=darker(sc.c(far), 0.75), width=sc.lw(1))


def draw_rays(sc: Scene, colour: RGB, n: int = 14, spread: float = 2.5, width: float = 1.0) -> None:
    """Perspective lines from the vanishing point down to (and past) the bottom edge."""
    d = sc.d
    for i in range(n + 1):
        t = (i / n - 0.5) * spread
        d.line([(sc.vx, sc.horizon), (sc.vx + t * sc.w, sc.h)], fill=colour, width=sc.lw(width))


def depth_lines(sc: Scene, colour: RGB, n: int = 8, x0: float = 0, x1: float | None = None) -> None:
    """Horizontal lines that crowd together towards the horizon."""
    x1 = sc.w if x1 is None else x1
    for i in range(1, n + 1):
        t = (i / n) ** 2.2
        y = sc.horizon + (sc.h - sc.horizon) * t
        sc.d.line([(x0, y), (x1, y)], fill=colour, width=sc.lw(1))


def quad(
    sc: Scene, pts: Sequence[Point], fill: RGB | None, outline: bool = True, k: float = 1.0
) -> None:
    sc.d.polygon(
        list(pts), fill=fill, outline=INK if outline else None, width=sc.lw(k) if outline else 1
    )
