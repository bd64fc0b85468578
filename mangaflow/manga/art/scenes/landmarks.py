"""Built landmarks: castle, arena, shrine and ruins."""

from __future__ import annotations

import math

from mangaflow.manga.art.colour import INK, RGB, darker, mix
from mangaflow.manga.art.scenes.base import Scene
from mangaflow.manga.art.scenes.elements import (
    depth_lines,
    draw_bumps,
    draw_celestial,
    draw_ground,
    draw_rays,
    draw_sky,
    quad,
)


def draw_castle(sc: Scene) -> None:
    top, bottom = draw_sky(sc)
    draw_celestial(sc, bottom)
    r, d = sc.rng, sc.d
    hill_c = sc.c(mix((110, 140, 110), bottom, 0.3))
    draw_bumps(sc, sc.horizon, sc.h * 0.1, hill_c, 4)
    stone, stone_d = sc.c((176, 170, 160)), sc.c((138, 132, 124))
    roof = sc.c(r.choice([(70, 80, 140), (150, 60, 60), (60, 100, 90)]))
    cx = sc.vx + sc.w * r.uniform(-0.1, 0.1)
    scale = 1.0 if sc.establishing else 1.35
    base_y = sc.horizon + sc.h * 0.02
    kw, kh = sc.w * 0.2 * scale, sc.h * 0.3 * scale

    def battlement(x0: float, x1: float, y: float, fill: RGB) -> None:
        m = (x1 - x0) / 9
        for i in range(0, 9, 2):
            d.rectangle(
                (x0 + i * m, y - m * 0.9, x0 + (i + 1) * m, y),
                fill=fill,
                outline=INK,
                width=sc.lw(0.8),
            )

    # curtain wall
    ww, wh = sc.w * 0.42 * scale, kh * 0.45
    d.rectangle((cx - ww, base_y - wh, cx + ww, base_y), fill=stone_d, outline=INK, width=sc.lw(1))
    battlement(cx - ww, cx + ww, base_y - wh, stone_d)
    # keep
    d.rectangle(
        (cx - kw / 2, base_y - kh, cx + kw / 2, base_y), fill=stone, outline=INK, width=sc.lw(1.2)
    )
    battlement(cx - kw / 2, cx + kw / 2, base_y - kh, stone)
    gate_w = kw * 0.18
    d.rectangle(
        (cx - gate_w, base_y - kh * 0.25, cx + gate_w, base_y),
        fill=sc.c((50, 40, 40)),
        outline=INK,
        width=sc.lw(1),
    )
    d.chord(
        (cx - gate_w, base_y - kh * 0.25 - gate_w, cx + gate_w, base_y - kh * 0.25 + gate_w),
        180,
        360,
        fill=sc.c((50, 40, 40)),
        outline=INK,
        width=sc.lw(1),
    )
    for i in range(3):
        wx = cx - kw * 0.3 + i * kw * 0.3
        d.rectangle(
            (wx - sc.s * 3 * scale, base_y - kh * 0.7, wx + sc.s * 3 * scale, base_y - kh * 0.55),
            fill=sc.c((40, 34, 40)),
        )
    # towers with cone roofs and flags
    for side in (-1, 1):
        for k, off in enumerate((0.55, 1.0)):
            tx = cx + side * ww * off
            tw, th = sc.w * 0.045 * scale, kh * (1.15 - 0.25 * k)
            d.rectangle(
                (tx - tw, base_y - th, tx + tw, base_y),
                fill=stone if k else stone_d,
                outline=INK,
                width=sc.lw(1),
            )
            cone = [
                (tx - tw * 1.3, base_y - th),
                (tx, base_y - th - tw * 2.8),
                (tx + tw * 1.3, base_y - th),
            ]
            quad(sc, cone, roof, True, 1)
            fy = base_y - th - tw * 2.8
            d.line([(tx, fy), (tx, fy - tw * 1.2)], fill=INK, width=sc.lw(1))
            d.polygon(
                [(tx, fy - tw * 1.2), (tx + side * tw * 1.1, fy - tw * 0.95), (tx, fy - tw * 0.7)],
                fill=sc.c((210, 60, 60)),
            )
            d.rectangle(
                (tx - sc.s * 2, base_y - th * 0.7, tx + sc.s * 2, base_y - th * 0.58),
                fill=sc.c((40, 34, 40)),
            )
    # courtyard flagstones
    draw_ground(sc, (150, 144, 128), (184, 176, 156))
    draw_rays(sc, sc.c((128, 122, 108)), 16, 3.0, 0.8)
    depth_lines(sc, sc.c((128, 122, 108)), 7)


