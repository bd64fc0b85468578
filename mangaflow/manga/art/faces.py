"""Faces for :func:`mangaflow.manga.art.figures.draw_figure`: eyes (simple dots and ovals,
or large manga eyes at full detail), brows, nose and mouth by expression, blush, scars,
glasses and tears. Coordinates are head units mapped to pixels by ``P``."""

from __future__ import annotations

import math
from collections.abc import Callable

from PIL import ImageDraw

from mangaflow.manga.art.colour import INK, WHITE, darker, lighter, mix
from mangaflow.manga.art.look import Look
from mangaflow.manga.art.shapes import Point


def draw_face(
    d: ImageDraw.ImageDraw,
    look: Look,
    P: Callable[[float, float], Point],
    hc: float,
    hh: float,
    o: float,
    fpx: float,
    facing: int,
    expression: str,
) -> None:
    gaze = 0.035
    ey = hc - 0.15
    full = fpx >= 38
    lw = max(1, int(round(o)))
    thin = max(1, int(round(o * 0.6)))
    for sign in (-1, 1):
        ex = sign * 0.185 + gaze
        c = P(ex, ey)
        if not full:
            # simple: a tall dark oval with a highlight
            w, h = hh * 0.07, hh * (0.15 if look.eye_style == "round" else 0.11)
            d.ellipse((c[0] - w, c[1] - h, c[0] + w, c[1] + h), fill=INK)
            if fpx >= 24:
                hr = w * 0.45
                d.ellipse(
                    (
                        c[0] - w * 0.5 - hr,
                        c[1] - h * 0.5 - hr,
                        c[0] - w * 0.5 + hr,
                        c[1] - h * 0.5 + hr,
                    ),
                    fill=WHITE,
                )
            continue
        _manga_eye(d, look, c, hh, sign * facing, facing, expression, lw, thin)

    # brows
    if fpx >= 24:
        for sign in (-1, 1):
            inner = (sign * 0.07 + gaze, hc + 0.02)
            outer = (sign * 0.3 + gaze, hc + 0.04)
            if expression in ("angry", "tense"):
                inner = (inner[0], inner[1] - 0.06)
                outer = (outer[0], outer[1] + 0.03)
            elif expression in ("sad", "scared"):
                inner = (inner[0], inner[1] + 0.05)
                outer = (outer[0], outer[1] - 0.03)
            mid = ((inner[0] + outer[0]) / 2, max(inner[1], outer[1]) + 0.025)
            d.line(
                [P(*inner), P(*mid), P(*outer)],
                fill=darker(look.hair, 0.45),
                width=max(1, int(hh * 0.016)),
                joint="curve",
            )

    # nose and mouth
    nose = P(0.02 + gaze, hc - 0.32)
    d.line(
        [nose, (nose[0] - facing * hh * 0.02, nose[1] + hh * 0.015)],
        fill=darker(look.skin_dark, 0.8),
        width=thin,
    )
    mx, my = 0.015 + gaze * 1.5, hc - 0.42
    m = P(mx, my)
    mw = hh * 0.07
    if expression == "happy":
        d.chord(
            (m[0] - mw, m[1] - mw * 0.7, m[0] + mw, m[1] + mw * 0.9),
            0,
            180,
            fill=(150, 50, 60),
            outline=INK,
            width=thin,
        )
        if fpx >= 38:
            for sign in (-1, 1):
                b = P(sign * 0.25 + gaze, hc - 0.3)
                d.ellipse(
                    (b[0] - hh * 0.07, b[1] - hh * 0.025, b[0] + hh * 0.07, b[1] + hh * 0.025),
                    fill=mix(look.skin, (240, 110, 120), 0.45),
                )
    elif expression in ("angry", "shout"):
        d.polygon(
            [
                (m[0] - mw, m[1] - mw * 0.3),
                (m[0] + mw, m[1] - mw * 0.3),
                (m[0] + mw * 0.6, m[1] + mw * 0.7),
                (m[0] - mw * 0.6, m[1] + mw * 0.7),
            ],
            fill=(120, 30, 40),
            outline=INK,
            width=thin,
        )
        d.line(
            [(m[0] - mw * 0.9, m[1] - mw * 0.15), (m[0] + mw * 0.9, m[1] - mw * 0.15)],
            fill=WHITE,
            width=max(1, int(mw * 0.25)),
        )
    elif expression in ("scared", "surprised"):
        d.ellipse(
            (m[0] - mw * 0.4, m[1] - mw * 0.5, m[0] + mw * 0.4, m[1] + mw * 0.5),
            fill=(110, 30, 40),
            outline=INK,
            width=thin,
        )
    elif expression == "sad":
        d.arc(
            (m[0] - mw * 0.7, m[1] - mw * 0.1, m[0] + mw * 0.7, m[1] + mw * 0.9),
            200,
            340,
            fill=INK,
            width=thin,
        )
    else:
        d.line(
            [(m[0] - mw * 0.55, m[1]), (m[0] + mw * 0.5, m[1] - mw * 0.05)], fill=INK, width=thin
        )

    if look.scar and fpx >= 24:
        a, b = P(0.1 + gaze, hc + 0.02), P(0.3 + gaze, hc - 0.28)
        d.line([a, b], fill=(170, 70, 70), width=max(1, int(hh * 0.02)))
    if look.glasses and fpx >= 24:
        for sign in (-1, 1):
            c = P(sign * 0.185 + gaze, ey)
            r = hh * 0.12
            d.rounded_rectangle(
                (c[0] - r, c[1] - r * 0.8, c[0] + r, c[1] + r * 0.8),
                radius=r * 0.3,
                outline=INK,
                width=thin,
            )
        d.line([P(-0.07 + gaze, ey + 0.03), P(0.07 + gaze, ey + 0.03)], fill=INK, width=thin)
    if expression == "sad" and fpx >= 38:
        t = P(0.28 + gaze, ey - 0.12)
        d.ellipse(
            (t[0] - hh * 0.02, t[1], t[0] + hh * 0.02, t[1] + hh * 0.06),
            fill=(170, 210, 250),
            outline=INK,
            width=1,
        )


