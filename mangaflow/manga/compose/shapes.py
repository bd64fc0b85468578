"""Drawing balloons: speech ellipses, thought clouds, shout bursts and captions.

Shapes are drawn 2× supersampled on a small transparent patch and reduced, so
outlines are anti-aliased; the text is drawn straight onto the page afterwards.
"""

from __future__ import annotations

import math
import random

from PIL import Image, ImageDraw

from mangaflow.manga.compose.bubbles import Bubble, font_for
from mangaflow.manga.compose.fonts import AnyFont, ink_extent, line_height
from mangaflow.manga.compose.layouts import Rect

SS = 2  # supersampling factor
INK = (0, 0, 0, 255)
PAPER = (255, 255, 255, 255)
CAPTION = (255, 249, 214)
OUTLINE = {"speech": 3, "thought": 2, "shout": 4}

Point = tuple[float, float]
Colour = tuple[int, int, int, int]


def _perimeter(a: float, b: float) -> float:
    h = ((a - b) / (a + b)) ** 2 if a + b else 0
    return math.pi * (a + b) * (1 + 3 * h / (10 + math.sqrt(4 - 3 * h)))


def _tail_polygon(ell: Rect, tip: tuple[int, int]) -> list[Point]:
    """Triangle from the ellipse edge towards ``tip``."""
    a, b = ell.w / 2, ell.h / 2
    cx, cy = ell.cx, ell.cy
    dx, dy = tip[0] - cx, tip[1] - cy
    theta = math.atan2(dy / b, dx / a)
    half = min(0.3 * min(a, b), 16.0)
    delta = half / max(a, b) * 1.3
    pts = [
        (cx + 0.94 * a * math.cos(theta + s * delta), cy + 0.94 * b * math.sin(theta + s * delta))
        for s in (-1, 1)
    ]
    return [pts[0], (float(tip[0]), float(tip[1])), pts[1]]


def _burst(ell: Rect, spike: float, seed: int) -> list[Point]:
    a, b = ell.w / 2, ell.h / 2
    cx, cy = ell.cx, ell.cy
    rnd = random.Random(seed)
    n = max(12, min(30, round(_perimeter(a, b) / 40)))
    off = rnd.random() * math.pi / n
    pts = []
    for k in range(2 * n):
        t = off + k * math.pi / n
        if k % 2 == 0:
            s = spike * (0.65 + 0.35 * rnd.random())
            pts.append((cx + (a + s) * math.cos(t), cy + (b + s) * math.sin(t)))
        else:
            pts.append((cx + a * 1.02 * math.cos(t), cy + b * 1.02 * math.sin(t)))
    return pts


def _cloud(main: Rect, r: int) -> list[tuple[float, float, float]]:
    a, b = main.w / 2, main.h / 2
    n = max(8, round(_perimeter(a, b) / (1.45 * r)))
    return [
        (main.cx + a * math.cos(2 * math.pi * k / n), main.cy + b * math.sin(2 * math.pi * k / n),
         r * (1.0 if k % 2 == 0 else 0.86))
        for k in range(n)
    ]  # fmt: skip


def _region(b: Bubble, pad: int, size: tuple[int, int]) -> Rect:
    xs = [b.box.x0, b.box.x1]
    ys = [b.box.y0, b.box.y1]
    if b.tail:
        xs.append(b.tail[0])
        ys.append(b.tail[1])
    for x, y, r in b.puffs:
        xs += [x - r, x + r]
        ys += [y - r, y + r]
    return Rect(
        max(0, min(xs) - pad), max(0, min(ys) - pad),
        min(size[0], max(xs) + pad), min(size[1], max(ys) + pad),
    )  # fmt: skip


def draw_balloon(page: Image.Image, b: Bubble, *, monochrome: bool = False) -> None:
    """Draw balloon ``b`` (shape and text) onto ``page`` (RGB)."""
    if b.kind == "narration":
        d = ImageDraw.Draw(page)
        fill = (255, 255, 255) if monochrome else CAPTION
        d.rectangle((b.box.x0, b.box.y0, b.box.x1 - 1, b.box.y1 - 1), fill=fill, outline=INK[:3],
                    width=3)  # fmt: skip
        draw_lines(d, b.box, b.lines, font_for(b))
        return
    out = OUTLINE.get(b.kind, 3)
    reg = _region(b, out + 3, page.size)
    # Two coverage masks (ink outline, paper fill), drawn 2× and reduced: greyscale masks
    # reduce without the RGBA premultiply round trip.
    masks = {layer: Image.new("L", (reg.w * SS, reg.h * SS), 0) for layer in (INK, PAPER)}
    draws = {layer: ImageDraw.Draw(mask) for layer, mask in masks.items()}

    def p(x: float, y: float) -> Point:
        return ((x - reg.x0) * SS, (y - reg.y0) * SS)

    def oval(cx: float, cy: float, rx: float, ry: float, layer: Colour) -> None:
        x0, y0 = p(cx - rx, cy - ry)
        x1, y1 = p(cx + rx, cy + ry)
        draws[layer].ellipse((x0, y0, x1, y1), fill=255)

    def poly(pts: list[Point], layer: Colour, grow: float = 0) -> None:
        q = [p(x, y) for x, y in pts]
        draws[layer].polygon(q, fill=255)
        if grow:
            draws[layer].line([*q, q[0]], fill=255, width=int(2 * grow * SS), joint="curve")

    ell = b.text_ellipse
    a, bb = ell.w / 2, ell.h / 2
    tail = _tail_polygon(ell, b.tail) if b.tail and b.kind != "thought" else None
    for colour, grow in ((INK, out), (PAPER, 0)):
        if b.kind == "thought":
            oval(ell.cx, ell.cy, a + grow, bb + grow, colour)
            for x, y, pr in _cloud(ell, b.rim):
                oval(x, y, pr + grow, pr + grow, colour)
        elif b.kind == "shout":
            poly(_burst(ell, b.rim, b.seed), colour, grow)
        else:
            oval(ell.cx, ell.cy, a + grow, bb + grow, colour)
        if tail:
            poly(tail, colour, grow)
    for x, y, pr in b.puffs:  # thought trail: separate small outlined ovals
        oval(x, y, pr + out, pr + out, INK)
        oval(x, y, pr, pr, PAPER)
    for layer, mask in masks.items():  # ink first, paper over it
        page.paste(layer[:3], reg.box, mask.reduce(SS))
    draw_lines(ImageDraw.Draw(page), ell, b.lines, font_for(b))


def draw_lines(
    d: ImageDraw.ImageDraw, box: Rect, lines: tuple[str, ...] | list[str], font: AnyFont,
    fill=(0, 0, 0),
) -> None:  # fmt: skip
    """Centre ``lines`` in ``box``."""
    if not lines:
        return
    lh = line_height(font)
    cap, below = ink_extent(font)
    visual = (len(lines) - 1) * lh + cap + below
    base = box.cy - visual / 2 + cap
    for i, line in enumerate(lines):
        y = base + i * lh
        try:
            d.text((box.cx, y), line, font=font, fill=fill, anchor="ms")
        except (ValueError, TypeError):  # bitmap font: no anchors
            w = font.getlength(line)
            d.text((box.cx - w / 2, y - cap), line, font=font, fill=fill)
