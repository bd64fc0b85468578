"""Streets and houses: a city street in one-point perspective (skyline, lit windows,
buildings along both sides) and a village."""

from __future__ import annotations

from collections.abc import Sequence

from mangaflow.manga.art.colour import INK, RGB, darker, mix
from mangaflow.manga.art.scenes.base import Scene, vgradient
from mangaflow.manga.art.scenes.elements import (
    draw_bumps,
    draw_celestial,
    draw_ground,
    draw_sky,
    quad,
)


def street_side(
    sc: Scene, edge_x: float, base_edge_y: float, colours: Sequence[RGB], lit: bool
) -> None:
    """Buildings along one side of a street in one-point perspective."""
    d, r = sc.d, sc.rng
    vx, hz = sc.vx, sc.horizon

    def x_at(depth: float) -> float:
        return vx + (edge_x - vx) / (1.0 + depth)

    def base(x: float) -> float:
        return hz + (base_edge_y - hz) * (x - vx) / (edge_x - vx)

    def top(x: float, k: float) -> float:
        return hz - k * (base(x) - hz)

    buildings = []
    depth = -0.05
    while depth < 9:
        span = r.uniform(0.35, 1.1) * (1 + depth * 0.4)
        k = r.uniform(1.6, 4.2)
        buildings.append((depth, depth + span, k, r.choice(colours), r.randint(2, 4), r.random()))
        depth += span
    for d0, d1, k, colour, cols, lit_p in reversed(buildings):
        xa, xb = x_at(d0), x_at(d1)
        if abs(xa - xb) < 1:
            continue
        face = [(xa, base(xa)), (xa, top(xa, k)), (xb, top(xb, k)), (xb, base(xb))]
        quad(sc, face, sc.c(colour), True, 0.8)
        # roof edge band
        band = [
            (xa, top(xa, k)),
            (xb, top(xb, k)),
            (xb, top(xb, k * 0.97)),
            (xa, top(xa, k * 0.97)),
        ]
        quad(sc, band, sc.c(darker(colour, 0.8)), False)
        floors = max(2, int(k * 3))
        glass = (250, 220, 120) if lit else (92, 116, 150)
        dark_glass = (40, 46, 70) if lit else (70, 90, 122)
        for j in range(cols):
            da = d0 + (d1 - d0) * (j + 0.22) / cols
            db = d0 + (d1 - d0) * (j + 0.78) / cols
            x0, x1 = x_at(da), x_at(db)
            if abs(x1 - x0) < sc.s * 1.5:
                continue
            for i in range(floors):
                fa = (i + 0.3) / floors * 0.94
                fb = (i + 0.75) / floors * 0.94
                b0, b1 = base(x0), base(x1)
                t0, t1 = top(x0, k), top(x1, k)
                q = [
                    (x0, b0 + (t0 - b0) * fa),
                    (x0, b0 + (t0 - b0) * fb),
                    (x1, b1 + (t1 - b1) * fb),
                    (x1, b1 + (t1 - b1) * fa),
                ]
                on = lit and r.random() < 0.35 + 0.4 * lit_p
                d.polygon(q, fill=sc.c(glass if on else dark_glass))


