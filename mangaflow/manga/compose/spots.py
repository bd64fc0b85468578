"""Where a balloon of a given size may go in a panel, and how good each spot is.

The search tries a grid of positions inside the panel's inner area. Hard rules: a
balloon never overlaps what is already placed (balloons, tails, their keep-out gap) and
never reads before an earlier balloon of the panel
(:func:`~mangaflow.manga.compose.placement.reads_before`). Among the
allowed spots, the score (lower is better) prefers the top of the panel, the speaker's
side and a balloon just above the speaker's head, and adds *penalties* for covered
faces, tails crossing someone else's face or an earlier balloon or tail, and a balloon
standing nearer another character than its speaker. Balloons over bodies cost a little.

Written for speed: the inner loop works on plain numbers, not :class:`Rect` objects.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from mangaflow.manga.compose.layouts import Rect
from mangaflow.manga.compose.placement import Face, grid_steps, segments_cross
from mangaflow.manga.domain.episode import Panel

GAP = 8  # between balloons
W_FACE, W_TOP, W_X, W_BELOW, W_CROSS = 6.0, 1.0, 0.8, 0.4, 1.5
W_BODY = 0.4  # a balloon over a figure's body (not its face): allowed, background is better
W_ATTR = 1.0  # the balloon sits nearer another character than its speaker
W_GAP = 1.2  # empty space between a balloon and the head below it
GRID = 10  # positions tried along each axis
CLEAN = 0.15  # a penalty this small counts as none (a sliver of a face)

Spot = tuple[float, Rect, float]  # (score, box, penalty)
Box = tuple[float, float, float, float]


@dataclass
class Ctx:
    """A panel being lettered: what is placed so far, and where the faces are."""

    panel: Panel
    rect: Rect
    inner: Rect
    direction: str
    faces: list[Face]
    taken: list[Rect] = field(default_factory=list)  # everything placed in this panel
    order: list[Rect] = field(default_factory=list)  # balloons placed, reading order
    leads: list[Box] = field(default_factory=list)  # balloon centre → speaker face lines
    remaining: int = 0  # lines still to place after this one (they need room below)


def speaker_face(ctx: Ctx, speaker: str) -> Face | None:
    """The speaker's face: exact (case-insensitive) name, else a first-name match."""
    key = speaker.casefold().strip()
    exact = next((f for f in ctx.faces if f.name == key), None)
    if exact or not key:
        return exact
    first = key.split()[0]
    return next((f for f in ctx.faces if f.name.split()[0] == first), None)


def _hits(x0: float, y0: float, x1: float, y1: float, r: Box) -> bool:
    """Does the segment (x0, y0)–(x1, y1) pass through box ``r`` (Liang–Barsky)?"""
    t0, t1 = 0.0, 1.0
    dx, dy = x1 - x0, y1 - y0
    for p, q in ((-dx, x0 - r[0]), (dx, r[2] - x0), (-dy, y0 - r[1]), (dy, r[3] - y0)):
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


def _shrunk(r: Rect, k: float) -> Box:
    d = r.h * k
    return (r.x0 + d, r.y0 + d, r.x1 - d, r.y1 - d)


