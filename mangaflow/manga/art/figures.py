"""Stylised manga characters for :mod:`mangaflow.manga.art.engine`.

A character's *look* comes from :mod:`.look` (so the same character looks the same in
every panel); pose, expression, size and facing come from the panel. Hair is drawn by
:mod:`.hair` and the face by :mod:`.faces`.

Figures are built from ImageDraw primitives in "head units": ``x`` across the body
(positive = the side the figure faces), ``y`` up from the feet. :func:`draw_figure`
maps those to pixels.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from PIL import ImageDraw

from mangaflow.manga.art.colour import INK, WHITE, darker, mix
from mangaflow.manga.art.faces import draw_face
from mangaflow.manga.art.hair import back_hair, front_hair
from mangaflow.manga.art.look import Look
from mangaflow.manga.art.shapes import Point, capsule, circle, ellipse_pts, polygon, taper

# --------------------------------------------------------------------------- poses


# (upper, fore) angles in degrees for the back arm and the front arm, then
# (thigh, shin) for the back and front leg. 0 = straight down, +90 = towards the
# facing side, 180 = straight up.
POSES: dict[
    str, tuple[tuple[float, float], tuple[float, float], tuple[float, float], tuple[float, float]]
] = {
    "stand": ((-12, -5), (12, 5), (-4, -2), (4, 2)),
    "hip": ((-12, -5), (42, -48), (-5, -2), (6, 2)),
    "wave": ((-12, -5), (140, 172), (-4, -2), (4, 2)),
    "point": ((-14, -4), (80, 86), (-5, -2), (8, 3)),
    "cheer": ((-150, -170), (150, 170), (-8, -4), (8, 4)),
    "fight": ((-25, 105), (55, 130), (-24, -6), (26, 6)),
    "punch": ((-45, 55), (86, 90), (-32, -10), (40, 8)),
    "run": ((-50, 10), (55, 125), (-40, -95), (60, -5)),
    "leap": ((-70, -20), (80, 92), (-30, -100), (75, 10)),
    "brace": ((-30, 120), (40, 150), (-34, -4), (34, 4)),
    "slump": ((-4, -2), (4, 2), (-3, -1), (3, 1)),
}

AIRBORNE = {"leap"}


def body_lift(look: Look, pose: str) -> float:
    """How far (in heads) the pose lifts the figure so its lowest foot rests on the ground."""
    _, _, back_leg, front_leg = POSES.get(pose, POSES["stand"])
    if pose in AIRBORNE:
        return 0.35
    n = look.heads
    lowest = min(
        0.47 * n - 0.245 * n * math.cos(math.radians(a)) - 0.225 * n * math.cos(math.radians(b))
        for a, b in (back_leg, front_leg)
    )
    return -lowest + 0.06


def _dir(angle: float) -> Point:
    a = math.radians(angle)
    return (math.sin(a), -math.cos(a))


@dataclass
class Figure:
    """Where a figure ended up (for shadows, impact bursts, focus lines)."""

    head: Point
    head_r: float
    feet: Point
    hand: Point


def draw_figure(
    d: ImageDraw.ImageDraw,
    look: Look,
    cx: float,
    fy: float,
    hh: float,
    *,
    facing: int = 1,
    pose: str = "stand",
    expression: str = "neutral",
    lean: float = 0.0,
    s: float = 1.0,
    wind: float = 0.0,
) -> Figure:
    """Draw ``look`` with its feet centred on ``(cx, fy)`` and a head ``hh`` px tall.

    ``s`` is the supersampling factor (final px → canvas px) used for detail levels and
    line widths. ``lean`` shears the body towards ``facing``; ``wind`` blows hair and
    scarves backwards (action)."""
    facing = 1 if facing >= 0 else -1
    N = look.heads
    o = min(max(s * 0.9, hh * 0.045), s * 3.2)  # outline width
    fpx = hh / s  # head height in final pixels → level of detail
    back_arm, front_arm, back_leg, front_leg = POSES.get(pose, POSES["stand"])

    hip_y = 0.47 * N
    thigh, shin = 0.245 * N, 0.225 * N
    hip_x = look.hip * 0.5

    def leg(sign: float, ang: tuple[float, float]) -> list[Point]:
        h = (sign * hip_x, hip_y)
        u = _dir(ang[0])
        k = (h[0] + u[0] * thigh, h[1] + u[1] * thigh)
        v = _dir(ang[1])
        a = (k[0] + v[0] * shin, k[1] + v[1] * shin)
        return [h, k, a]

    legs = [leg(-1, back_leg), leg(1, front_leg)]
    lift = body_lift(look, pose)

    def P(x: float, y: float) -> Point:
        y2 = y + lift
        return (cx + facing * (x + lean * y2) * hh, fy - y2 * hh)

    def PS(pts: Sequence[Point]) -> list[Point]:
        return [P(x, y) for x, y in pts]

    head_cy = N - 0.47
    hrx, hry = 0.43, 0.48
    ys = N - 1.2  # shoulder line
    waist_y = hip_y + 0.5
    sw, ww, hw = look.shoulder, look.waist, look.hip
    limb = look.limb * hh
    upper, fore = 0.2 * N, 0.18 * N

    def arm(sign: float, ang: tuple[float, float]) -> list[Point]:
        sh = (sign * (sw - look.limb * 0.55), ys - 0.1)
        u = _dir(ang[0])
        e = (sh[0] + u[0] * upper, sh[1] + u[1] * upper)
        v = _dir(ang[1])
        h = (e[0] + v[0] * fore, e[1] + v[1] * fore)
        return [sh, e, h]

    arms = [arm(-1, back_arm), arm(1, front_arm)]
    simple = fpx < 16

    # -- hair behind the body
    back_hair(d, look, P, head_cy, hrx, hry, o, wind * facing)

    # -- scarf tail behind
    if look.accessory == "scarf":
        t = []
        for k in range(7):  # a ribbon trailing back and down, rippling in the wind
            u = k / 6
            t.append(
                (
                    -0.1 - u * (0.7 + wind * 1.6) + 0.06 * math.sin(u * 7.0) * (1 - wind * 0.5),
                    ys + 0.1 - u * (1.0 - wind * 0.55) + 0.08 * wind * math.sin(u * 9.0),
                )
            )
        polygon(
            d,
            PS(taper(t, [0.15, 0.16, 0.16, 0.15, 0.14, 0.13, 0.12])),
            darker(look.accent, 0.85),
            o,
        )

    # -- legs (robes cover them)
    if look.build != "robed":
        for lg in legs:
            pts = PS(lg)
            capsule(d, pts, limb * 1.05, look.legwear if not look.skirt else look.skin, o)
            ax, ay = pts[2]
            fw = limb * 0.95
            toe = (ax + facing * fw * 1.2, ay + fw * 0.25)
            shoe = [
                (ax - facing * fw * 0.6, ay - fw * 0.55),
                (ax + facing * fw * 0.4, ay - fw * 0.6),
                toe,
                (toe[0], ay + fw * 0.6),
                (ax - facing * fw * 0.7, ay + fw * 0.6),
            ]
            polygon(d, shoe, look.shoes, o)
            if look.skirt and not simple:
                sock_top = (
                    pts[1][0] * 0.55 + pts[2][0] * 0.45,
                    pts[1][1] * 0.55 + pts[2][1] * 0.45,
                )
                d.line([sock_top, pts[2]], fill=look.legwear, width=max(1, int(limb * 1.05)))

    # -- torso
    torso = [
        (-sw + 0.12, ys + 0.06),
        (-sw * 0.55, ys + 0.1),
        (sw * 0.55, ys + 0.1),
        (sw - 0.12, ys + 0.06),
        (sw, ys - 0.18),
        (ww, waist_y),
        (-ww, waist_y),
        (-sw, ys - 0.18),
    ]
    if look.build == "robed":
        robe = [(-sw, ys - 0.1), (sw, ys - 0.1), (hw * 1.25, 0.1), (-hw * 1.25, 0.1)]
        polygon(d, PS(robe), look.outfit, o)
        polygon(
            d,
            PS([(-sw * 0.2, ys), (-hw * 0.9, 0.1), (-hw * 1.25, 0.1), (-sw, ys - 0.1)]),
            look.outfit_dark,
            0,
        )
        d.line(
            PS([(0.0, ys + 0.05), (0.12, waist_y), (0.2, 0.1)]),
            fill=INK,
            width=max(1, int(o * 0.8)),
        )
        polygon(
            d,
            PS(
                [
                    (-ww * 1.05, waist_y + 0.2),
                    (ww * 1.05, waist_y + 0.2),
                    (ww * 1.08, waist_y - 0.1),
                    (-ww * 1.08, waist_y - 0.1),
                ]
            ),
            look.accent,
            o * 0.8,
        )
    else:
        pelvis = [
            (-ww, waist_y + 0.02),
            (ww, waist_y + 0.02),
            (hw, hip_y),
            (0.0, hip_y - 0.12),
            (-hw, hip_y),
        ]
        polygon(d, PS(pelvis), look.legwear, o)
        if look.skirt:
            skirt_y = hip_y - 0.05 - 0.1 * N
            polygon(
                d,
                PS([(-ww, waist_y), (ww, waist_y), (hw * 1.5, skirt_y), (-hw * 1.5, skirt_y)]),
                look.accent if look.accent != look.outfit else look.outfit_dark,
                o,
            )
    polygon(d, PS(torso), look.outfit, o)
    # shaded side
    polygon(
        d,
        PS(
            [
                (-sw + 0.05, ys - 0.15),
                (-sw * 0.45, ys - 0.05),
                (-ww * 0.5, waist_y + 0.05),
                (-ww + 0.03, waist_y + 0.05),
            ]
        ),
        look.outfit_dark,
        0,
    )
    d.polygon(PS(torso), outline=INK, width=max(1, int(round(o))))
    if not simple:
        # collar: a shirt V in the accent colour (or white)
        shirt = WHITE if look.build != "armored" else look.outfit_dark
        polygon(d, PS([(-0.2, ys + 0.08), (0.2, ys + 0.08), (0.0, ys - 0.38)]), shirt, o * 0.8)
        if look.build != "robed":
            polygon(
                d,
                PS(
                    [
                        (-ww - 0.02, waist_y + 0.14),
                        (ww + 0.02, waist_y + 0.14),
                        (ww + 0.02, waist_y - 0.02),
                        (-ww - 0.02, waist_y - 0.02),
                    ]
                ),
                mix(look.accent, INK, 0.25),
                o * 0.8,
            )
        if look.build == "armored":
            for sign in (-1, 1):
                pad = ellipse_pts(sign * (sw - 0.12), ys - 0.05, 0.36, 0.24, 180, 360, 10)
                polygon(d, PS(pad), look.accent, o)
            d.line(
                PS([(-ww * 0.8, ys - 0.6), (0.0, ys - 0.75), (ww * 0.8, ys - 0.6)]),
                fill=INK,
                width=max(1, int(o * 0.8)),
            )

    # -- neck
    neck = [(-0.12, N - 0.9), (0.12, N - 0.9), (0.13, ys + 0.02), (-0.13, ys + 0.02)]
    polygon(d, PS(neck), look.skin_dark, o * 0.8)
    if look.accessory == "scarf":
        band = [(-0.3, ys + 0.12), (0.3, ys + 0.12), (0.4, ys - 0.08), (-0.4, ys - 0.08)]
        polygon(d, PS(band), look.accent, o * 0.8)
        knot = [
            (0.1, ys - 0.04),
            (0.26, ys - 0.04),
            (0.3, ys - 0.55),
            (0.2, ys - 0.49),
            (0.1, ys - 0.57),
        ]
        polygon(d, PS(knot), darker(look.accent, 0.85), o * 0.8)
    elif look.accessory == "choker":
        band = [(-0.14, ys + 0.26), (0.14, ys + 0.26), (0.14, ys + 0.2), (-0.14, ys + 0.2)]
        polygon(d, PS(band), look.accent, o * 0.6)

    # -- arms (sleeve + forearm + hand)
    sleeve_w = limb * (1.5 if look.build == "robed" else 1.0)
    hands: list[Point] = []
    for a in arms:
        pts = PS(a)
        if look.sleeves == "short":
            capsule(d, pts[1:], limb * 0.85, look.skin, o)
            capsule(d, [pts[0], pts[1]], sleeve_w, look.outfit, o)
        else:
            capsule(d, pts, sleeve_w, look.outfit, o)
        hr = limb * 0.5
        circle(d, pts[2], hr + o, INK)
        circle(d, pts[2], hr, look.skin)
        hands.append(pts[2])

    # -- head
    # cranium (top half of an ellipse) and a jaw tapering to a pointed chin
    jaw = [
        (-hrx, head_cy - 0.02),
        (-hrx + 0.02, head_cy - 0.2),
        (-hrx + 0.1, head_cy - 0.38),
        (-0.16, head_cy - 0.5),
        (0.0, head_cy - 0.55),
        (0.16, head_cy - 0.5),
        (hrx - 0.1, head_cy - 0.38),
        (hrx - 0.02, head_cy - 0.2),
        (hrx, head_cy - 0.02),
    ]
    head_poly = PS(ellipse_pts(0.0, head_cy, hrx, hry, 0, 180, 16) + jaw)
    if not simple:
        # ears
        for sign in (-1, 1):
            ear = ellipse_pts(sign * (hrx - 0.01), head_cy - 0.12, 0.07, 0.12, 0, 360, 10)
            polygon(d, PS(ear), look.skin, o * 0.8)
    polygon(d, head_poly, look.skin, o)

    if not simple:
        draw_face(d, look, P, head_cy, hh, o, fpx, facing, expression)
    else:
        # tiny figures: two eye dots are enough
        for sign in (-1, 1):
            e = P(sign * 0.17 + 0.04, head_cy - 0.16)
            circle(d, e, max(1.0, hh * 0.06), INK)

    front_hair(d, look, P, head_cy, hrx, hry, o, fpx, wind * facing)

    if look.accessory == "headband":
        band = ellipse_pts(0.0, head_cy + 0.2, hrx + 0.06, 0.12, 200, 340, 8)
        d.line(PS(band), fill=look.accent, width=max(1, int(hh * 0.09)))
        if wind:
            tail = [
                (-hrx - 0.02, head_cy + 0.2),
                (-hrx - 0.5, head_cy + 0.1 + 0.2 * wind),
                (-hrx - 0.9, head_cy + 0.25),
            ]
            polygon(d, PS(taper(tail, [0.06, 0.05, 0.02])), look.accent, o * 0.8)
    elif look.accessory == "ribbon":
        side = look.tail_side
        c = (side * 0.34, head_cy + 0.38)
        for dx in (-1, 1):
            bow = [c, (c[0] + dx * 0.22, c[1] + 0.12), (c[0] + dx * 0.22, c[1] - 0.1)]
            polygon(d, PS(bow), look.accent, o * 0.8)
        circle(d, P(*c), hh * 0.04, darker(look.accent))

    head_c = P(0.0, head_cy)
    return Figure(head=head_c, head_r=hry * hh, feet=P(0.0, 0.0), hand=hands[1])