def draw_city(sc: Scene) -> None:
    top, bottom = draw_sky(sc)
    draw_celestial(sc, bottom)
    r, d = sc.rng, sc.d
    lit = sc.time in ("night", "dusk")
    far = sc.c(mix(bottom, (70, 78, 100), 0.45))
    # far skyline
    x = -20.0
    while x < sc.w:
        bw = sc.w * r.uniform(0.03, 0.08)
        bh = sc.h * r.uniform(0.06, 0.3)
        d.rectangle((x, sc.horizon - bh, x + bw, sc.horizon + 2), fill=far)
        if r.random() < 0.25:
            d.line(
                [(x + bw / 2, sc.horizon - bh), (x + bw / 2, sc.horizon - bh - sc.h * 0.04)],
                fill=far,
                width=sc.lw(1.5),
            )
        x += bw * r.uniform(0.8, 1.1)
    facades = [
        (196, 186, 170),
        (170, 178, 192),
        (150, 140, 132),
        (214, 204, 188),
        (132, 142, 160),
        (184, 160, 150),
    ]
    if sc.establishing:
        # a nearer row of towers with window grids, then a rooftop the cast stands on
        mid = sc.c(mix(bottom, (60, 64, 84), 0.7))
        x = -10.0
        while x < sc.w:
            bw = sc.w * r.uniform(0.06, 0.12)
            bh = sc.h * r.uniform(0.12, 0.4)
            y0 = sc.horizon + sc.h * 0.12 - bh
            d.rectangle((x, y0, x + bw, sc.h), fill=mid, outline=INK, width=sc.lw(0.8))
            glass = sc.c((250, 220, 130) if lit else (110, 130, 160))
            cols = max(2, int(bw / (sc.s * 9)))
            rows = int(bh / (sc.s * 12))
            for i in range(rows):
                for j in range(cols):
                    if r.random() < (0.45 if lit else 0.8):
                        wx = x + bw * (j + 0.25) / cols
                        wy = y0 + sc.s * 5 + i * sc.s * 12
                        d.rectangle((wx, wy, wx + bw * 0.5 / cols, wy + sc.s * 6), fill=glass)
            x += bw * r.uniform(1.0, 1.25)
        roof_y = sc.h * 0.8
        quad(
            sc,
            [(-5, roof_y), (sc.w + 5, roof_y), (sc.w + 5, sc.h + 5), (-5, sc.h + 5)],
            sc.c((150, 150, 156)),
        )
        for i in range(0, 26):
            x = sc.w * i / 25
            d.line([(x, roof_y - sc.h * 0.07), (x, roof_y)], fill=INK, width=sc.lw(0.8))
        d.line(
            [(0, roof_y - sc.h * 0.07), (sc.w, roof_y - sc.h * 0.07)], fill=INK, width=sc.lw(1.5)
        )
        d.line(
            [(0, roof_y - sc.h * 0.035), (sc.w, roof_y - sc.h * 0.035)], fill=INK, width=sc.lw(0.8)
        )
        sc.floor_y = roof_y
        return
    # street in one-point perspective
    road = sc.c((112, 112, 120))
    walk = sc.c((176, 170, 160))
    vgradient(sc.img, (0, int(sc.horizon), sc.w, sc.h), (mix(walk, far, 0.3), walk))
    left_edge, right_edge = sc.w * 0.2, sc.w * 0.8
    d.polygon(
        [
            (sc.vx - 1, sc.horizon),
            (sc.vx + 1, sc.horizon),
            (right_edge + sc.w * 0.5, sc.h),
            (left_edge - sc.w * 0.5, sc.h),
        ],
        fill=road,
    )
    for i in range(9):
        t0, t1 = (i / 9) ** 2, ((i + 0.5) / 9) ** 2
        ya, yb = sc.horizon + (sc.h - sc.horizon) * t0, sc.horizon + (sc.h - sc.horizon) * t1
        wa, wb = sc.s * 1 + t0 * sc.s * 6, sc.s * 1 + t1 * sc.s * 6
        xa = sc.vx + (sc.w * 0.5 - sc.vx) * t0
        xb = sc.vx + (sc.w * 0.5 - sc.vx) * t1
        d.polygon(
            [(xa - wa, ya), (xa + wa, ya), (xb + wb, yb), (xb - wb, yb)], fill=sc.c((236, 232, 214))
        )
    d.line([(sc.vx, sc.horizon), (left_edge - sc.w * 0.5, sc.h)], fill=INK, width=sc.lw(1))
    d.line([(sc.vx, sc.horizon), (right_edge + sc.w * 0.5, sc.h)], fill=INK, width=sc.lw(1))
    street_side(sc, -sc.w * 0.02, sc.horizon + (sc.h - sc.horizon) * 0.55, facades, lit)
    street_side(sc, sc.w * 1.02, sc.horizon + (sc.h - sc.horizon) * 0.55, facades, lit)
    # street lamps
    for side in (-1, 1):
        for depth in (0.6, 2.0):
            edge = sc.w * (0.5 + side * 0.47)
            x = sc.vx + (edge - sc.vx) / (1 + depth)
            yb = sc.horizon + (sc.h * 0.85 - sc.horizon) / (1 + depth)
            ht = (sc.h * 0.6) / (1 + depth)
            d.line([(x, yb), (x, yb - ht)], fill=INK, width=sc.lw(2.2 / (1 + depth * 0.5)))
            lamp = (x - side * ht * 0.12, yb - ht)
            d.line([(x, yb - ht), lamp], fill=INK, width=sc.lw(2 / (1 + depth * 0.5)))
            rr = ht * 0.04
            d.ellipse(
                (lamp[0] - rr, lamp[1], lamp[0] + rr, lamp[1] + rr * 1.4),
                fill=sc.c((255, 236, 160) if lit else (230, 230, 220)),
                outline=INK,
            )


