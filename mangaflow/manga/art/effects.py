"""Manga effects drawn over the background: ground shadows, focus (concentration) and
speed lines, the impact burst, tension hatching, gloom lines, flowers, sparkles, rain and
the eerie vignette."""

from __future__ import annotations

import math
import random
from functools import lru_cache

from PIL import Image, ImageChops, ImageDraw

from mangaflow.manga.art.colour import INK, RGB, WHITE, darker
from mangaflow.manga.art.shapes import Point


def ground_shadow(img: Image.Image, d: ImageDraw.ImageDraw, x: float, y: float, r: float) -> None:
    px = img.getpixel((int(min(img.width - 1, max(0, x))), int(min(img.height - 1, max(0, y)))))
    assert isinstance(px, tuple)  # the canvas is RGB: pixels are tuples
    d.ellipse((x - r, y - r * 0.22, x + r, y + r * 0.22), fill=darker(px[:3], 0.7))


def focus_lines(
    d: ImageDraw.ImageDraw,
    W: int,
    H: int,
    focus: Point,
    clear: float,
    rng: random.Random,
    s: int,
    n: int = 140,
    colour: RGB = INK,
) -> None:
    """Manga "concentration lines": thin ink wedges converging on ``focus``."""
    fx, fy = focus
    far = math.hypot(W, H)
    for i in range(n):
        a = 2 * math.pi * (i + rng.random() * 0.8) / n
        ca, sa = math.cos(a), math.sin(a)
        r0 = clear * rng.uniform(1.0, 1.6)
        wdt = s * rng.uniform(0.8, 4.5)
        p0 = (fx + ca * r0, fy + sa * r0)
        p1 = (fx + ca * far - sa * wdt, fy + sa * far + ca * wdt)
        p2 = (fx + ca * far + sa * wdt, fy + sa * far - ca * wdt)
        d.polygon([p0, p1, p2], fill=colour)


def speed_lines(
    d: ImageDraw.ImageDraw, W: int, H: int, angle: float, rng: random.Random, s: int, n: int = 120
) -> None:
    """Parallel, tapering motion lines across the panel at ``angle`` degrees."""
    a = math.radians(angle)
    ux, uy = math.cos(a), math.sin(a)
    nx, ny = -uy, ux
    diag = math.hypot(W, H)
    cx, cy = W / 2, H / 2
    for _ in range(n):
        off = rng.uniform(-0.5, 0.5) * diag
        ln = diag * rng.uniform(0.2, 0.6)
        start = rng.uniform(-0.6, 0.6) * diag
        bx, by = cx + nx * off + ux * start, cy + ny * off + uy * start
        ex, ey = bx + ux * ln, by + uy * ln
        wdt = s * rng.uniform(0.6, 2.2)
        d.polygon(
            [(bx, by), (ex + nx * wdt, ey + ny * wdt), (ex - nx * wdt, ey - ny * wdt)], fill=INK
        )


def impact_burst(d: ImageDraw.ImageDraw, c: Point, r: float, rng: random.Random, s: int) -> None:
    spikes = rng.randint(11, 15)
    for scale, fill in ((1.0, WHITE), (0.55, (255, 214, 90))):
        pts = []
        for i in range(spikes * 2):
            a = math.pi * i / spikes + rng.uniform(-0.08, 0.08)
            rr = r * scale * (rng.uniform(0.9, 1.3) if i % 2 == 0 else rng.uniform(0.38, 0.5))
            pts.append((c[0] + math.cos(a) * rr, c[1] + math.sin(a) * rr))
        d.polygon(
            pts, fill=fill, outline=INK, width=max(1, int(s * (1.6 if scale == 1.0 else 1.0)))
        )


def hatching(
    d: ImageDraw.ImageDraw, W: int, H: int, rng: random.Random, s: int, colour: RGB, dense: bool
) -> None:
    """Diagonal hatching over the background (tension)."""
    step = s * (6 if dense else 9)
    x: float = -H
    while x < W:
        if rng.random() < 0.85:
            d.line([(x, H), (x + H * 0.8, 0)], fill=colour, width=max(1, int(s * 0.7)))
        x += step * rng.uniform(0.7, 1.3)


def gloom_lines(d: ImageDraw.ImageDraw, W: int, H: int, rng: random.Random, s: int) -> None:
    """Vertical "tate-sen" lines hanging from the top edge (dread)."""
    x = 0.0
    while x < W:
        ln = H * rng.uniform(0.15, 0.5)
        d.line([(x, 0), (x, ln)], fill=(18, 14, 26), width=max(1, int(s * rng.uniform(0.6, 1.4))))
        x += s * rng.uniform(3, 7)


def flowers(d: ImageDraw.ImageDraw, W: int, H: int, rng: random.Random, s: int) -> None:
    for _ in range(7):
        x, y = rng.uniform(0, W), rng.uniform(0, H * 0.8)
        r = min(W, H) * rng.uniform(0.03, 0.06)
        petal = rng.choice(((255, 200, 214), (255, 236, 180), (220, 210, 255)))
        for k in range(5):
            a = 2 * math.pi * k / 5 + 0.3
            px, py = x + math.cos(a) * r * 0.7, y + math.sin(a) * r * 0.7
            d.ellipse(
                (px - r * 0.5, py - r * 0.5, px + r * 0.5, py + r * 0.5),
                fill=petal,
                outline=INK,
                width=max(1, int(s * 0.7)),
            )
        d.ellipse(
            (x - r * 0.3, y - r * 0.3, x + r * 0.3, y + r * 0.3),
            fill=(255, 220, 120),
            outline=INK,
            width=max(1, int(s * 0.7)),
        )


def sparkles(d: ImageDraw.ImageDraw, W: int, H: int, rng: random.Random, s: int, n: int) -> None:
    for _ in range(n):
        x, y = rng.uniform(0, W), rng.uniform(0, H)
        r = min(W, H) * rng.uniform(0.015, 0.04)
        k = r * 0.18
        pts = [
            (x, y - r),
            (x + k, y - k),
            (x + r, y),
            (x + k, y + k),
            (x, y + r),
            (x - k, y + k),
            (x - r, y),
            (x - k, y - k),
        ]
        d.polygon(pts, fill=WHITE, outline=INK, width=max(1, int(s * 0.7)))


def rain(d: ImageDraw.ImageDraw, W: int, H: int, rng: random.Random, s: int) -> None:
    colour = (206, 216, 232)
    for _ in range(150):
        x, y = rng.uniform(-0.1, 1.0) * W, rng.uniform(-0.1, 1.0) * H
        ln = H * rng.uniform(0.04, 0.1)
        d.line([(x, y), (x + ln * 0.18, y + ln)], fill=colour, width=max(1, int(s * 0.8)))


@lru_cache(maxsize=8)
def _radial_mask(size: tuple[int, int]) -> Image.Image:
    g = Image.radial_gradient("L").resize(size, Image.Resampling.BILINEAR)
    return g


def vignette(img: Image.Image, strength: float) -> None:
    """Darken the corners by multiplying with a radial gradient (eerie)."""
    small = (max(8, img.width // 8), max(8, img.height // 8))
    mask = _radial_mask(small).point(lambda v: int(255 - max(0, v - 110) * strength * 255 / 145))
    shade = Image.merge("RGB", (mask, mask, mask)).resize(img.size, Image.Resampling.BILINEAR)
    img.paste(ImageChops.multiply(img, shade))
