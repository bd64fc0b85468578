"""Hair for :func:`mangaflow.manga.art.figures.draw_figure`: the mass behind the head
(long, bob, ponytails, bun, volume) and the front — crown, spikes, fringe, highlights and
the single upright strand. Coordinates are head units mapped to pixels by ``P``."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from PIL import ImageDraw

from mangaflow.manga.art.colour import INK
from mangaflow.manga.art.look import Look
from mangaflow.manga.art.shapes import Point, circle, ellipse_pts, polygon, taper


def back_hair(
    d: ImageDraw.ImageDraw,
    look: Look,
    P: Callable[[float, float], Point],
    hc: float,
    rx: float,
    ry: float,
    o: float,
    wind: float,
) -> None:
    col = look.hair_dark
    st = look.hair_style

    def PS(pts: Sequence[Point]) -> list[Point]:
        return [P(x, y) for x, y in pts]

    if st == "long":
        top = ellipse_pts(0.0, hc + 0.02, rx + 0.1, ry + 0.08, 0, 180, 14)
        bottom_y = hc - 2.2
        sway = -wind * 0.5
        side = [
            (-rx - 0.16, hc - 0.5),
            (-rx - 0.22 + sway, hc - 1.3),
            (-0.5 + sway, bottom_y),
            (-0.3 + sway, bottom_y + 0.22),
            (-0.12 + sway, bottom_y - 0.05),
            (0.08 + sway, bottom_y + 0.22),
            (0.3 + sway, bottom_y),
            (0.5 + sway, bottom_y + 0.25),
            (rx + 0.2 + sway, hc - 1.3),
            (rx + 0.16, hc - 0.5),
        ]
        polygon(d, PS(top + side), col, o)
    elif st == "bob":
        top = ellipse_pts(0.0, hc + 0.02, rx + 0.12, ry + 0.08, 0, 180, 14)
        side = [
            (-rx - 0.14, hc - 0.45),
            (-rx - 0.02, hc - 0.6),
            (rx + 0.02, hc - 0.6),
            (rx + 0.14, hc - 0.45),
        ]
        polygon(d, PS(top + side), col, o)
    elif st in ("ponytail", "twintails"):
        sides = (look.tail_side,) if st == "ponytail" else (-1, 1)
        for sd in sides:
            root = (sd * (rx - 0.12), hc + (0.34 if st == "ponytail" else 0.15))
            sway = -wind * 0.7
            mid = (sd * (rx + 0.22) + sway * 0.5, hc - 0.15)
            end = (sd * (rx + 0.2) + sway, hc - (1.3 if st == "ponytail" else 1.8))
            tip = (sd * (rx + 0.08) + sway * 1.2, hc - (1.6 if st == "ponytail" else 2.1))
            spine = [root, mid, end, tip]
            polygon(d, PS(taper(spine, [0.1, 0.15, 0.1, 0.01])), look.hair, o)
            d.line(
                PS(
                    [
                        (root[0] + sd * 0.05, root[1] - 0.1),
                        (mid[0], mid[1] - 0.1),
                        (end[0], end[1] + 0.2),
                    ]
                ),
                fill=look.hair_dark,
                width=max(1, int(o * 0.6)),
                joint="curve",
            )
            circle(d, P(*root), 0.07 * abs(P(0, 0)[1] - P(0, 1)[1]), look.accent)
    elif st == "bun":
        c = P(0.0, hc + ry + 0.08)
        r = 0.2 * abs(P(0, 0)[1] - P(0, 1)[1])
        circle(d, c, r + o, INK)
        circle(d, c, r, look.hair)
    else:
        # short / spiky / messy: a little volume behind the ears
        top = ellipse_pts(0.0, hc + 0.02, rx + 0.08, ry + 0.06, -20, 200, 14)
        polygon(d, PS(top), col, o)


def front_hair(
    d: ImageDraw.ImageDraw,
    look: Look,
    P: Callable[[float, float], Point],
    hc: float,
    rx: float,
    ry: float,
    o: float,
    fpx: float,
    wind: float,
) -> None:
    R, Ry = rx + 0.07, ry + 0.07
    lock = look.side_lock
    pts: list[Point] = [(R - 0.02, hc - lock)]
    if look.spikes:
        # crown of spikes between the base ellipse and outward tips
        base = ellipse_pts(0.0, hc + 0.03, R, Ry, -20, 200, 24)
        pts += base[:1]
        for ang, ln in look.spikes:
            a0, a1 = ang - 9, ang + 9
            p0 = (R * math.cos(math.radians(a0)), hc + 0.03 + Ry * math.sin(math.radians(a0)))
            # tips sweep back against the wind and slightly up
            ta = math.radians(ang + 12 * (1 if ang > 90 else -1) * 0.5)
            tip = ((R + ln) * math.cos(ta) - wind * ln * 0.6, hc + 0.03 + (Ry + ln) * math.sin(ta))
            p1 = (R * math.cos(math.radians(a1)), hc + 0.03 + Ry * math.sin(math.radians(a1)))
            pts += [p0, tip, p1]
        pts += base[-1:]
    else:
        pts += ellipse_pts(0.0, hc + 0.03, R, Ry, -10, 190, 22)
    pts.append((-R + 0.02, hc - lock))
    pts.append((-rx + 0.1, hc - lock * 0.6))
    pts.append((-rx + 0.08, hc + 0.08))
    for bx, drop in look.bangs:
        pts.append((bx, hc + 0.3 - drop))
    pts.append((rx - 0.08, hc + 0.08))
    pts.append((rx - 0.1, hc - lock * 0.6))
    poly = [P(x, y) for x, y in pts]
    polygon(d, poly, look.hair, o)

    if fpx >= 22:
        # shadow under the fringe and the "angel ring" highlight
        ring = ellipse_pts(0.0, hc + 0.1, R * 0.7, Ry * 0.62, 35, 145, 10)
        for seg in (ring[0:4], ring[4:7], ring[7:11]):
            widths = [0.0] + [0.028] * (len(seg) - 2) + [0.0]
            d.polygon([P(x, y) for x, y in taper(seg, widths)], fill=look.hair_light)
        # strand lines
        for bx, drop in look.bangs[1::2]:
            d.line(
                [P(bx * 0.6, hc + 0.42), P(bx, hc + 0.3 - drop + 0.05)],
                fill=look.hair_dark,
                width=max(1, int(o * 0.5)),
            )
    if look.ahoge:
        a = look.ahoge
        strand = [(0.02 * a, hc + Ry + 0.02), (0.15 * a, hc + Ry + 0.28), (0.3 * a, hc + Ry + 0.22)]
        polygon(d, [P(x, y) for x, y in taper(strand, [0.05, 0.035, 0.005])], look.hair, o * 0.8)
