"""Bold outlined text for thumbnails and on-screen captions (Pillow).

Fonts are found the way the manga lettering finds them (the same folders and
``$MANGAFLOW_FONT_DIR``; a product does not import another's internals, so the few lines
are repeated here): Bangers / Comic Neue Bold / DejaVu Sans Bold for Latin titles, a CJK
font when the text needs one, Pillow's built-in font as the last resort.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

AnyFont = ImageFont.FreeTypeFont | ImageFont.ImageFont
FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts", "~/.fonts", "~/.local/share/fonts",
             "/Library/Fonts", "/System/Library/Fonts", "C:/Windows/Fonts")  # fmt: skip
ENV_DIR = "MANGAFLOW_FONT_DIR"
_BOLD = ("bangers-regular", "comicneue-bold", "dejavusans-bold", "liberationsans-bold",
         "arialbd", "dejavusans")  # fmt: skip
_CJK = ("notosanscjkjp-bold", "notosanscjk-bold", "notosanscjkjp-regular", "ipagp", "ipag",
        "ipaexg", "droidsansfallbackfull", "wqy-zenhei", "wqy-microhei")  # fmt: skip


@lru_cache(maxsize=1)
def _installed() -> dict[str, str]:
    found: dict[str, str] = {}
    for d in (os.environ.get(ENV_DIR, ""), *FONT_DIRS):
        root = Path(d).expanduser() if d else None
        if root is None or not root.is_dir():
            continue
        for dirpath, _dirs, files in os.walk(root):
            for name in sorted(files):
                if name.lower().endswith((".ttf", ".otf", ".ttc")):
                    found.setdefault(Path(name).stem.lower(), os.path.join(dirpath, name))
    return found


def _needs_cjk(text: str) -> bool:
    return any(0x2E80 <= ord(ch) <= 0x9FFF or 0xAC00 <= ord(ch) <= 0xD7AF or
               0xFF00 <= ord(ch) <= 0xFFEF for ch in text)  # fmt: skip


def _latin_only(text: str) -> bool:
    return all(ord(ch) < 0x250 or ch in "‘’“”—–…•€" for ch in text)


def font_path(text: str) -> str | None:
    """The best installed bold font able to show ``text`` (None: Pillow's built-in)."""
    fonts = _installed()
    order: tuple[str, ...] = _CJK if _needs_cjk(text) else _BOLD
    if not _latin_only(text) and not _needs_cjk(text):
        order = ("dejavusans-bold", "dejavusans")  # Cyrillic, Greek, ...: DejaVu has them
    for stem in order:
        if stem in fonts:
            return fonts[stem]
    return None


@lru_cache(maxsize=64)
def bold_font(size: int, path: str | None) -> AnyFont:
    if path:
        try:
            return ImageFont.truetype(path, size)
        except OSError:
            pass
    return ImageFont.load_default(size=size)


def wrap(draw: ImageDraw.ImageDraw, font: AnyFont, text: str, width: float) -> list[str]:
    """Greedy word wrap of ``text`` to lines at most ``width`` px (a word longer than that
    stays whole on its own line)."""
    lines: list[str] = []
    for word in text.split():
        if lines and draw.textlength(f"{lines[-1]} {word}", font=font) <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines


def fit(
    draw: ImageDraw.ImageDraw, text: str, box: tuple[int, int], max_size: int, max_lines: int
) -> tuple[AnyFont, list[str]]:
    """The largest font (≤ ``max_size``) at which ``text`` fits ``box`` in ≤ ``max_lines``."""
    path = font_path(text)
    size = max_size
    while True:
        font = bold_font(size, path)
        lines = wrap(draw, font, text, box[0])
        height = len(lines) * size * 1.15
        widest = max((draw.textlength(ln, font=font) for ln in lines), default=0)
        if (len(lines) <= max_lines and height <= box[1] and widest <= box[0]) or size <= 12:
            return font, lines
        size = int(size * 0.9)


def draw_outlined(
    draw: ImageDraw.ImageDraw, xy: tuple[float, float], lines: list[str], font: AnyFont,
    *, fill: str = "#ffffff", outline: str = "#000000", anchor: str = "mm",
) -> None:  # fmt: skip
    """Lines centred on ``xy``, each with a dark outline of ~1/12 of the font size."""
    size = int(getattr(font, "size", 16))
    stroke = max(2, size // 12)
    step = size * 1.15
    top = xy[1] - step * (len(lines) - 1) / 2
    for k, line in enumerate(lines):
        draw.text((xy[0], top + k * step), line, font=font, fill=fill, anchor=anchor,
                  stroke_width=stroke, stroke_fill=outline)  # fmt: skip


def caption_png(text: str, width: int, height: int, path: Path) -> tuple[int, int]:
    """A transparent PNG of ``text`` (≤ 2 lines) for a ``width``×``height`` video, written
    to ``path``; returns its size. Placed by the caller in the lower third."""
    box_w = int(width * 0.86)
    size = max(16, int(min(width, height) * 0.055))
    probe = ImageDraw.Draw(Image.new("RGBA", (8, 8)))
    font, lines = fit(probe, text, (box_w, int(size * 2.6)), size, 2)
    line_h = int(getattr(font, "size", size) * 1.15)
    h = line_h * len(lines) + line_h // 2
    h += h % 2
    img = Image.new("RGBA", (box_w + box_w % 2, h), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    draw.rounded_rectangle((0, 0, img.width - 1, h - 1), radius=line_h // 3, fill=(0, 0, 0, 110))
    draw_outlined(draw, (img.width / 2, h / 2), lines, font)
    img.save(path)
    return img.size
