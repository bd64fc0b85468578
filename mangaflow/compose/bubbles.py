"""Balloon placement: size, wrap, position and tail for each dialogue line.

Everything here is geometry; :mod:`mangaflow.compose.shapes` draws it.

Conventions: the panel's characters stand side by side — character ``i`` of ``n``
at ``x = (i + 0.5) / n`` of the art's width with the face at ~35 % of its height,
mapped through the cover-crop onto the panel (see :func:`faces`). Balloons go in
reading order (rtl: first balloon top-right), stay inside their panel, never overlap
each other, and avoid faces where they can; tails aim at the speaker's face (or out
of the panel for an off-panel speaker). Lines that do not fit even at
:data:`MIN_SIZE` are returned as overflow, never cut.

Placement is a scored search: for each line, sizes from large to small, a few wrap
widths each, and a grid of positions; the score prefers the top of the panel, the
speaker's side and a balloon just above the speaker's head, and penalises covered or
crossed faces, tails through other balloons and breaks of reading order.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from mangaflow.compose.fonts import AnyFont, Role, get_font, line_height
from mangaflow.compose.layouts import Rect
from mangaflow.compose.staging import (
    FULL,
    Face,
    View,
    ellipse_edge,
    faces,
    grid_steps,
    reads_before,
    segment_hits,
    segments_cross,
)
from mangaflow.compose.text import block_size, measure, wrap
from mangaflow.domain.episode import DialogueLine, Panel

BORDER = 4  # panel border, px
PAD = 10  # keep-out between panel border and balloons
GAP = 8  # between balloons
MIN_SIZE = 16  # smallest lettering, px
MAX_SIZE = {"speech": 26, "thought": 24, "shout": 30, "narration": 22}
SIZE_STEP = 2
SQRT2 = math.sqrt(2)

# Scoring weights (lower total is better).
W_FACE, W_TOP, W_X, W_ORDER, W_SHAPE, W_BELOW, W_CROSS = 3.0, 1.0, 0.8, 2.5, 0.25, 0.4, 1.5
W_ATTR = 1.0  # the balloon sits nearer another character than its speaker
W_GAP = 1.2  # empty space between a balloon and the head below it
CLEAN = 0.15  # penalty accepted without trying smaller lettering (≈ 5 % of a face)
SIZE_COST = 0.1  # per px of lettering given up, when every size has a penalty
RETRIES = 3  # extra placement attempts for a panel whose greedy placement has penalties


@dataclass(frozen=True)
class Bubble:
    """Geometry of one balloon, caption or SFX on the page."""

    panel: int  # panel number (episode-wide)
    kind: str  # speech | thought | shout | narration | sfx
    text: str
    speaker: str
    box: Rect  # outer body (ellipse bbox, caption box, rotated SFX bbox)
    font_size: int
    lines: tuple[str, ...] = ()
    tail: tuple[int, int] | None = None  # tail tip / last thought puff
    puffs: tuple[tuple[int, int, int], ...] = ()  # thought trail (x, y, r)
    angle: float = 0.0  # SFX rotation, degrees
    seed: int = 0
    rim: int = 0  # cloud puff radius / burst spike length around the text ellipse

    @property
    def text_ellipse(self) -> Rect:
        """The ellipse (bbox) that holds the text: body minus puffs / spikes."""
        return self.box.inset(self.rim) if self.rim else self.box


def puff_radius(a: float, b: float) -> int:
    """Radius of the cloud puffs around a text ellipse of semi-axes a, b."""
    return int(max(9, min(24, 0.17 * min(a, b))))


def spike_length(a: float, b: float) -> int:
    return int(max(9, min(26, 0.2 * min(a, b))))


def _fit_ellipse(widths: list[float], lh: int, size: int) -> tuple[float, float]:
    """Smallest ellipse (semi-axes a, b) around centred lines of the given widths."""
    n = len(widths)
    visual = (n - 1) * lh + 0.86 * size
    px, py = 0.55 * size, 0.45 * size
    corners = []
    for i, w in enumerate(widths):
        top = -visual / 2 + i * lh
        corners.append((w / 2 + px, max(abs(top), abs(top + 0.86 * size)) + py))
    best: tuple[float, float, float] | None = None
    for k in (0.3, 0.38, 0.45, 0.52, 0.6, 0.68, 0.77, 0.87, 1.0):
        a = math.sqrt(max(x * x + (y / k) ** 2 for x, y in corners))
        cand = (a * a * k, a, a * k)
        if best is None or cand[0] < best[0]:
            best = cand
    assert best is not None
    return best[1], best[2]


def _body_size(kind: str, font: AnyFont, lines: list[str], size: int) -> tuple[int, int, int]:
    """(width, height, rim) of the balloon body for ``lines``."""
    if kind == "narration":
        tw, th = block_size(font, lines)
        p = size * 0.55
        return int(tw + 2 * p), int(th + 2 * p), 0
    a, b = _fit_ellipse([measure(font, ln) for ln in lines], line_height(font), size)
    a, b = math.ceil(a), math.ceil(b)
    rim = {"thought": puff_radius, "shout": spike_length}.get(kind, lambda a, b: 0)(a, b)
    return 2 * (a + rim), 2 * (b + rim), rim


@dataclass
class _Ctx:
    panel: Panel
    rect: Rect
    inner: Rect
    direction: str
    faces: list[Face]
    taken: list[Rect] = field(default_factory=list)  # everything placed in this panel
    order: list[Rect] = field(default_factory=list)  # balloons placed, reading order
    leads: list[tuple[float, float, float, float]] = field(default_factory=list)  # tail lines


def _speaker_face(ctx: _Ctx, speaker: str) -> Face | None:
    """The speaker's face: exact (case-insensitive) name, else a first-name match."""
    key = speaker.casefold().strip()
    exact = next((f for f in ctx.faces if f.name == key), None)
    if exact or not key:
        return exact
    first = key.split()[0]
    return next((f for f in ctx.faces if f.name.split()[0] == first), None)