def draw_arena(sc: Scene) -> None:
    top, bottom = draw_sky(sc)
    r, d = sc.rng, sc.d
    wall_y = sc.horizon
    stand_top = sc.horizon - sc.h * 0.32
    # spotlight beams rising from the top of the stands into the sky
    beam = mix(sc.c((255, 250, 220)), top, 0.55)
    for side in (-1, 1):
        x = sc.vx + side * sc.w * 0.3
        tip = x + side * sc.w * 0.25
        d.polygon(
            [
                (x - sc.w * 0.012, stand_top),
                (x + sc.w * 0.012, stand_top),
                (tip + sc.w * 0.06, -5),
                (tip - sc.w * 0.06, -5),
            ],
            fill=beam,
        )
    # tiers of stands with a crowd of heads
    tiers = 5
    for i in range(tiers):
        y0 = stand_top + (wall_y - stand_top) * i / tiers
        y1 = stand_top + (wall_y - stand_top) * (i + 1) / tiers
        d.rectangle((0, y0, sc.w, y1), fill=sc.c((120, 110, 120) if i % 2 else (140, 128, 136)))
        d.line([(0, y1), (sc.w, y1)], fill=INK, width=sc.lw(0.8))
        hr = (y1 - y0) * 0.28
        x = r.uniform(0, hr * 2)
        while x < sc.w:
            col = sc.c(
                r.choice(
                    [
                        (240, 210, 180),
                        (200, 160, 130),
                        (60, 50, 50),
                        (220, 180, 90),
                        (160, 90, 80),
                        (80, 100, 160),
                    ]
                )
            )
            cy = y1 - hr * 1.3 + r.uniform(-1, 1) * hr * 0.2
            d.ellipse((x - hr, cy - hr, x + hr, cy + hr), fill=col)
            d.rectangle((x - hr * 1.1, cy + hr * 0.6, x + hr * 1.1, y1), fill=darker(col, 0.6))
            x += hr * r.uniform(2.1, 2.8)
    # banners
    for i in range(4):
        x = sc.w * (i + 0.5) / 4
        d.polygon(
            [
                (x - sc.w * 0.03, stand_top - sc.h * 0.02),
                (x + sc.w * 0.03, stand_top - sc.h * 0.02),
                (x + sc.w * 0.03, stand_top + sc.h * 0.1),
                (x, stand_top + sc.h * 0.08),
                (x - sc.w * 0.03, stand_top + sc.h * 0.1),
            ],
            fill=sc.c([(200, 50, 50), (50, 80, 180)][i % 2]),
            outline=INK,
            width=sc.lw(1),
        )
    # arena wall
    d.rectangle(
        (0, wall_y - sc.h * 0.02, sc.w, wall_y + sc.h * 0.06),
        fill=sc.c((150, 120, 96)),
        outline=INK,
        width=sc.lw(1.2),
    )
    for i in range(12):
        x = sc.w * i / 12
        d.line([(x, wall_y - sc.h * 0.02), (x, wall_y + sc.h * 0.06)], fill=INK, width=sc.lw(0.6))
    sc.horizon = wall_y + sc.h * 0.06
    draw_ground(sc, (200, 176, 136), (226, 204, 160))
    ring_y = sc.horizon + (sc.h - sc.horizon) * 0.45
    d.ellipse(
        (
            sc.vx - sc.w * 0.55,
            ring_y - (sc.h - sc.horizon) * 0.3,
            sc.vx + sc.w * 0.55,
            ring_y + (sc.h - sc.horizon) * 0.55,
        ),
        outline=sc.c((170, 140, 100)),
        width=sc.lw(2),
    )


