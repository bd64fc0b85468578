"""Font discovery for lettering, with per-text glyph coverage.

Fonts are tried in this order for each text, and the first one with a glyph for every
character of the text is used:

1. a comic lettering font if one is installed (Comic Neue — Bold for shouts and SFX —
   then Anime Ace, Wild Words, Bangers, ...); ``$MANGAFLOW_FONT_DIR`` and
   ``mangaflow/assets/fonts`` are searched before the system folders,
2. DejaVu Sans (Bold for shouts and SFX),
3. a CJK font (Noto Sans CJK / Source Han Sans, IPA Gothic, Droid Sans Fallback, WenQuanYi),
4. Pillow's built-in font (``ImageFont.load_default(size=N)``, Latin only).

Coverage comes from each font's cmap (read with fontTools, which fpdf2 already needs;
without it a code-point-range guess is used). When no installed font covers a text's
letters, :func:`missing_letters` says so and the text is reported as overflow rather than
lettered as empty boxes. Everything is cached; nothing here fails on a machine with no
fonts installed. Call :func:`reset` after changing what is installed (tests do).
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

# Lowercased file-name stems, best first ("comic" is a prefix: "comic sans ms", ...).
_COMIC_TEXT = ("comicneue-regular", "animeace2_reg", "wildwords", "comic")
_COMIC_BOLD = ("comicneue-bold", "animeace2_bld", "bangers-regular", "bangers", "comicbd")
_COMIC_SFX = ("bangers-regular", "bangers", "badaboom", "comicneue-bold", "comicbd")
_DEJAVU = ("dejavusans",)
_DEJAVU_BOLD = ("dejavusans-bold",)
_CJK = ("notosanscjkjp-regular", "notosanscjk-regular", "notosansjp-regular",
        "sourcehansansjp-regular", "sourcehansans-regular", "ipag", "ipaexg", "ipagp",
        "droidsansfallbackfull", "droidsansfallback", "wqy-microhei", "wqy-zenhei")  # fmt: skip
_CJK_BOLD = ("notosanscjkjp-bold", "notosanscjk-bold", "notosansjp-bold",
             "sourcehansansjp-bold", "sourcehansans-bold")  # fmt: skip
#: Typographic punctuation every Latin lettering font has.
_PUNCT = frozenset(map(ord, "‘’“”—–…•€"))
LINE_SPACING = 1.18  # baseline to baseline, in font sizes
CJK_LINE_SPACING = 1.3  # CJK glyphs fill the em square: a little more air between lines


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
            for name in sorted(fonts):
                if name.startswith(stem) and "italic" not in name and "oblique" not in name:
                    return fonts[name]
    return None


@lru_cache(maxsize=8)
def font_path(role: Role = "text", *, unicode: bool = False) -> str | None:
    """Path of the best installed Latin font for ``role`` (None → Pillow's default).
    ``unicode`` skips the comic fonts (DejaVu has far more scripts)."""
    if not unicode:
        comic = {"text": _COMIC_TEXT, "bold": _COMIC_BOLD, "sfx": _COMIC_SFX}[role]
        path = _first(comic, prefix=True)
        if path:
            return path
    if role == "text":
        return _first(_DEJAVU)
    return _first(_DEJAVU_BOLD) or _first(_DEJAVU)


@lru_cache(maxsize=2)
def cjk_path(role: Role = "text") -> str | None:
    """An installed CJK font (bold for shouts and SFX when there is one), or None."""
    if role != "text":
        bold = _first(_CJK_BOLD)
        if bold:
            return bold
    return _first(_CJK)


def dejavu_paths() -> tuple[str | None, str | None]:
    """(regular, bold) DejaVu Sans paths for the PDF title page (None if missing)."""
    regular = _first(_DEJAVU)
    return regular, _first(_DEJAVU_BOLD) or regular


def pdf_cjk_path() -> str | None:
    """The first installed CJK font with TrueType outlines (fpdf2 can embed it)."""
    fonts = _installed()
    for stem in _CJK:
        path = fonts.get(stem)
        if path and is_truetype(path):
            return path
    return None


def is_cjk(ch: str) -> bool:
    """CJK ideographs, kana, hangul, CJK punctuation and full-width forms."""
    o = ord(ch)
    return (
        0x2E80 <= o <= 0x9FFF
        or 0xAC00 <= o <= 0xD7AF
        or 0xF900 <= o <= 0xFAFF
        or 0xFE30 <= o <= 0xFE4F
        or 0xFF00 <= o <= 0xFFEF
        or 0x20000 <= o <= 0x2FA1F
    )


def needs_unicode(text: str) -> bool:
    """True when ``text`` has characters a Latin comic font probably lacks."""
    return any(ord(ch) > 0xFF and ord(ch) not in _PUNCT for ch in text)


@lru_cache(maxsize=32)
def _tables(path: str) -> tuple[frozenset[int] | None, bool]:
    """(code points with a glyph, has TrueType outlines) of the font at ``path``.
    Code points are None when the font cannot be read (or fontTools is missing)."""
    try:
        from fontTools.ttLib import TTFont

        font = TTFont(path, lazy=True, fontNumber=0)
        try:
            return frozenset(font.getBestCmap() or {}), "glyf" in font
        finally:
            font.close()
    except Exception:  # noqa: BLE001 - unreadable font or no fontTools: guess later
        return None, path.lower().endswith(".ttf")


def _guess(path: str | None, cp: int) -> bool:
    """Coverage guess without a cmap: Latin-1 for comic and built-in fonts, all but CJK
    for DejaVu, everything for a CJK font."""
    if cp <= 0xFF or cp in _PUNCT:
        return True
    if path is None:
        return False
    stem = Path(path).stem.lower()
    if stem.startswith(_CJK + _CJK_BOLD):
        return True
    return stem.startswith("dejavu") and not is_cjk(chr(cp))


def covers(path: str | None, text: str) -> str:
    """The characters of ``text`` (whitespace aside) the font at ``path`` has no glyph for."""
    cmap = _tables(path)[0] if path else None
    if cmap is None:
        return "".join(ch for ch in text if not ch.isspace() and not _guess(path, ord(ch)))
    return "".join(ch for ch in text if not ch.isspace() and ord(ch) not in cmap)


def is_truetype(path: str) -> bool:
    """Does the font have TrueType (glyf) outlines? fpdf2 embeds only those reliably."""
    return _tables(path)[1]


@lru_cache(maxsize=4096)
def text_font_path(role: Role, text: str) -> str | None:
    """The first font of the preference order with a glyph for every character of
    ``text``; when none has them all, the one missing the fewest (ties: earlier)."""
    order: list[str | None] = [font_path(role), font_path(role, unicode=True)]
    if any(is_cjk(ch) for ch in text) or needs_unicode(text):
        order.append(cjk_path(role))
    seen: list[str | None] = []
    for path in order:
        if path and path not in seen:
            seen.append(path)
    best: tuple[int, str | None] | None = None
    for path in seen or [None]:
        lost = len(covers(path, text))
        if lost == 0:
            return path
        if best is None or lost < best[0]:
            best = (lost, path)
    assert best is not None
    return best[1]


def missing_letters(text: str, role: Role = "text") -> str:
    """Letters and digits of ``text`` that no installed font can show (empty: letterable).
    Missing symbols (an emoji, say) do not count: the rest of the line still reads."""
    return "".join(ch for ch in covers(text_font_path(role, text), text) if ch.isalnum())


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
    """A cached font of ``size`` px for ``role``, able to show ``text`` if any font can."""
    return _load(text_font_path(role, text), int(size))


def is_cjk_font(font: AnyFont) -> bool:
    """Does ``font`` have ideographs and kana (so it letters Japanese)?"""
    path = getattr(font, "path", None)
    return isinstance(path, str) and not covers(path, "漢あ")


def line_height(font: AnyFont) -> int:
    """Distance between baselines for ``font``."""
    size = getattr(font, "size", None)
    if size:
        spacing = CJK_LINE_SPACING if is_cjk_font(font) else LINE_SPACING
        return int(round(size * spacing))
    box = font.getbbox("Ahgjy|")
    return int(box[3] - box[1]) + 3


@lru_cache(maxsize=256)
def ink_extent(font: AnyFont) -> tuple[float, float]:
    """(above, below): how far the font's glyphs reach above and below the baseline —
    capitals and descenders, and full-height ideographs when the font has them."""
    size = float(getattr(font, "size", 0) or 0)
    sample = "Hg漢" if is_cjk_font(font) else "Hg"
    try:
        box = font.getbbox(sample, anchor="ls")
        return float(-box[1]), float(max(0, box[3]))
    except (ValueError, TypeError):  # bitmap font: no anchors
        box = font.getbbox(sample)
        height = float(box[3] - box[1]) or size or 10.0
        return 0.8 * height, 0.2 * height


def reset() -> None:
    """Forget every cached font decision (after fonts were installed or removed)."""
    for cached in (_installed, font_path, cjk_path, _tables, text_font_path, _load, ink_extent):
        cached.cache_clear()