def _score(ctx: _Ctx, box: Rect, kind: str, face: Face | None) -> tuple[float, float]:
    """(total, penalty): penalty counts covered faces, crossed faces and order breaks."""
    s = pen = 0.0
    for f in ctx.faces:
        ov = box.overlap(f.box)
        if ov:
            pen += W_FACE * ov / max(1, f.box.area)
    inner = ctx.inner
    rtl = ctx.direction == "rtl"
    if kind == "narration":  # caption: hug the reading-start top corner
        s += 2 * W_TOP * (box.y0 - inner.y0) / inner.h
        edge = (inner.x1 - box.x1) if rtl else (box.x0 - inner.x0)
        s += 2 * W_X * edge / inner.w
    else:
        s += W_TOP * (box.y0 - inner.y0) / inner.h
        if face is not None:
            s += W_X * abs(box.cx - face.x) / inner.w
            if box.cy > face.y:
                s += W_BELOW
            else:  # above the head: not too far above it (a distant figure)
                s += W_GAP * max(0.0, face.box.y0 - box.y1 - 40) / inner.h
            lead = (box.cx, box.cy, face.x, face.y)
            for f in ctx.faces:
                if f is face:
                    continue
                if segment_hits(*lead, f.box):  # the tail would cross someone else's face
                    pen += W_CROSS
                if abs(box.cx - f.x) < 0.8 * abs(box.cx - face.x):  # looks like f speaks
                    pen += W_ATTR
            for q in ctx.order:  # the tail would run through an earlier balloon
                if segment_hits(*lead, q.inset(q.h * 0.15)):
                    pen += W_CROSS
            for other in ctx.leads:  # tails that cross, or an earlier tail under this one
                if segments_cross(lead, other) or segment_hits(*other, box.inset(box.h * 0.2)):
                    pen += W_CROSS
        else:  # off-panel speaker: near the reading-start side
            edge = (inner.x1 - box.x1) if rtl else (box.x0 - inner.x0)
            s += 0.5 * W_X * edge / inner.w
    for q in ctx.order:
        if reads_before(box, q, ctx.direction):
            pen += W_ORDER
    return s + pen, pen


def _best_spot(ctx: _Ctx, bw: int, bh: int, kind: str, face: Face | None):
    inner = ctx.inner
    if bw > inner.w or bh > inner.h:
        return None
    best: tuple[float, Rect, float] | None = None
    blocked = [(t.x0 - GAP, t.y0 - GAP, t.x1 + GAP, t.y1 + GAP) for t in ctx.taken]
    for y in grid_steps(inner.y0, inner.y1 - bh, 12):
        y1 = y + bh
        for x in grid_steps(inner.x0, inner.x1 - bw, 12):
            x1 = x + bw
            if any(x < bx1 and bx0 < x1 and y < by1 and by0 < y1 for bx0, by0, bx1, by1 in blocked):
                continue
            box = Rect(x, y, x1, y1)
            sc, pen = _score(ctx, box, kind, face)
            if best is None or sc < best[0]:
                best = (sc, box, pen)
    return best


