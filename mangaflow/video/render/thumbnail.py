"""YouTube thumbnails: a still cropped to 16:9 with the title in bold outlined letters.

YouTube's limits: JPEG/PNG, 16:9, at most 2 MB, 1280x720 recommended (640 px wide at
least). The title is fitted to the lower half in at most 3 lines, white with a black
outline over a darkening gradient, so it reads at the small sizes thumbnails are shown.
"""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image, ImageDraw, ImageOps

from mangaflow.platform.errors import ValidationError
from mangaflow.video.render.lettering import draw_outlined, fit

MAX_BYTES = 2 * 1024 * 1024
MIN_WIDTH = 640


def _problem(field: str, message: str) -> ValidationError:
    return ValidationError("invalid thumbnail request", details=[{"field": field,
                                                                  "message": message}])  # fmt: skip


def _open(image: Path | bytes) -> Image.Image:
    try:
        src = Image.open(io.BytesIO(image)) if isinstance(image, bytes) else Image.open(image)
        src.load()
    except (OSError, ValueError) as exc:
        raise _problem("image", f"not a readable image: {exc}") from exc
    return ImageOps.exif_transpose(src).convert("RGB")


def _shade(img: Image.Image) -> None:
    """Darken the lower half progressively so white letters stand out on any picture."""
    w, h = img.size
    mask = Image.linear_gradient("L").resize((w, h // 2))  # 0 at its top, 255 at its bottom
    dark = Image.new("RGB", (w, h // 2), (0, 0, 0))
    lower = img.crop((0, h - h // 2, w, h))
    img.paste(Image.composite(dark, lower, mask.point(lambda v: int(v * 0.7))), (0, h - h // 2))


def thumbnail(image: Path | bytes, title: str, size: tuple[int, int] = (1280, 720)) -> bytes:
    """A JPEG thumbnail (< 2 MB, 16:9) of ``image`` with ``title`` lettered on it."""
    w, h = size
    if w * 9 != h * 16 or w < MIN_WIDTH:
        raise _problem("size", f"{w}x{h}: must be 16:9 and at least {MIN_WIDTH} px wide")
    if not title.strip():
        raise _problem("title", "must not be empty")
    img = ImageOps.fit(_open(image), (w, h), method=Image.Resampling.LANCZOS)
    _shade(img)
    draw = ImageDraw.Draw(img)
    box = (int(w * 0.9), int(h * 0.42))
    font, lines = fit(draw, " ".join(title.split()), box, max_size=int(h * 0.15), max_lines=3)
    size_px = int(getattr(font, "size", 16))
    block = size_px * 1.15 * len(lines)
    draw_outlined(draw, (w / 2, h - h * 0.06 - block / 2), lines, font,
                  fill="#ffffff", outline="#000000")  # fmt: skip
    for quality in (90, 80, 70, 60):
        out = io.BytesIO()
        img.save(out, "JPEG", quality=quality, optimize=True, progressive=True)
        if out.tell() < MAX_BYTES:
            return out.getvalue()
    raise _problem("size", f"{w}x{h} does not fit in 2 MB even at JPEG quality 60")
