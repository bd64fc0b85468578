"""Inside: a box room in one-point perspective with side windows, used by the school and
the lab, and the space-station deck under a starfield."""

from __future__ import annotations

import math

from mangaflow.manga.art.colour import INK, RGB, darker, lighter, mix
from mangaflow.manga.art.scenes.base import SKIES, Scene, vgradient
from mangaflow.manga.art.scenes.elements import depth_lines, draw_ground, draw_rays
from mangaflow.manga.art.shapes import Point


def room(
    sc: Scene, wall: RGB, floor: RGB, ceiling: RGB, back: float = 0.34
) -> tuple[float, float, float, float]:
    """A box room in one-point perspective; returns the back-wall rectangle."""
    d = sc.d
    bw, bh = sc.w * back, sc.h * back * 1.25
    bx0 = sc.vx - bw / 2
    by1 = sc.horizon + bh * 0.35
    by0 = by1 - bh
    bx1 = bx0 + bw
    W, H = sc.w, sc.h

    def out(px: float, py: float) -> Point:
        # extend the ray from the vanishing point through (px, py) far past the canvas
        k = 6.0
        return (sc.vx + (px - sc.vx) * k, sc.horizon + (py - sc.horizon) * k)

    d.rectangle((0, 0, W, H), fill=sc.c(wall))
    d.polygon([(bx0, by1), (bx1, by1), out(bx1, by1), out(bx0, by1)], fill=sc.c(floor))
    d.polygon([(bx0, by0), (bx1, by0), out(bx1, by0), out(bx0, by0)], fill=sc.c(ceiling))
    d.polygon([(bx0, by0), (bx0, by1), out(bx0, by1), out(bx0, by0)], fill=sc.c(darker(wall, 0.9)))
    d.polygon([(bx1, by0), (bx1, by1), out(bx1, by1), out(bx1, by0)], fill=sc.c(darker(wall, 0.82)))
    d.rectangle((bx0, by0, bx1, by1), fill=sc.c(lighter(wall, 0.1)), outline=INK, width=sc.lw(1))
    for px, py in ((bx0, by0), (bx1, by0), (bx0, by1), (bx1, by1)):
        d.line([(px, py), out(px, py)], fill=INK, width=sc.lw(1))
    # floor boards / tiles receding
    for i in range(1, 12):
        x = bx0 + bw * i / 12
        d.line([(x, by1), out(x, by1)], fill=sc.c(darker(floor, 0.8)), width=sc.lw(0.7))
    for i in range(1, 7):
        t = 1 + (i / 6) ** 2 * 5
        y = sc.horizon + (by1 - sc.horizon) * t
        d.line([(0, y), (W, y)], fill=sc.c(darker(floor, 0.8)), width=sc.lw(0.7))
    sc.ground_y = min(H * 0.95, sc.horizon + (by1 - sc.horizon) * 3)
    return bx0, by0, bx1, by1


def side_windows(
    sc: Scene, back: tuple[float, float, float, float], side: int, n: int, sky: tuple[RGB, RGB]
) -> None:
    """Windows on a side wall (side -1 left / +1 right), receding towards the back wall."""
    bx0, by0, bx1, by1 = back
    ex = bx0 if side < 0 else bx1
    for i in range(n):
        ta, tb = 1 + 4.5 * (i / n) ** 1.3, 1 + 4.5 * ((i + 0.7) / n) ** 1.3
        pts = []
        for t, fy in ((ta, 0.15), (ta, 0.65), (tb, 0.65), (tb, 0.15)):
            x = sc.vx + (ex - sc.vx) * t
            y = sc.horizon + (by0 + (by1 - by0) * fy - sc.horizon) * t
            pts.append((x, y))
        sc.d.polygon(pts, fill=sc.c(mix(sky[0], sky[1], 0.6)), outline=INK, width=sc.lw(1.2))
        mx0 = (pts[0][0] + pts[3][0]) / 2
        my0 = (pts[0][1] + pts[3][1]) / 2
        mx1 = (pts[1][0] + pts[2][0]) / 2
        my1 = (pts[1][1] + pts[2][1]) / 2
        sc.d.line([(mx0, my0), (mx1, my1)], fill=INK, width=sc.lw(1))