def _widths(font: AnyFont, text: str, kind: str, inner: Rect, size: int) -> list[float]:
    lh = line_height(font)
    total = measure(font, text)
    longest = max((measure(font, w) for w in text.split()), default=total)
    if kind == "narration":
        cap, ideal = inner.w - 1.1 * size, math.sqrt(3.5 * total * lh)
    else:
        cap, ideal = inner.w / SQRT2 - 1.4 * size, math.sqrt(1.6 * total * lh)
    cap = max(cap, 2.0 * size)
    out = {min(cap, max(ideal * f, min(longest, cap), 2.5 * size)) for f in (0.8, 1.0, 1.3, 1.8)}
    out.add(cap)
    return sorted(out)


def _layout_line(ctx: _Ctx, line: DialogueLine, face: Face | None):
    """Best (score, box, font_size, lines) for ``line`` or None if it cannot fit."""
    kind = line.kind
    role: Role = "bold" if kind == "shout" else "text"
    fallback = None
    for size in range(MAX_SIZE[kind], MIN_SIZE - 1, -SIZE_STEP):
        font = get_font(size, role, line.text)
        best = None
        seen: set[tuple[str, ...]] = set()
        for tw in _widths(font, line.text, kind, ctx.inner, size):
            lines = wrap(font, line.text, tw)
            if tuple(lines) in seen:  # another width gave the same line breaks
                continue
            seen.add(tuple(lines))
            bw, bh, rim = _body_size(kind, font, lines, size)
            spot = _best_spot(ctx, bw, bh, kind, face)
            if spot is None:
                continue
            shape = W_SHAPE * abs(math.log((bw / bh) / (2.4 if kind == "narration" else 1.5)))
            cand = (spot[0] + shape, spot[1], size, tuple(lines), rim, spot[2])
            if best is None or cand[0] < best[0]:
                best = cand
        if best is None:
            continue
        penalised = (best[0] + SIZE_COST * (MAX_SIZE[kind] - size), *best[1:])
        if best[5] <= CLEAN:  # no face covered, no crossing, reading order kept
            return penalised
        if fallback is None or penalised[0] < fallback[0]:
            fallback = penalised
    return fallback


def _tail(ctx: _Ctx, kind: str, box: Rect, rim: int, face: Face | None):
    """(tip, puffs) for a balloon of ``kind`` at ``box`` speaking for ``face``."""
    ell = box.inset(rim)
    a, b = ell.w / 2, ell.h / 2
    cx, cy = ell.cx, ell.cy
    if face is not None:  # aim at the face centre, stop short of the (oval) face
        tx, ty = face.x, face.y
    else:  # off-panel: point out through the nearest side
        left = box.cx - ctx.rect.x0 < ctx.rect.x1 - box.cx
        tx, ty = (ctx.rect.x0 - 60 if left else ctx.rect.x1 + 60), cy + b + 60
    dx, dy = tx - cx, ty - cy
    dist = math.hypot(dx, dy) or 1.0
    ux, uy = dx / dist, dy / dist
    edge = ellipse_edge(a, b, ux, uy)
    if face is not None:
        reach = dist - ellipse_edge(face.box.w / 2, face.box.h / 2, ux, uy) - 8
    else:
        reach = dist
    keep = ctx.rect.inset(BORDER + 3)
    others = [t for t in ctx.taken if t != box]
    if kind == "thought":
        r0 = max(8.0, min(16.0, 0.18 * min(a, b)))
        puffs: list[tuple[int, int, int]] = []
        d = edge + (box.w / 2 - a) + 3
        for r in (r0, r0 * 0.68, r0 * 0.45):
            d += r + 2
            px, py = cx + ux * d, cy + uy * d
            if not keep.inset(r).contains_point(px, py) or any(
                o.contains_point(px, py) for o in others
            ):
                break
            if len(puffs) >= 2 and d + r > reach:
                break  # two puffs are enough when the head is this close
            puffs.append((int(px), int(py), int(r)))
            d += r + 2
        if not puffs:
            return None, ()
        return (puffs[-1][0], puffs[-1][1]), tuple(puffs)
    length = max(16.0 + rim, min(reach - edge, 30 + rim + 0.5 * min(a, b), 120.0 + rim))
    while True:
        px, py = cx + ux * (edge + length), cy + uy * (edge + length)
        px = min(max(px, keep.x0), keep.x1)
        py = min(max(py, keep.y0), keep.y1)
        if length <= 10 or not any(o.contains_point(px, py) for o in others):
            break
        length *= 0.7
    return (int(px), int(py)), ()


