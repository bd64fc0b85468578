"""Line breaking and text-block measurement.

Latin text breaks at spaces. CJK text has no spaces: it may break between any two
characters, except that closing punctuation, small kana and the prolonged-sound mark
never start a line and opening brackets never end one (a light *kinsoku* rule).
"""

from __future__ import annotations

from functools import lru_cache

from mangaflow.manga.compose.fonts import AnyFont, ink_extent, is_cjk, line_height

#: Never at the start of a line (they stick to the character before).
NO_START = frozenset(
    "、。，．,.!?！？)）]］}｝」』】〕〉》〙〗’”・：；:;…‥ー〜～々ゝゞヽヾ"
    "ぁぃぅぇぉっゃゅょゎゕゖァィゥェォッャュョヮヵヶ"
)
#: Never at the end of a line (they stick to the character after).
NO_END = frozenset("(（[［{｛「『【〔〈《〘〖‘“")

Token = tuple[str, bool]  # (text, a space before it)


@lru_cache(maxsize=8192)
def _length(font: AnyFont, s: str) -> float:
    return float(font.getlength(s))


def measure(font: AnyFont, s: str) -> float:
    """Advance width of ``s`` in pixels (cached)."""
    return _length(font, s)


def _atoms(word: str) -> list[str]:
    """A space-free word cut where a line may break: between CJK characters, and between
    a CJK character and a Latin run (kinsoku characters stick to their neighbour)."""
    atoms: list[str] = []
    glue = False  # the previous atom ends with an opening bracket
    for ch in word:
        cjk = is_cjk(ch)
        if atoms and (glue or ch in NO_START):
            atoms[-1] += ch
        elif atoms and not cjk and not is_cjk(atoms[-1][-1]):
            atoms[-1] += ch  # Latin run
        else:
            atoms.append(ch)
        glue = ch in NO_END
    return atoms


@lru_cache(maxsize=2048)
def tokens(text: str) -> tuple[Token, ...]:
    """The pieces a line may break between, each with whether a space precedes it."""
    out: list[Token] = []
    for word in text.split():
        for i, atom in enumerate(_atoms(word)):
            out.append((atom, i == 0 and bool(out)))
    return tuple(out)


def _split_long(font: AnyFont, word: str, max_w: float) -> list[str]:
    """Break a piece wider than ``max_w`` into parts (an overlong Latin word)."""
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


def longest_piece(font: AnyFont, text: str) -> float:
    """Width of the widest unbreakable piece of ``text``."""
    return max((measure(font, t) for t, _ in tokens(text)), default=0.0)


def wrap(font: AnyFont, text: str, max_w: float) -> list[str]:
    """Greedy line breaking of ``text`` to lines no wider than ``max_w`` (where possible)."""
    pieces: list[Token] = []
    for t, space in tokens(text):
        if measure(font, t) > max_w:
            parts = _split_long(font, t, max_w)
            pieces += [(p, space and k == 0) for k, p in enumerate(parts)]
        else:
            pieces.append((t, space))
    lines: list[str] = []
    cur = ""
    cur_w = 0.0
    space_w = measure(font, " ")
    for t, space in pieces:
        w = measure(font, t)
        gap = space_w if space else 0.0
        if cur and cur_w + gap + w > max_w:
            lines.append(cur)
            cur, cur_w = t, w
        elif cur:
            cur, cur_w = cur + (" " if space else "") + t, cur_w + gap + w
        else:
            cur, cur_w = t, w
    if cur:
        lines.append(cur)
    return lines


def block_height(font: AnyFont, n_lines: int) -> float:
    """Height of ``n_lines`` lines: line spacing between them, glyph height for the last."""
    above, below = ink_extent(font)
    return line_height(font) * max(0, n_lines - 1) + above + below


def block_size(font: AnyFont, lines: list[str]) -> tuple[int, int]:
    """(width, height) of centred ``lines`` set in ``font``."""
    if not lines:
        return (0, 0)
    w = max(measure(font, line) for line in lines)
    return (int(round(w)), int(round(block_height(font, len(lines)))))