def draw_school(sc: Scene) -> None:
    r, d = sc.rng, sc.d
    sky = SKIES["day" if sc.time == "night" else sc.time]
    corridor = r.random() < 0.4
    if corridor:
        back = room(sc, (232, 226, 206), (196, 188, 170), (240, 238, 230), back=0.18)
        side_windows(sc, back, -1, 5, sky)
        bx0, by0, bx1, by1 = back
        for i in range(3):
            ta, tb = 1 + 4 * (i / 3) ** 1.2, 1 + 4 * ((i + 0.45) / 3) ** 1.2
            pts = []
            for t, fy in ((ta, 0.25), (ta, 1.0), (tb, 1.0), (tb, 0.25)):
                pts.append(
                    (
                        sc.vx + (bx1 - sc.vx) * t,
                        sc.horizon + (by0 + (by1 - by0) * fy - sc.horizon) * t,
                    )
                )
            d.polygon(pts, fill=sc.c((170, 130, 96)), outline=INK, width=sc.lw(1.2))
        return
    back = room(sc, (236, 230, 210), (186, 150, 110), (244, 242, 234), back=0.42)
    side_windows(sc, back, -1, 3, sky)
    bx0, by0, bx1, by1 = back
    # chalkboard with scribbles
    cb = (
        bx0 + (bx1 - bx0) * 0.12,
        by0 + (by1 - by0) * 0.22,
        bx1 - (bx1 - bx0) * 0.12,
        by0 + (by1 - by0) * 0.62,
    )
    d.rectangle(cb, fill=sc.c((46, 86, 68)), outline=INK, width=sc.lw(1.5))
    for _ in range(5):
        y = r.uniform(cb[1] + sc.s * 6, cb[3] - sc.s * 6)
        x0 = r.uniform(cb[0] + sc.s * 6, (cb[0] + cb[2]) / 2)
        d.line(
            [(x0, y), (x0 + (cb[2] - cb[0]) * r.uniform(0.1, 0.35), y)],
            fill=sc.c((220, 232, 220)),
            width=sc.lw(1),
        )
    # desks in perspective rows
    for row in range(3):
        t = 1.3 + row * 0.9
        for col in (-2, -1, 0, 1):
            cx = sc.vx + (bx0 + (bx1 - bx0) * (col + 2.5) / 4 - sc.vx) * t * 1.35
            cy = sc.horizon + (by1 - sc.horizon) * t * 0.9
            dw = (bx1 - bx0) * 0.12 * t
            dh = dw * 0.35
            d.polygon(
                [(cx - dw, cy), (cx + dw, cy), (cx + dw * 1.1, cy + dh), (cx - dw * 1.1, cy + dh)],
                fill=sc.c((200, 170, 120)),
                outline=INK,
                width=sc.lw(1),
            )
            d.rectangle(
                (cx - dw * 1.05, cy + dh, cx + dw * 1.05, cy + dh * 1.3),
                fill=sc.c((150, 120, 90)),
                outline=INK,
                width=sc.lw(0.8),
            )
            for lx in (cx - dw * 0.9, cx + dw * 0.9):
                d.line([(lx, cy + dh * 1.3), (lx, cy + dh * 3.2)], fill=INK, width=sc.lw(1))


def draw_lab(sc: Scene) -> None:
    r, d = sc.rng, sc.d
    back = room(sc, (200, 212, 220), (150, 160, 170), (220, 226, 232), back=0.4)
    bx0, by0, bx1, by1 = back
    # wall panels
    for i in range(1, 6):
        x = bx0 + (bx1 - bx0) * i / 6
        d.line([(x, by0), (x, by1)], fill=sc.c((160, 172, 182)), width=sc.lw(0.8))
    # screens with charts
    for i in range(3):
        x0 = bx0 + (bx1 - bx0) * (0.06 + i * 0.32)
        sw, shh = (bx1 - bx0) * 0.26, (by1 - by0) * 0.3
        y0 = by0 + (by1 - by0) * 0.18
        d.rectangle(
            (x0, y0, x0 + sw, y0 + shh), fill=sc.c((20, 40, 54)), outline=INK, width=sc.lw(1.5)
        )
        pts = [(x0 + sw * k / 8, y0 + shh * (0.75 - 0.5 * r.random())) for k in range(9)]
        d.line(pts, fill=sc.c((90, 230, 200)), width=sc.lw(1))
        for k in range(3):
            d.line(
                [
                    (x0 + sw * 0.08, y0 + shh * (0.15 + 0.1 * k)),
                    (x0 + sw * 0.4, y0 + shh * (0.15 + 0.1 * k)),
                ],
                fill=sc.c((120, 200, 240)),
                width=sc.lw(0.8),
            )
    # specimen tubes on the side walls
    for side in (-1, 1):
        x = sc.vx + side * sc.w * 0.36
        y1 = sc.h * 0.82
        tw, th = sc.w * 0.06, sc.h * 0.5
        liquid = sc.c((120, 220, 180) if side < 0 else (140, 180, 240))
        d.rectangle((x - tw, y1 - th, x + tw, y1), fill=liquid, outline=INK, width=sc.lw(1.2))
        d.rectangle(
            (x - tw * 1.2, y1 - th - sc.h * 0.04, x + tw * 1.2, y1 - th),
            fill=sc.c((110, 116, 128)),
            outline=INK,
            width=sc.lw(1),
        )
        d.rectangle(
            (x - tw * 1.2, y1, x + tw * 1.2, y1 + sc.h * 0.05),
            fill=sc.c((110, 116, 128)),
            outline=INK,
            width=sc.lw(1),
        )
        d.line(
            [(x - tw * 0.6, y1 - th * 0.95), (x - tw * 0.6, y1 - th * 0.1)],
            fill=lighter(liquid, 0.5),
            width=sc.lw(2),
        )
        for _ in range(5):
            bx, by = x + r.uniform(-0.6, 0.6) * tw, y1 - r.uniform(0.1, 0.9) * th
            rr = sc.s * r.uniform(1.5, 3)
            d.ellipse(
                (bx - rr, by - rr, bx + rr, by + rr), outline=lighter(liquid, 0.6), width=sc.lw(0.8)
            )
    # ceiling light strips
    for depth in (1.4, 2.4):
        y = sc.horizon + (by0 - sc.horizon) * depth
        xw = (bx1 - bx0) * 0.3 * depth
        d.rectangle(
            (sc.vx - xw, y - sc.s * 3, sc.vx + xw, y + sc.s * 3),
            fill=sc.c((250, 252, 255)),
            outline=INK,
            width=sc.lw(0.8),
        )


