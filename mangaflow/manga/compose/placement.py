"""Where things are in a panel: assumed faces (through the cover-crop) and small
geometry helpers for balloon placement."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from mangaflow.manga.art.table import BUILD_DIMS, heads_of
from mangaflow.manga.compose.layouts import Rect
from mangaflow.manga.domain.episode import Panel

View = tuple[float, float, float, float]  # visible part of the art: u0, v0, u1, v1
FULL: View = (0.0, 0.0, 1.0, 1.0)

HEADS = BUILD_DIMS["average"][0]  # a figure's height in head heights (the average build)
#: How far (head heights up, down) a head may sit from where :func:`stage` expects it:
#: poses lift or bend a figure, indoor floors move the ground line.
SLACK = {"medium": (0.1, 0.4), "action": (0.4, 0.2), "wide": (0.25, 0.9),
         "establishing": (0.25, 0.9)}  # fmt: skip
CLOSE_SHOTS = ("close-up", "extreme-close-up")


@dataclass(frozen=True)
class Face:
    name: str  # casefolded character name
    box: Rect  # eyes-to-chin (close shots) or the whole head (figures)
    x: float
    y: float
    body: Rect | None = None  # the figure below the head, if it is in the panel


@dataclass(frozen=True)
class Figure:
    """Where a character is drawn, in art units: head centre (x of the width, y of the
    height), head radius and the feet line (both of the height), head height ``hh``."""

    x: float
    y: float
    r: float
    feet: float
    hh: float


def _spread(n: int) -> list[float]:
    """Medium shots spread the cast over the middle of the frame."""
    if n == 1:
        return [0.5]
    k = {2: 0.24, 3: 0.32}.get(n, 0.36)
    return [0.5 - k + 2 * k * i / (n - 1) for i in range(n)]


def stage(
    shot: str, n: int, aspect: float, *, action: bool = False, heads: Sequence[float] = ()
) -> list[Figure]:
    """Where the art shows ``n`` characters in a ``shot`` of shape ``aspect`` (width /
    height). This is the staging contract image requests carry: character ``i`` of ``n``
    stands at ``(i + 0.5) / n`` of the width (``CharacterLook.position``), and the framing
    of each shot is the offline artist's:

    * establishing / wide: small full figures standing on the ground near the bottom;
    * medium: waist-up figures spread over the middle, heads in the upper third (with
      ``action`` — SFX in the panel — they lean in towards each other);
    * action: the first character (the attacker) leaps high, the others stand lower right
      of it, each further down the frame;
    * close-up / extreme close-up: only the first character, one big face.

    ``heads`` are the characters' heights in head heights (:func:`heads_of`; default
    :data:`HEADS`): a short character's head is lower in the frame.
    """
    a = max(0.2, aspect)
    pos = [(i + 0.5) / n for i in range(n)]
    tall = [heads[i] if i < len(heads) else HEADS for i in range(n)]
    if shot in CLOSE_SHOTS:
        x = 0.5 + (pos[0] - 0.5) * 0.35
        if shot == "close-up":
            hh = min(0.6, 0.72 * a)
            return [Figure(x, 0.5, 0.48 * hh, 1.5, hh)]
        hh = min(1.25, 1.5 * a)
        return [Figure(x, 0.5 - 0.15 * hh, 0.48 * hh, 1.5, hh)]
    out: list[Figure] = []
    if shot == "action":
        hh = min(0.105, a / (2.86 * n))
        for i, p in enumerate(pos):
            t = i / max(1, n - 1)
            feet = 0.7 + 0.26 * t if n > 1 else 0.9
            facing = 1 if (n == 1 and p <= 0.5) or p < 0.5 else -1
            lean = 0.22 if i == 0 else -0.06
            x = p + facing * lean * tall[i] * hh / a
            out.append(Figure(x, feet - (tall[i] - 0.5) * hh, 0.48 * hh, feet, hh))
        return out
    if shot == "medium":
        xs = _spread(n)
        gaps = [b - q for q, b in zip(xs, xs[1:], strict=False)] + [2 * xs[0], 2 * (1 - xs[-1])]
        hh = min(0.27, min(gaps) * a / 2.6 * 1.6)
        for x, k in zip(xs, tall, strict=True):  # waists near the bottom edge
            lean = 0.12 * k * hh / a if action else 0.0
            x += lean if x < 0.5 else -lean if x > 0.5 else 0.0
            out.append(Figure(x, 0.86 - (k - 3.73) * hh, 0.48 * hh, 1.2, hh))
        return out
    if shot == "establishing":
        hh, ground = 0.045, 0.93
    else:  # wide (and anything unknown)
        hh, ground = min(0.08, a / (3.08 * n)), 0.95
    return [Figure(p, ground - (k - 0.41) * hh, 0.46 * hh, ground, hh)
            for p, k in zip(pos, tall, strict=True)]  # fmt: skip


def faces(
    panel: Panel,
    rect: Rect,
    *,
    cast: Sequence[str] | None = None,
    view: View = FULL,
    builds: Sequence[str] = (),
) -> list[Face]:
    """Face (and body) boxes of the characters drawn in the panel, in page pixels.

    ``cast`` are the names actually drawn (default: ``panel.characters``), staged as
    :func:`stage` says; ``builds`` their story-bible silhouettes (heights). ``view`` is the part of the art the panel shows after
    cover-cropping (u0, v0, u1, v1), so faces move with the crop (and may fall outside
    the panel: such a speaker is treated as off-panel by the balloons).
    """
    names = list(panel.characters if cast is None else cast)
    if not names:
        return []
    u0, v0, u1, v1 = view
    vw, vh = max(1e-6, u1 - u0), max(1e-6, v1 - v0)
    aspect = (rect.w / vw) / max(1.0, rect.h / vh)
    close = panel.shot in CLOSE_SHOTS
    out = []
    for name, fig in zip(
        names,
        stage(
            panel.shot,
            len(names),
            aspect,
            action=bool(panel.sfx),
            heads=[heads_of(b) for b in builds],
        ),
        strict=False,
    ):
        x = rect.x0 + (fig.x - u0) / vw * rect.w
        y = rect.y0 + (fig.y - v0) / vh * rect.h
        r = fig.r / vh * rect.h
        if close:  # the eyes, nose and mouth; hair above them may be covered
            box = Rect(int(x - 0.85 * r), int(y + 0.02 * r), int(x + 0.85 * r), int(y + r))
            body = None
        else:  # the head, and as far again as poses and floors move it (in head heights)
            hh = fig.hh / vh * rect.h
            up, down = SLACK.get(panel.shot, (0.75, 1.0))
            box = Rect(int(x - r), int(y - 1.1 * r - up * hh), int(x + r), int(y + r + down * hh))
            feet = rect.y0 + (fig.feet - v0) / vh * rect.h
            half = 1.5 * hh
            body = Rect(int(x - half), box.y1, int(x + half), int(max(box.y1 + 1, feet)))
        out.append(Face(name.casefold(), box, x, y, body))
    return out


@lru_cache(maxsize=4096)
def grid_steps(lo: int, hi: int, n: int) -> tuple[int, ...]:
    """Up to ``n`` evenly spread integer positions from ``lo`` to ``hi`` (cached)."""
    if hi <= lo:
        return (lo,)
    n = max(2, min(n, (hi - lo) // 6 + 1))
    return tuple(sorted({lo + round(k * (hi - lo) / (n - 1)) for k in range(n)}))


def segments_cross(
    p: tuple[float, float, float, float], q: tuple[float, float, float, float]
) -> bool:
    def orient(ax: float, ay: float, bx: float, by: float, cx: float, cy: float) -> float:
        return (bx - ax) * (cy - ay) - (by - ay) * (cx - ax)

    d1 = orient(q[0], q[1], q[2], q[3], p[0], p[1])
    d2 = orient(q[0], q[1], q[2], q[3], p[2], p[3])
    d3 = orient(p[0], p[1], p[2], p[3], q[0], q[1])
    d4 = orient(p[0], p[1], p[2], p[3], q[2], q[3])
    return d1 * d2 < 0 and d3 * d4 < 0


def reads_before(box: Rect, q: Rect, direction: str) -> bool:
    """Would a reader meet ``box`` before ``q``? Yes when ``box`` is entirely above ``q``
    (its bottom at most 4 px below ``q``'s top), when its top is clearly higher (by more
    than a quarter of ``q``'s height), or when the two share rows with ``box``'s top above
    ``q``'s upper 65 % and ``box`` on the reading-start side (right for rtl, else left)."""
    if box.y1 <= q.y0 + 4 or box.y0 < q.y0 - q.h * 0.25:
        return True
    if box.y0 < q.y1 and box.y1 > q.y0 and box.y0 < q.y0 + q.h * 0.65:
        return box.cx > q.cx if direction == "rtl" else box.cx < q.cx
    return False


def ellipse_edge(a: float, b: float, ux: float, uy: float) -> float:
    return 1.0 / math.sqrt((ux / a) ** 2 + (uy / b) ** 2)
