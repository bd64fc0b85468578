"""Open country: forest, ocean, desert, mountain, and the plain hills-and-ground
fallback for settings no family matches."""

from __future__ import annotations

import math

from mangaflow.manga.art.colour import INK, darker, lighter, mix
from mangaflow.manga.art.scenes.base import Scene, vgradient
from mangaflow.manga.art.scenes.elements import (
    depth_lines,
    draw_bumps,
    draw_celestial,
    draw_ground,
    draw_rays,
    draw_sky,
    quad,
)
from mangaflow.manga.art.shapes import Point


def draw_forest(sc: Scene) -> None:
    top, bottom = draw_sky(sc)
    draw_celestial(sc, bottom)
    r, d = sc.rng, sc.d
    greens = [(120, 160, 150), (80, 130, 100), (48, 96, 70)]
    draw_bumps(sc, sc.horizon + sc.s * 4, sc.h * 0.18, sc.c(mix(greens[0], bottom, 0.35)), 9)
    draw_ground(sc, (120, 150, 96), (86, 128, 70))
    # dirt path to the vanishing point
    d.polygon(
        [
            (sc.vx - sc.s * 3, sc.horizon),
            (sc.vx + sc.s * 3, sc.horizon),
            (sc.w * 0.78, sc.h),
            (sc.w * 0.22, sc.h),
        ],
        fill=sc.c((176, 150, 112)),
        outline=INK,
        width=sc.lw(0.8),
    )
    # conifers in two depths
    for layer, (scale, colour) in enumerate(((0.55, greens[1]), (1.0, greens[2]))):
        n = 9 if layer == 0 else 6
        for i in range(n):
            x = sc.w * (i + r.uniform(0.0, 0.9)) / n
            if abs(x - sc.vx) < sc.w * 0.12 * scale:
                x += sc.w * 0.15 * (1 if x >= sc.vx else -1)
            base = sc.horizon + sc.h * (0.04 + 0.1 * layer) * scale
            ht = sc.h * r.uniform(0.35, 0.55) * scale
            wd = ht * 0.38
            trunk_w = wd * 0.14
            d.rectangle(
                (x - trunk_w, base - ht * 0.2, x + trunk_w, base),
                fill=sc.c((92, 66, 48)),
                outline=INK,
                width=sc.lw(0.8),
            )
            for k in range(3):
                ty = base - ht * (0.15 + 0.28 * k)
                tw = wd * (1 - 0.25 * k)
                tip = base - ht * (0.55 + 0.22 * k)
                quad(sc, [(x - tw, ty), (x, tip), (x + tw, ty)], sc.c(colour), True, 0.9)
    # framing trunks
    for side in (0, 1):
        x = sc.w * (0.02 + 0.9 * side) + r.uniform(-1, 1) * sc.w * 0.02
        tw = sc.w * 0.05
        quad(
            sc,
            [(x - tw, -5), (x + tw, -5), (x + tw * 1.2, sc.h + 5), (x - tw * 1.2, sc.h + 5)],
            sc.c((84, 60, 46)),
            True,
            1.2,
        )
        for _ in range(5):
            y = sc.h * r.uniform(0.1, 0.9)
            d.arc(
                (x - tw * 0.7, y, x + tw * 0.5, y + sc.h * 0.06),
                200,
                340,
                fill=INK,
                width=sc.lw(0.8),
            )
    # grass tufts
    for _ in range(26):
        x, y = r.uniform(0, sc.w), r.uniform(sc.horizon + sc.h * 0.05, sc.h)
        g = sc.s * 3 * (0.5 + (y - sc.horizon) / (sc.h - sc.horizon) * 1.5)
        d.line(
            [(x - g, y - g * 1.6), (x, y), (x + g, y - g * 1.8)],
            fill=sc.c((50, 96, 50)),
            width=sc.lw(0.8),
        )