def draw_space(sc: Scene) -> None:
    r, d = sc.rng, sc.d
    top, bottom = sc.c((8, 8, 24)), sc.c((38, 24, 70))
    vgradient(sc.img, (0, 0, sc.w, int(sc.horizon) + 2), (top, mix(top, bottom, 0.5), bottom))
    for _ in range(4):  # nebula haze
        x, y, rr = r.uniform(0, sc.w), r.uniform(0, sc.horizon), sc.w * r.uniform(0.08, 0.2)
        d.ellipse(
            (x - rr, y - rr * 0.5, x + rr, y + rr * 0.5),
            fill=mix(bottom, sc.c(r.choice([(120, 60, 140), (50, 80, 150)])), 0.35),
        )
    stars = [
        (r.random() * sc.w, r.random() * sc.horizon) for _ in range(int(220 * sc.w / 1536) + 30)
    ]
    d.point(stars, fill=sc.c((240, 240, 255)))
    for x, y in stars[:10]:
        k = sc.s * 4
        d.line([(x - k, y), (x + k, y)], fill=sc.c((255, 255, 255)), width=sc.lw(0.7))
        d.line([(x, y - k), (x, y + k)], fill=sc.c((255, 255, 255)), width=sc.lw(0.7))
    # planet with bands and a ring
    px, py = sc.w * r.uniform(0.2, 0.8), sc.horizon * r.uniform(0.3, 0.55)
    pr = sc.h * (0.26 if sc.establishing else 0.17)
    pc = sc.c(r.choice([(210, 140, 90), (110, 160, 210), (170, 120, 190), (120, 190, 160)]))
    d.ellipse(
        (px - pr * 2.1, py - pr * 0.42, px + pr * 2.1, py + pr * 0.42),
        outline=sc.c(lighter(pc, 0.4)),
        width=sc.lw(3),
    )
    d.ellipse((px - pr, py - pr, px + pr, py + pr), fill=pc, outline=INK, width=sc.lw(1.2))
    for k in range(3):
        y = py - pr * 0.5 + k * pr * 0.45
        hw = math.sqrt(max(0.0, pr * pr - (y - py) ** 2))
        d.line(
            [(px - hw * 0.95, y), (px + hw * 0.95, y)], fill=darker(pc, 0.85), width=int(pr * 0.12)
        )
    d.chord((px - pr, py - pr, px + pr, py + pr), 300, 120, fill=darker(pc, 0.7))
    d.arc(
        (px - pr * 2.1, py - pr * 0.42, px + pr * 2.1, py + pr * 0.42),
        0,
        180,
        fill=sc.c(lighter(pc, 0.4)),
        width=sc.lw(3),
    )
    # station deck: metal floor with a perspective grid and a window rail
    draw_ground(sc, (70, 76, 96), (128, 136, 154))
    draw_rays(sc, sc.c((52, 58, 76)), 18, 3.0, 0.8)
    depth_lines(sc, sc.c((52, 58, 76)), 7)
    d.rectangle(
        (0, sc.horizon - sc.s * 5, sc.w, sc.horizon + sc.s * 2),
        fill=sc.c((90, 96, 118)),
        outline=INK,
        width=sc.lw(1),
    )
    for i in range(0, 9):
        x = sc.w * i / 8
        d.line([(x, 0), (x, sc.horizon)], fill=sc.c((80, 86, 104)), width=sc.lw(4))
        d.line([(x, 0), (x, sc.horizon)], fill=INK, width=sc.lw(0.8))
    for _ in range(6):
        x = sc.w * r.uniform(0.05, 0.95)
        y = sc.horizon + (sc.h - sc.horizon) * r.uniform(0.2, 0.8)
        d.rectangle(
            (x - sc.s * 3, y - sc.s * 1, x + sc.s * 3, y + sc.s * 1), fill=sc.c((110, 220, 240))
        )