def draw_shrine(sc: Scene) -> None:
    top, bottom = draw_sky(sc)
    draw_celestial(sc, bottom)
    r, d = sc.rng, sc.d
    draw_bumps(sc, sc.horizon, sc.h * 0.22, sc.c(mix((70, 110, 80), bottom, 0.25)), 7)
    draw_ground(sc, (176, 168, 150), (150, 142, 128))
    # stone path with steps
    d.polygon(
        [
            (sc.vx - sc.w * 0.03, sc.horizon),
            (sc.vx + sc.w * 0.03, sc.horizon),
            (sc.w * 0.74, sc.h),
            (sc.w * 0.26, sc.h),
        ],
        fill=sc.c((204, 198, 186)),
        outline=INK,
        width=sc.lw(0.8),
    )
    for i in range(1, 9):
        t = (i / 9) ** 2
        y = sc.horizon + (sc.h - sc.horizon) * t
        hw = sc.w * 0.03 + (sc.w * 0.24 - sc.w * 0.03) * t
        d.line([(sc.vx - hw, y), (sc.vx + hw, y)], fill=INK, width=sc.lw(0.7))
    # torii gate
    red, black = sc.c((214, 70, 50)), sc.c((40, 34, 36))
    gx = sc.vx
    gw = sc.w * (0.2 if sc.establishing else 0.3)
    base = sc.horizon + (sc.h - sc.horizon) * (0.35 if sc.establishing else 0.5)
    gh = sc.h * (0.5 if sc.establishing else 0.72)
    pw = gw * 0.07
    for side in (-1, 1):
        px = gx + side * gw * 0.38
        quad(
            sc,
            [
                (px - pw, base),
                (px - pw * 0.8, base - gh),
                (px + pw * 0.8, base - gh),
                (px + pw, base),
            ],
            red,
            True,
            1.2,
        )
        d.rectangle(
            (px - pw * 1.2, base - pw * 0.8, px + pw * 1.2, base),
            fill=black,
            outline=INK,
            width=sc.lw(1),
        )
    nuki_y = base - gh * 0.78
    d.rectangle(
        (gx - gw * 0.5, nuki_y, gx + gw * 0.5, nuki_y + pw * 1.1),
        fill=red,
        outline=INK,
        width=sc.lw(1.2),
    )
    top_y = base - gh
    kasagi = [
        (gx - gw * 0.62, top_y - pw * 1.4),
        (gx - gw * 0.4, top_y - pw * 0.6),
        (gx + gw * 0.4, top_y - pw * 0.6),
        (gx + gw * 0.62, top_y - pw * 1.4),
        (gx + gw * 0.55, top_y + pw * 0.6),
        (gx - gw * 0.55, top_y + pw * 0.6),
    ]
    quad(sc, kasagi, black, True, 1.2)
    d.rectangle(
        (gx - gw * 0.5, top_y + pw * 0.6, gx + gw * 0.5, top_y + pw * 1.6),
        fill=red,
        outline=INK,
        width=sc.lw(1),
    )
    d.rectangle(
        (gx - pw * 0.9, top_y + pw * 1.6, gx + pw * 0.9, nuki_y),
        fill=black,
        outline=INK,
        width=sc.lw(1),
    )
    # stone lanterns
    for side in (-1, 1):
        lx = gx + side * gw * 0.75
        ly = base + (sc.h - base) * 0.3
        lw_ = gw * 0.06
        stone = sc.c((170, 166, 156))
        d.rectangle(
            (lx - lw_ * 0.4, ly - lw_ * 3, lx + lw_ * 0.4, ly),
            fill=stone,
            outline=INK,
            width=sc.lw(0.8),
        )
        d.rectangle(
            (lx - lw_ * 0.8, ly - lw_ * 4.2, lx + lw_ * 0.8, ly - lw_ * 3),
            fill=sc.c((250, 220, 150)),
            outline=INK,
            width=sc.lw(0.8),
        )
        quad(
            sc,
            [
                (lx - lw_ * 1.3, ly - lw_ * 4.2),
                (lx, ly - lw_ * 5.3),
                (lx + lw_ * 1.3, ly - lw_ * 4.2),
            ],
            stone,
            True,
            0.8,
        )
    # drifting petals
    for _ in range(24):
        x, y = r.uniform(0, sc.w), r.uniform(0, sc.h)
        pr = sc.s * r.uniform(2, 3.5)
        d.ellipse((x - pr, y - pr * 0.6, x + pr, y + pr * 0.6), fill=sc.c((250, 190, 210)))