def _attempt(
    panel: Panel, rect: Rect, direction: str, seed: int, banned: list[Rect], face_list: list[Face]
) -> tuple[list[Bubble], list[str], float, float, Rect | None]:
    """Greedy placement in reading order; ``banned`` is kept free for the first balloon.

    Returns (balloons, overflow, cost, penalty, first balloon's box).
    """
    ctx = _Ctx(panel, rect, rect.inset(BORDER + PAD), direction, face_list)
    placed: list[Bubble] = []
    overflow: list[str] = []
    cost = penalty = 0.0
    first: Rect | None = None
    for i, line in enumerate(panel.dialogue):
        if not line.text.split():
            continue  # whitespace only: nothing to letter
        face = None if line.kind == "narration" else _speaker_face(ctx, line.speaker)
        if first is None:
            ctx.taken.extend(banned)
        best = _layout_line(ctx, line, face)
        if first is None:
            del ctx.taken[len(ctx.taken) - len(banned) :]
        if best is None:
            overflow.append(line.text)
            cost += 20.0
            continue
        score, box, size, lines, rim, pen = best
        cost, penalty = cost + score, penalty + pen
        first = first or box
        ctx.taken.append(box)
        ctx.order.append(box)
        if face is not None:
            ctx.leads.append((box.cx, box.cy, face.x, face.y))
        tip, puffs = (
            (None, ()) if line.kind == "narration" else _tail(ctx, line.kind, box, rim, face)
        )
        bubble = Bubble(
            panel=panel.number, kind=line.kind, text=line.text, speaker=line.speaker, box=box,
            font_size=size, lines=lines, tail=tip, puffs=puffs, seed=seed * 31 + i, rim=rim,
        )  # fmt: skip
        ctx.taken += keep_out(bubble)[1:]  # keep later balloons off this tail
        placed.append(bubble)
    return placed, overflow, cost, penalty, first  # fmt: skip


def place_balloons(
    panel: Panel,
    rect: Rect,
    *,
    direction: str = "rtl",
    seed: int = 0,
    cast: Sequence[str] | None = None,
    view: View = FULL,
) -> tuple[list[Bubble], list[str]]:
    """Place every dialogue line of ``panel`` inside ``rect``; returns (balloons, overflow).

    ``cast`` / ``view``: see :func:`faces`. Greedy in reading order. When that forces a
    penalty (a covered or crossed face, a balloon read out of order, or overflow), up to
    :data:`RETRIES` more attempts keep the earlier first-balloon spots free, and the
    cheapest attempt wins.
    """
    face_list = faces(panel, rect, cast=cast, view=view)
    placed, overflow, cost, penalty, first = _attempt(panel, rect, direction, seed, [], face_list)
    banned: list[Rect] = []
    tries = 0
    while (penalty > CLEAN or overflow) and first is not None and tries < RETRIES:
        if len([d for d in panel.dialogue if d.text.split()]) < 2:
            break
        banned.append(first)
        tries += 1
        alt = _attempt(panel, rect, direction, seed, banned, face_list)
        first = alt[4]
        if alt[2] < cost:
            placed, overflow, cost, penalty = alt[0], alt[1], alt[2], alt[3]
    return placed, overflow


def keep_out(b: Bubble) -> list[Rect]:
    """Areas others must avoid: the body first, then small squares along the tail."""
    out = [b.box]
    if b.tail is not None and not b.puffs:
        for t in (0.55, 0.8, 1.0):
            x = b.box.cx + (b.tail[0] - b.box.cx) * t
            y = b.box.cy + (b.tail[1] - b.box.cy) * t
            if not b.box.contains_point(x, y):
                out.append(Rect(int(x) - 7, int(y) - 7, int(x) + 7, int(y) + 7))
    out += [Rect(x - r, y - r, x + r, y + r) for x, y, r in b.puffs]
    return out


def font_for(b: Bubble) -> AnyFont:
    """The font a balloon's text was fitted with."""
    return get_font(b.font_size, "bold" if b.kind == "shout" else "text", b.text)