def draw_village(sc: Scene) -> None:
    top, bottom = draw_sky(sc)
    draw_celestial(sc, bottom)
    r, d = sc.rng, sc.d
    draw_bumps(sc, sc.horizon, sc.h * 0.12, sc.c(mix((120, 160, 120), bottom, 0.35)), 5)
    draw_ground(sc, (150, 176, 110), (120, 156, 90))
    d.polygon(
        [
            (sc.vx - sc.s * 3, sc.horizon),
            (sc.vx + sc.s * 3, sc.horizon),
            (sc.w * 0.72, sc.h),
            (sc.w * 0.28, sc.h),
        ],
        fill=sc.c((196, 170, 130)),
        outline=INK,
        width=sc.lw(0.8),
    )
    roofs = [(170, 70, 60), (120, 80, 60), (70, 90, 130), (150, 110, 70)]
    walls = [(240, 230, 208), (226, 212, 186), (236, 222, 196)]
    houses = []
    for side in (-1, 1):
        for k in range(3):
            t = 1 / (1 + k * 0.9)
            x = sc.vx + side * sc.w * (0.16 + 0.34 * t) + r.uniform(-1, 1) * sc.w * 0.02
            y = sc.horizon + (sc.h * 0.78 - sc.horizon) * t
            houses.append((t, x, y))
    for t, x, y in sorted(houses):
        hw, hh = sc.w * 0.12 * t, sc.h * 0.22 * t
        wall = sc.c(r.choice(walls))
        d.rectangle((x - hw, y - hh, x + hw, y), fill=wall, outline=INK, width=sc.lw(1))
        roof = [
            (x - hw * 1.18, y - hh),
            (x - hw * 0.5, y - hh * 1.75),
            (x + hw * 0.5, y - hh * 1.75),
            (x + hw * 1.18, y - hh),
        ]
        ch = (x + hw * 0.4, y - hh * 1.9, x + hw * 0.6, y - hh * 1.4)
        d.rectangle(ch, fill=sc.c((140, 110, 100)), outline=INK, width=sc.lw(0.8))
        quad(sc, roof, sc.c(r.choice(roofs)), True, 1)
        for k in range(1, 4):
            yy = y - hh - (hh * 0.75) * k / 4
            xx = hw * (1.18 - 0.68 * k / 4)
            d.line([(x - xx, yy), (x + xx, yy)], fill=INK, width=sc.lw(0.6))
        d.rectangle(
            (x - hw * 0.15, y - hh * 0.55, x + hw * 0.15, y),
            fill=sc.c((120, 84, 60)),
            outline=INK,
            width=sc.lw(0.8),
        )
        for wx in (x - hw * 0.6, x + hw * 0.45):
            d.rectangle(
                (wx - hw * 0.14, y - hh * 0.75, wx + hw * 0.14, y - hh * 0.45),
                fill=sc.c((150, 190, 220)),
                outline=INK,
                width=sc.lw(0.8),
            )
    # fence along the path
    for side in (-1, 1):
        for i in range(8):
            t = 1 / (1 + i * 0.5)
            x = sc.vx + side * sc.w * 0.3 * t
            y = sc.horizon + (sc.h * 0.98 - sc.horizon) * t
            d.line([(x, y), (x, y - sc.h * 0.06 * t)], fill=INK, width=sc.lw(1))
        d.line(
            [
                (sc.vx + side * sc.w * 0.3, sc.h * 0.98 - sc.h * 0.045),
                (
                    sc.vx + side * sc.w * 0.3 / 4.5,
                    sc.horizon + (sc.h * 0.98 - sc.horizon) / 4.5 - sc.h * 0.01,
                ),
            ],
            fill=INK,
            width=sc.lw(1),
        )