def best_spot(ctx: Ctx, bw: int, bh: int, kind: str, face: Face | None) -> Spot | None:
    """The best allowed spot for a ``bw`` × ``bh`` balloon of ``kind`` speaking for
    ``face`` (None: narration, or an off-panel speaker), or None if there is none. A spot
    without penalties (see :data:`CLEAN`) beats any spot with one, whatever the scores."""
    inner = ctx.inner
    if bw > inner.w or bh > inner.h:
        return None
    rtl = ctx.direction == "rtl"
    iw, ih = float(inner.w), float(inner.h)
    blocked = [(t.x0 - GAP, t.y0 - GAP, t.x1 + GAP, t.y1 + GAP) for t in ctx.taken]
    # reads_before(box, q) for each earlier balloon q, as numbers
    order = [(q.y0 + 4, q.y0 - q.h * 0.25, q.y0, q.y1, q.y0 + q.h * 0.65, q.cx) for q in ctx.order]
    face_boxes = [
        (f.box.x0, f.box.y0, f.box.x1, f.box.y1, W_FACE / max(1, f.box.area)) for f in ctx.faces
    ]
    body_w = W_BODY / max(1, bw * bh)
    bodies = [(b.x0, b.y0, b.x1, b.y1) for f in ctx.faces if (b := f.body) is not None]
    others = [(f.x, (f.box.x0, f.box.y0, f.box.x1, f.box.y1)) for f in ctx.faces if f is not face]
    earlier = [_shrunk(q, 0.15) for q in ctx.order]
    top_w = W_TOP * (1 + 0.75 * ctx.remaining)  # leave room below for the lines to come
    best: tuple[float, int, int, float] | None = None
    for y in grid_steps(inner.y0, inner.y1 - bh, GRID):
        y1 = y + bh
        cy = y + bh / 2
        for x in grid_steps(inner.x0, inner.x1 - bw, GRID):
            x1 = x + bw
            if any(x < bx1 and bx0 < x1 and y < by1 and by0 < y1 for bx0, by0, bx1, by1 in blocked):
                continue
            cx = x + bw / 2
            if any(
                y1 <= top4
                or y < higher
                or (y < qy1 and y1 > qy0 and y < q65 and (cx > qcx if rtl else cx < qcx))
                for top4, higher, qy0, qy1, q65, qcx in order
            ):
                continue  # a reader would meet it before an earlier balloon
            pen = s = 0.0
            for fx0, fy0, fx1, fy1, wgt in face_boxes:
                w = min(x1, fx1) - max(x, fx0)
                if w > 0:
                    h = min(y1, fy1) - max(y, fy0)
                    if h > 0:
                        pen += wgt * w * h
            for bx0, by0, bx1, by1 in bodies:
                w = min(x1, bx1) - max(x, bx0)
                if w > 0:
                    h = min(y1, by1) - max(y, by0)
                    if h > 0:
                        s += body_w * w * h
            if kind == "narration":  # caption: hug the reading-start top corner
                s += 2 * W_TOP * (y - inner.y0) / ih
                s += 2 * W_X * ((inner.x1 - x1) if rtl else (x - inner.x0)) / iw
            else:
                s += top_w * (y - inner.y0) / ih
                if face is not None:
                    dist = abs(cx - face.x)
                    s += W_X * dist / iw
                    if cy > face.y:
                        s += W_BELOW
                    else:  # above the head: not too far above it (a distant figure)
                        s += W_GAP * max(0.0, face.box.y0 - y1 - 40) / ih
                    lead = (cx, cy, face.x, face.y)
                    for ox, obox in others:
                        if _hits(cx, cy, face.x, face.y, obox):  # tail across another face
                            pen += W_CROSS
                        if abs(cx - ox) < 0.8 * dist:  # looks as if the other one speaks
                            pen += W_ATTR
                    for q in earlier:  # the tail would run through an earlier balloon
                        if _hits(cx, cy, face.x, face.y, q):
                            pen += W_CROSS
                    if ctx.leads:
                        core = (x + bh * 0.2, y + bh * 0.2, x1 - bh * 0.2, y1 - bh * 0.2)
                        for other in ctx.leads:  # tails that cross, or one under this balloon
                            if segments_cross(lead, other) or _hits(*other, core):
                                pen += W_CROSS
                else:  # off-panel speaker: near the reading-start side
                    s += 0.5 * W_X * ((inner.x1 - x1) if rtl else (x - inner.x0)) / iw
            total = s + pen
            if best is None or (pen > CLEAN, total) < (best[3] > CLEAN, best[0]):
                best = (total, x, y, pen)
    if best is None:
        return None
    total, x, y, pen = best
    return total, Rect(x, y, x + bw, y + bh), pen