def _manga_eye(
    d: ImageDraw.ImageDraw,
    look: Look,
    c: Point,
    hh: float,
    outer: int,
    facing: int,
    expression: str,
    lw: int,
    thin: int,
) -> None:
    """A large manga eye: sclera, coloured iris with a dark top, pupil, two highlights and
    a heavy upper lash line. ``outer`` is +1 when the eye's outer corner is to the right."""
    cx, cy = c
    sharp = look.eye_style == "sharp"
    w = hh * 0.125
    h = hh * (0.15 if not sharp else 0.115)
    if expression in ("surprised", "scared"):
        h *= 1.1
    # sclera
    d.ellipse((cx - w, cy - h, cx + w, cy + h * 0.95), fill=WHITE)
    iw, ih = w * 0.7, h * 0.98
    ix = cx + facing * w * 0.12
    if expression == "scared":
        iw, ih = iw * 0.55, ih * 0.6
    box = (ix - iw, cy - ih, ix + iw, cy + ih)
    d.ellipse(box, fill=darker(look.eyes, 0.6), outline=INK, width=thin)
    d.ellipse((ix - iw * 0.86, cy - ih * 0.55, ix + iw * 0.86, cy + ih * 0.92), fill=look.eyes)
    d.ellipse(
        (ix - iw * 0.6, cy + ih * 0.25, ix + iw * 0.6, cy + ih * 0.85), fill=lighter(look.eyes, 0.3)
    )
    pw, ph = iw * 0.45, ih * 0.48
    d.ellipse(
        (ix - pw, cy - ph - ih * 0.05, ix + pw, cy + ph - ih * 0.05), fill=darker(look.eyes, 0.25)
    )
    # highlights
    r1 = iw * 0.42
    hx, hy = ix - facing * iw * 0.35, cy - ih * 0.42
    d.ellipse((hx - r1, hy - r1 * 1.15, hx + r1, hy + r1 * 1.15), fill=WHITE)
    r2 = iw * 0.17
    hx2, hy2 = ix + facing * iw * 0.38, cy + ih * 0.45
    d.ellipse((hx2 - r2, hy2 - r2, hx2 + r2, hy2 + r2), fill=WHITE)
    # upper lash: a thick arc with a flick at the outer corner
    tilt = 0.0
    if expression in ("angry", "tense"):
        tilt = -0.25
    elif expression in ("sad", "scared"):
        tilt = 0.2
    lash = []
    for i in range(9):
        t = i / 8  # 0 = inner corner, 1 = outer corner
        x = cx + outer * (-w * 1.02 + 2.1 * w * t)
        y = (
            cy
            - h * (0.55 + 0.5 * math.sin(math.pi * t) ** 0.8)
            + outer * 0.0
            + tilt * h * (1 - t) * 0.8
        )
        lash.append((x, y))
    flick = (cx + outer * w * 1.35, cy - h * (0.2 if not sharp else 0.45))
    lash_w = max(lw + 1, int(hh * 0.035))
    d.line(lash, fill=INK, width=lash_w, joint="curve")
    d.line([lash[-1], flick], fill=INK, width=max(1, int(lash_w * 0.7)))
    # cover the sclera above the lash line with skin
    # lower lash
    d.line(
        [(cx + outer * w * 0.1, cy + h * 0.98), (cx + outer * w * 0.9, cy + h * 0.72)],
        fill=INK,
        width=thin,
    )
