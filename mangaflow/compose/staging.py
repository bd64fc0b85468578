"""Where things are in a panel: assumed faces (through the cover-crop) and small
geometry helpers for balloon placement."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from mangaflow.compose.layouts import Rect
from mangaflow.domain.episode import Panel

View = tuple[float, float, float, float]  # visible part of the art: u0, v0, u1, v1
FULL: View = (0.0, 0.0, 1.0, 1.0)

#: Face height in the art (fraction from the top). 35 % by default; distant shots put
#: small figures lower, standing on the ground (as the offline artist draws them).
FACE_Y = {"establishing": 0.6, "wide": 0.45}
_FACE_SCALE = {
    "establishing": 0.45,
    "wide": 0.6,
    "medium": 1.0,
    "action": 0.85,
    "close-up": 1.35,
    "extreme-close-up": 1.7,
}


@dataclass(frozen=True)
class Face:
    name: str  # casefolded character name
    box: Rect
    x: float
    y: float


def faces(
    panel: Panel, rect: Rect, *, cast: Sequence[str] | None = None, view: View = FULL
) -> list[Face]:
    """Assumed face boxes of the characters drawn in the panel.

    ``cast`` are the names actually drawn (default: ``panel.characters``); character ``i``
    of ``n`` stands at ``x = (i + 0.5) / n`` of the *art* with the face at 35 % of its
    height (:data:`FACE_Y` for distant shots). ``view`` is the part of the art the panel
    shows after cover-cropping (u0, v0, u1, v1), so faces move with the crop (and may
    fall outside the panel).
    """
    names = list(panel.characters if cast is None else cast)
    n = len(names)
    if not n:
        return []
    u0, v0, u1, v1 = view
    vw, vh = max(1e-6, u1 - u0), max(1e-6, v1 - v0)
    sc = _FACE_SCALE.get(panel.shot, 1.0)
    fh = min(rect.h * 0.26 * sc / vh, rect.h * 0.6)
    fw = min(rect.w * 0.6 / n / vw, fh)
    out = []
    for i, name in enumerate(names):
        x = rect.x0 + ((i + 0.5) / n - u0) / vw * rect.w
        y = rect.y0 + (FACE_Y.get(panel.shot, 0.35) - v0) / vh * rect.h
        box = Rect(int(x - fw / 2), int(y - fh / 2), int(x + fw / 2), int(y + fh / 2))
        out.append(Face(name.casefold(), box, x, y))
    return out


def grid_steps(lo: int, hi: int, n: int) -> list[int]:
    if hi <= lo:
        return [lo]
    n = max(2, min(n, (hi - lo) // 6 + 1))
    return sorted({lo + round(k * (hi - lo) / (n - 1)) for k in range(n)})


def segment_hits(x0: float, y0: float, x1: float, y1: float, r: Rect) -> bool:
    """Does the segment (x0, y0)–(x1, y1) pass through ``r`` (Liang–Barsky)?"""
    t0, t1 = 0.0, 1.0
    dx, dy = x1 - x0, y1 - y0
    for p, q in ((-dx, x0 - r.x0), (dx, r.x1 - x0), (-dy, y0 - r.y0), (dy, r.y1 - y0)):
        if p == 0:
            if q < 0:
                return False
            continue
        t = q / p
        if p < 0:
            t0 = max(t0, t)
        else:
            t1 = min(t1, t)
        if t0 > t1:
            return False
    return True


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
    """Would a reader meet ``box`` before the already placed ``q``?"""
    if box.y1 <= q.y0 + 4:
        return True
    if box.y0 < q.y1 and box.y1 > q.y0 and box.y0 < q.y0 + q.h * 0.65:
        return box.cx > q.cx if direction == "rtl" else box.cx < q.cx
    return False


def ellipse_edge(a: float, b: float, ux: float, uy: float) -> float:
    return 1.0 / math.sqrt((ux / a) ** 2 + (uy / b) ** 2)