def draw_ocean(sc: Scene) -> None:
    top, bottom = draw_sky(sc)
    draw_celestial(sc, bottom)
    r, d = sc.rng, sc.d
    deep, shallow = sc.c((40, 90, 150)), sc.c((90, 170, 200))
    if sc.time == "night":
        deep, shallow = sc.c((14, 26, 60)), sc.c((40, 70, 110))
    beach_y = sc.horizon + (sc.h - sc.horizon) * 0.62
    vgradient(
        sc.img, (0, int(sc.horizon), sc.w, int(beach_y) + 4), (mix(deep, bottom, 0.25), shallow)
    )
    d.line([(0, sc.horizon), (sc.w, sc.horizon)], fill=INK, width=sc.lw(1))
    # sun or moon glitter on the water
    gx = sc.w * 0.5
    for i in range(12):
        y = sc.horizon + (beach_y - sc.horizon) * (i / 12) ** 1.3 + sc.s * 2
        wdt = sc.w * 0.01 * (1 + i * 0.7) * r.uniform(0.6, 1.3)
        d.line([(gx - wdt, y), (gx + wdt, y)], fill=sc.c((250, 246, 220)), width=sc.lw(1.2))
    # wave strokes, larger nearer
    for _ in range(40):
        t = r.random() ** 1.6
        y = sc.horizon + (beach_y - sc.horizon) * t + sc.s * 2
        x = r.uniform(0, sc.w)
        ln = sc.s * (6 + 40 * t)
        d.arc(
            (x - ln, y - ln * 0.25, x + ln, y + ln * 0.25),
            200,
            340,
            fill=sc.c(lighter(shallow, 0.5)),
            width=sc.lw(0.8 + t),
        )
    # beach with foam edge
    pts: list[Point] = [(-5, sc.h + 5)]
    for i in range(13):
        x = sc.w * i / 12
        pts.append((x, beach_y + math.sin(i * 1.3 + r.random()) * sc.h * 0.012))
    pts.append((sc.w + 5, sc.h + 5))
    d.polygon(pts, fill=sc.c((232, 214, 170)))
    d.line(pts[1:-1], fill=sc.c((250, 252, 255)), width=sc.lw(3), joint="curve")
    d.line([(x, y + sc.s * 2) for x, y in pts[1:-1]], fill=INK, width=sc.lw(0.8), joint="curve")
    for _ in range(14):
        x, y = r.uniform(0, sc.w), r.uniform(beach_y + sc.h * 0.04, sc.h)
        d.arc(
            (x - sc.s * 6, y - sc.s * 2, x + sc.s * 6, y + sc.s * 2),
            0,
            180,
            fill=sc.c((200, 180, 140)),
            width=sc.lw(0.8),
        )
    sc.ground_y = max(beach_y + sc.h * 0.08, sc.ground_y)