def draw_ruins(sc: Scene) -> None:
    if sc.time == "day":
        sc.time = "overcast"
    top, bottom = draw_sky(sc)
    draw_celestial(sc, bottom)
    r, d = sc.rng, sc.d
    far = sc.c(mix((120, 116, 110), bottom, 0.4))
    x = -10.0
    while x < sc.w:  # distant broken walls
        bw, bh = sc.w * r.uniform(0.05, 0.15), sc.h * r.uniform(0.04, 0.14)
        d.polygon(
            [
                (x, sc.horizon),
                (x, sc.horizon - bh),
                (x + bw * 0.4, sc.horizon - bh * r.uniform(0.5, 1.0)),
                (x + bw * 0.7, sc.horizon - bh * r.uniform(0.2, 0.8)),
                (x + bw, sc.horizon),
            ],
            fill=far,
        )
        x += bw * r.uniform(1.0, 1.6)
    draw_ground(sc, (150, 140, 120), (128, 118, 100))
    draw_rays(sc, sc.c((110, 100, 86)), 12, 3.0, 0.6)
    stone = sc.c((206, 198, 180))
    for side in (-1, 1):
        for k in range(3):
            t = 1 / (1 + k * 0.8)
            cx = sc.vx + side * sc.w * (0.12 + 0.34 * t)
            by = sc.horizon + (sc.h * 0.86 - sc.horizon) * t
            cw, ch = sc.w * 0.035 * t, sc.h * r.uniform(0.35, 0.7) * t
            breaks = [by - ch * r.uniform(0.85, 1.0) for _ in range(3)]
            col = [
                (cx - cw, by),
                (cx - cw, breaks[0]),
                (cx - cw * 0.2, breaks[1]),
                (cx + cw * 0.4, breaks[2] + cw),
                (cx + cw, breaks[2]),
                (cx + cw, by),
            ]
            quad(sc, col, stone, True, 1)
            for f in (-0.45, 0.0, 0.45):
                d.line(
                    [(cx + cw * f, by), (cx + cw * f, min(breaks) + cw * 0.8)],
                    fill=darker(stone, 0.8),
                    width=sc.lw(0.7),
                )
            d.rectangle(
                (cx - cw * 1.3, by - cw * 0.6, cx + cw * 1.3, by),
                fill=darker(stone, 0.9),
                outline=INK,
                width=sc.lw(0.8),
            )
            if r.random() < 0.6:  # vines
                vx = cx + r.uniform(-0.5, 0.5) * cw
                d.line(
                    [
                        (vx + math.sin(i) * cw * 0.4, by - ch * 0.9 + i * ch * 0.09)
                        for i in range(9)
                    ],
                    fill=sc.c((70, 120, 60)),
                    width=sc.lw(1.2),
                )
    for _ in range(8):  # rubble
        x, y = r.uniform(0, sc.w), r.uniform(sc.horizon + sc.h * 0.08, sc.h)
        rr = sc.s * r.uniform(5, 14) * (y / sc.h)
        quad(
            sc,
            [(x - rr, y), (x - rr * 0.7, y - rr * 0.9), (x + rr * 0.8, y - rr * 0.7), (x + rr, y)],
            darker(stone, 0.85),
            True,
            0.8,
        )
