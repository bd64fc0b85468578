"""Font discovery for lettering.

Order of preference:

1. a comic lettering font if one is installed (ComicNeue, Bangers, Comic*, ...) —
   ``$MANGAFLOW_FONT_DIR`` and ``mangaflow/assets/fonts`` are searched before the system,
2. DejaVu Sans (Bold for shouts and SFX),
3. Pillow's built-in font (``ImageFont.load_default(size=N)``).

Comic fonts rarely cover more than Latin, so text with characters outside
Latin-1 is set in DejaVu (or a CJK font when the text is CJK and one is installed).
Everything is cached; nothing here fails on a machine with no fonts installed.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from PIL import ImageFont

Role = Literal["text", "bold", "sfx"]
AnyFont = ImageFont.FreeTypeFont | ImageFont.ImageFont | ImageFont.TransposedFont

FONT_DIRS = (
    "/usr/share/fonts",
    "/usr/local/share/fonts",
    "~/.fonts",
    "~/.local/share/fonts",
    "/Library/Fonts",
    "/System/Library/Fonts",
    "C:/Windows/Fonts",
)
#: Set ``MANGAFLOW_FONT_DIR`` to a folder of TTF/OTF files to search it first.
ENV_DIR = "MANGAFLOW_FONT_DIR"
#: Fonts shipped with the package (none yet; an OFL comic font could go here).
ASSET_DIR = Path(__file__).resolve().parent.parent / "assets" / "fonts"

# Lowercased file-name stems, best first.
_COMIC_TEXT = ("comicneue-regular", "comicneue-bold", "animeace2_reg", "wildwords", "comic")
_COMIC_BOLD = ("comicneue-bold", "animeace2_bld", "bangers-regular", "bangers", "comicbd")
_COMIC_SFX = ("bangers-regular", "bangers", "badaboom", "comicneue-bold", "comicbd")
_DEJAVU = ("dejavusans",)
_DEJAVU_BOLD = ("dejavusans-bold",)
_CJK = ("notosanscjk-regular", "notosanscjkjp-regular", "notosansjp-regular",
        "droidsansfallbackfull", "droidsansfallback", "wqy-microhei", "wqy-zenhei")  # fmt: skip


@lru_cache(maxsize=1)
def _installed() -> dict[str, str]:
    """Lowercased file stem → path of every TTF/OTF/TTC in the font folders."""
    found: dict[str, str] = {}
    dirs = [os.environ.get(ENV_DIR, ""), str(ASSET_DIR), *FONT_DIRS]
    for d in dirs:
        if not d:
            continue
        root = Path(d).expanduser()
        if not root.is_dir():
            continue
        for dirpath, _dirs, files in os.walk(root):
            for name in sorted(files):
                if name.lower().endswith((".ttf", ".otf", ".ttc")):
                    found.setdefault(Path(name).stem.lower(), os.path.join(dirpath, name))
    return found


def _first(stems: tuple[str, ...], *, prefix: bool = False) -> str | None:
    fonts = _installed()
    for stem in stems:
        if stem in fonts:
            return fonts[stem]
        if prefix:
            # "comic" matches e.g. "comicneue-regular" or "comic sans ms"
            for name in sorted(fonts):
                if name.startswith(stem) and "italic" not in name and "oblique" not in name:
                    return fonts[name]
    return None


@lru_cache(maxsize=8)
def font_path(role: Role = "text", *, unicode: bool = False) -> str | None:
    """Path of the best installed font for ``role`` (None → Pillow's default)."""
    if not unicode:
        comic = {"text": _COMIC_TEXT, "bold": _COMIC_BOLD, "sfx": _COMIC_SFX}[role]
        path = _first(comic, prefix=True)
        if path:
            return path
    if role == "text":
        return _first(_DEJAVU)
    return _first(_DEJAVU_BOLD) or _first(_DEJAVU)


@lru_cache(maxsize=1)
def cjk_path() -> str | None:
    return _first(_CJK, prefix=True)


def dejavu_paths() -> tuple[str | None, str | None]:
    """(regular, bold) DejaVu Sans paths for the PDF title page (None if missing)."""
    regular = _first(_DEJAVU)
    return regular, _first(_DEJAVU_BOLD) or regular


def _is_cjk(ch: str) -> bool:
    o = ord(ch)
    return (
        0x2E80 <= o <= 0x9FFF
        or 0xAC00 <= o <= 0xD7AF
        or 0xF900 <= o <= 0xFAFF
        or (0xFF00 <= o <= 0xFFEF)
    )


def needs_unicode(text: str) -> bool:
    """True when ``text`` has characters a Latin comic font probably lacks."""
    return any(ord(ch) > 0xFF and ch not in "‘’“”—–…•€" for ch in text)


@lru_cache(maxsize=128)
def _load(path: str | None, size: int) -> AnyFont:
    if path:
        try:
            return ImageFont.truetype(path, size)
        except OSError:
            pass
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow < 10.1
        return ImageFont.load_default()


def get_font(size: int, role: Role = "text", text: str = "") -> AnyFont:
    """A cached font of ``size`` px for ``role``, able to show ``text`` if possible."""
    path: str | None
    if text and any(_is_cjk(ch) for ch in text) and cjk_path():
        path = cjk_path()
    else:
        path = font_path(role, unicode=bool(text) and needs_unicode(text))
    return _load(path, int(size))


def line_height(font: AnyFont) -> int:
    """Distance between baselines for ``font``."""
    size = getattr(font, "size", None)
    if size:
        return int(round(size * 1.18))
    box = font.getbbox("Ahgjy|")
    return int(box[3] - box[1]) + 3