def draw_desert(sc: Scene) -> None:
    r, d = sc.rng, sc.d
    if sc.time == "day":
        top, bottom = sc.c((120, 170, 220)), sc.c((250, 226, 180))
    else:
        top, bottom = draw_sky(sc)
    vgradient(sc.img, (0, 0, sc.w, int(sc.horizon) + 2), (top, bottom))
    sx, sy, sr = sc.w * r.uniform(0.2, 0.8), sc.horizon * 0.45, sc.h * 0.11
    if sc.time != "night":
        d.ellipse(
            (sx - sr * 1.6, sy - sr * 1.6, sx + sr * 1.6, sy + sr * 1.6),
            fill=mix(bottom, sc.c((255, 244, 210)), 0.5),
        )
        d.ellipse((sx - sr, sy - sr, sx + sr, sy + sr), fill=sc.c((255, 246, 214)))
    else:
        draw_celestial(sc, bottom)
    sands = [(228, 192, 140), (214, 170, 110), (196, 146, 90), (226, 182, 120)]
    for layer in range(4):
        base = sc.horizon + (sc.h - sc.horizon) * (layer / 4) ** 1.2
        amp = sc.h * (0.05 + 0.05 * layer)
        ph, fr = r.uniform(0, 6.28), r.uniform(1.5, 3.0) / sc.w
        pts: list[Point] = [(-5, sc.h + 5)]
        for i in range(25):
            x = sc.w * i / 24
            pts.append((x, base - amp * (0.5 + 0.5 * math.sin(x * fr * 6.28 + ph))))
        pts.append((sc.w + 5, sc.h + 5))
        col = sc.c(sands[layer])
        d.polygon(pts, fill=col)
        d.line(pts[1:-1], fill=INK, width=sc.lw(0.9 + 0.2 * layer), joint="curve")
        for k in range(3):  # wind ripples following the dune crest
            off = amp * (0.3 + 0.35 * k)
            d.line([(x, y + off) for x, y in pts[3:-3:2]], fill=darker(col, 0.88), width=sc.lw(0.7))
    # a few heat shimmer lines
    for _ in range(5):
        x, y = r.uniform(0, sc.w), sc.horizon - sc.h * r.uniform(0.01, 0.05)
        d.line([(x, y), (x + sc.w * 0.05, y)], fill=lighter(bottom, 0.3), width=sc.lw(0.8))


def draw_mountain(sc: Scene) -> None:
    top, bottom = draw_sky(sc)
    draw_celestial(sc, bottom)
    r, d = sc.rng, sc.d
    for layer in range(3):
        base_y = sc.horizon + sc.h * 0.02 * layer
        colour = sc.c(mix((90, 100, 130), bottom, 0.55 - layer * 0.22))
        amp = sc.h * (0.34 - layer * 0.06)
        pts: list[Point] = [(-10, sc.h + 5), (-10, base_y)]
        x = -10.0
        peaks = []
        while x < sc.w + 10:
            step = sc.w * r.uniform(0.12, 0.28)
            py = base_y - amp * r.uniform(0.5, 1.0)
            peaks.append((x + step / 2, py, step))
            pts += [(x + step * 0.5, py), (x + step, base_y - amp * r.uniform(0.05, 0.3))]
            x += step
        pts += [(sc.w + 10, base_y), (sc.w + 10, sc.h + 5)]
        d.polygon(pts, fill=colour, outline=INK if layer == 2 else None, width=sc.lw(1))
        if layer >= 1:  # snow caps
            snow = sc.c((250, 250, 255))
            for px, py, step in peaks:
                cw = step * 0.14
                ch = cw * 1.6
                d.polygon(
                    [
                        (px, py),
                        (px + cw, py + ch),
                        (px + cw * 0.3, py + ch * 0.75),
                        (px - cw * 0.2, py + ch * 1.05),
                        (px - cw, py + ch),
                    ],
                    fill=snow,
                )
    draw_ground(sc, (110, 130, 96), (132, 120, 98))
    for _ in range(12):  # rocks
        x, y = r.uniform(0, sc.w), r.uniform(sc.horizon + sc.h * 0.1, sc.h)
        rr = sc.s * r.uniform(4, 12) * (y / sc.h)
        quad(
            sc,
            [(x - rr, y), (x - rr * 0.5, y - rr * 0.8), (x + rr * 0.6, y - rr * 0.6), (x + rr, y)],
            sc.c((140, 136, 130)),
            True,
            0.8,
        )


def draw_unknown(sc: Scene) -> None:
    top, bottom = draw_sky(sc)
    draw_celestial(sc, bottom)
    draw_bumps(sc, sc.horizon, sc.h * 0.08, sc.c(mix((120, 140, 120), bottom, 0.4)), 6)
    draw_ground(sc, (170, 170, 150), (140, 140, 124))
    draw_rays(sc, sc.c((120, 120, 106)), 14, 3.0, 0.7)
    depth_lines(sc, sc.c((124, 124, 110)), 6)
