"""Word wrapping and text-block measurement."""

from __future__ import annotations

from functools import lru_cache

from mangaflow.compose.fonts import AnyFont, line_height


@lru_cache(maxsize=8192)
def _length(font: AnyFont, s: str) -> float:
    return float(font.getlength(s))


def measure(font: AnyFont, s: str) -> float:
    """Advance width of ``s`` in pixels (cached)."""
    return _length(font, s)


def _split_long(font: AnyFont, word: str, max_w: float) -> list[str]:
    """Break a word wider than ``max_w`` into pieces (also handles CJK runs)."""
    pieces, cur = [], ""
    for ch in word:
        if cur and measure(font, cur + ch) > max_w:
            pieces.append(cur)
            cur = ch
        else:
            cur += ch
    if cur:
        pieces.append(cur)
    return pieces


def wrap(font: AnyFont, text: str, max_w: float) -> list[str]:
    """Greedy word wrap of ``text`` to lines no wider than ``max_w`` (where possible)."""
    words: list[str] = []
    for w in text.split():
        words += _split_long(font, w, max_w) if measure(font, w) > max_w else [w]
    lines: list[str] = []
    cur = ""
    space = measure(font, " ")
    cur_w = 0.0
    for w in words:
        ww = measure(font, w)
        if cur and cur_w + space + ww > max_w:
            lines.append(cur)
            cur, cur_w = w, ww
        elif cur:
            cur, cur_w = f"{cur} {w}", cur_w + space + ww
        else:
            cur, cur_w = w, ww
    if cur:
        lines.append(cur)
    return lines


def block_size(font: AnyFont, lines: list[str]) -> tuple[int, int]:
    """(width, height) of centred ``lines`` set in ``font``."""
    if not lines:
        return (0, 0)
    w = max(measure(font, line) for line in lines)
    lh = line_height(font)
    size = getattr(font, "size", lh)
    # last line: only its glyph height, not the full leading
    h = lh * (len(lines) - 1) + int(round(size * 1.02))
    return (int(round(w)), h)
