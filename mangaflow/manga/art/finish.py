"""Finishing a panel: monochrome screening (grey levels to flat screentones, then a
clustered-dot halftone) and the small "offline art" label."""

from __future__ import annotations

import math
from functools import lru_cache

from PIL import Image, ImageChops, ImageDraw, ImageFont

LABEL = "offline art"


@lru_cache(maxsize=4)
def _screen_tile(q: int) -> Image.Image:
    """A q×q clustered-dot threshold tile on a 45° lattice (ranks spread evenly 1..254)."""
    vals = []
    for y in range(q):
        for x in range(q):
            u = 2 * math.pi * (x + y + 0.5) / q
            v = 2 * math.pi * (x - y + 0.5) / q
            vals.append((math.cos(u) + math.cos(v), y * q + x))
    # black grows from the dot centres (high spot value) outwards
    order = sorted(vals, key=lambda t: -t[0])
    thresholds = [0] * (q * q)
    n = len(order)
    for rank, (_, idx) in enumerate(order):
        thresholds[idx] = 254 - int(253 * rank / max(1, n - 1))
    tile = Image.new("L", (q, q))
    tile.putdata(thresholds)
    return tile


@lru_cache(maxsize=6)
def _screen(size: tuple[int, int], q: int) -> Image.Image:
    tile = _screen_tile(q)
    w, h = size
    out = Image.new("L", (w + q, h + q))
    out.paste(tile, (0, 0))
    cw = q
    while cw < w + q:  # double along x
        out.paste(out.crop((0, 0, cw, q)), (cw, 0))
        cw *= 2
    ch = q
    while ch < h + q:  # then along y
        out.paste(out.crop((0, 0, w + q, ch)), (0, ch))
        ch *= 2
    return out.crop((0, 0, w, h))


# Grey levels → screentone levels: ink, four flat tones, paper. Flat tones with crisp
# edges read as pasted screentone; a continuous ramp reads as newspaper halftone.
_TONE_STEPS = ((52, 0), (96, 66), (140, 120), (180, 170), (210, 214), (256, 255))


def _tone_lut() -> list[int]:
    lut = []
    for v in range(256):
        lut.append(next(out for limit, out in _TONE_STEPS if v < limit))
    return lut


_TONE = _tone_lut()

_BINARY = [0] * 128 + [255] * 128


def screentone(img: Image.Image, ss: int) -> Image.Image:
    """Greyscale, screened with halftone dots at canvas resolution, then reduced."""
    grey = img.convert("L").point(_TONE)
    q = 6 * ss
    screened = ImageChops.subtract(grey, _screen(grey.size, q), 2.0, 128).point(_BINARY)
    if ss > 1:
        screened = screened.reduce(ss)
    return screened.convert("RGB")


def _font() -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    # Loaded per call (~0.1 ms): a shared font object is not safe across worker threads.
    try:
        return ImageFont.load_default(size=10)
    except Exception:  # noqa: BLE001 - no FreeType: the bitmap default is fine
        return ImageFont.load_default()


def label(img: Image.Image) -> None:
    """A tiny, semi-transparent "offline art" tag in the bottom-right corner."""
    font = _font()
    x0, y0, x1, y1 = font.getbbox(LABEL)
    tw, th = math.ceil(x1 - x0), math.ceil(y1 - y0)  # FreeType boxes are typed as float
    pad = 2
    bw, bh = tw + pad * 2, th + pad * 2
    if bw + 4 > img.width or bh + 4 > img.height:
        return
    box = (img.width - bw - 3, img.height - bh - 3, img.width - 3, img.height - 3)
    region = img.crop(box).convert("RGBA")
    overlay = Image.new("RGBA", region.size, (255, 255, 255, 96))
    ImageDraw.Draw(overlay).text((pad - x0, pad - y0), LABEL, font=font, fill=(40, 40, 40, 150))
    img.paste(Image.alpha_composite(region, overlay).convert("RGB"), box[:2])
