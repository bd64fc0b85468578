"""Balloon placement: size, wrap, position and tail for each dialogue line.

Everything here is geometry; :mod:`mangaflow.manga.compose.shapes` draws it.

Conventions: the panel's characters are where the art request puts them — character
``i`` of ``n`` at ``x = (i + 0.5) / n`` of the art's width, framed per shot (see
:func:`~mangaflow.manga.compose.placement.stage`) and mapped through the cover-crop onto the
panel. Balloons stay inside their panel, never overlap each other and avoid faces
where they can; tails aim at the speaker's face (or out of the panel for an off-panel
speaker). Lines that do not fit even at :data:`MIN_SIZE`, or that no installed font can
show, are returned as overflow, never cut.

Reading order is a rule: a balloon is never placed where a reader would meet it before
an earlier balloon of the panel (:func:`~mangaflow.manga.compose.placement.reads_before`: not
entirely above it, and when level with it — its top above the earlier one's upper 65 % —
on the later side: left of it for rtl, right of it for ltr).

Placement is a scored search (:mod:`mangaflow.manga.compose.spots`): for each line, sizes
from large to small, a few wrap widths each, and a grid of positions; the first size
with a spot free of penalties (covered or crossed faces, crossed tails) wins.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from mangaflow.manga.compose.fonts import (
    AnyFont,
    Role,
    get_font,
    ink_extent,
    line_height,
    missing_letters,
)
from mangaflow.manga.compose.layouts import Rect
from mangaflow.manga.compose.placement import FULL, Face, View, ellipse_edge, faces
from mangaflow.manga.compose.spots import CLEAN, Ctx, best_spot, speaker_face
from mangaflow.manga.compose.text import block_size, longest_piece, measure, wrap
from mangaflow.manga.domain.episode import DialogueLine, Panel

BORDER = 4  # panel border, px
PAD = 10  # keep-out between panel border and balloons
MIN_SIZE = 16  # smallest lettering, px
MAX_SIZE = {"speech": 26, "thought": 24, "shout": 30, "narration": 22}
SIZE_STEP = 2
SQRT2 = math.sqrt(2)

# Scoring weights (lower total is better).
W_SHAPE = 0.25  # balloons far from their ideal width / height ratio
SIZE_SPREAD = 4  # px: balloons of one panel are lettered at most this far apart, if they can
SIZE_COST = 0.2  # per px of lettering given up, when every size has a penalty
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


def _fit_ellipse(widths: list[float], lh: int, size: int, glyph: float) -> tuple[float, float]:
    """Smallest ellipse (semi-axes a, b) around centred lines of the given widths;
    ``glyph`` is the height of one line's ink (capitals to descenders)."""
    n = len(widths)
    visual = (n - 1) * lh + glyph
    px, py = 0.55 * size, 0.45 * size
    corners = []
    for i, w in enumerate(widths):
        top = -visual / 2 + i * lh
        corners.append((w / 2 + px, max(abs(top), abs(top + glyph)) + py))
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
    glyph = sum(ink_extent(font))
    a, b = _fit_ellipse([measure(font, ln) for ln in lines], line_height(font), size, glyph)
    a, b = math.ceil(a), math.ceil(b)
    rim = {"thought": puff_radius, "shout": spike_length}.get(kind, lambda a, b: 0)(a, b)
    return 2 * (a + rim), 2 * (b + rim), rim


def _widths(font: AnyFont, text: str, kind: str, inner: Rect, size: int) -> list[float]:
    lh = line_height(font)
    total = measure(font, text)
    longest = longest_piece(font, text) or total
    if kind == "narration":
        cap, ideal = inner.w - 1.1 * size, math.sqrt(3.5 * total * lh)
    else:
        cap, ideal = inner.w / SQRT2 - 1.4 * size, math.sqrt(1.6 * total * lh)
    cap = max(cap, 2.0 * size)
    out = {min(cap, max(ideal * f, min(longest, cap), 2.5 * size)) for f in (0.8, 1.0, 1.3, 1.8)}
    out.add(cap)
    return sorted(out)


def _layout_line(ctx: Ctx, line: DialogueLine, face: Face | None, cap: int = 99):
    """Best (score, box, font_size, lines) for ``line`` or None if it cannot fit."""
    kind = line.kind
    role: Role = "bold" if kind == "shout" else "text"
    if missing_letters(line.text, role):
        return None  # no installed font has these letters: report, never draw boxes
    fallback = None
    top = min(MAX_SIZE[kind], cap + MAX_SIZE[kind] - MAX_SIZE["speech"])
    for size in range(top, MIN_SIZE - 1, -SIZE_STEP):
        font = get_font(size, role, line.text)
        best = None
        seen: set[tuple[str, ...]] = set()
        for tw in _widths(font, line.text, kind, ctx.inner, size):
            lines = wrap(font, line.text, tw)
            if tuple(lines) in seen:  # another width gave the same line breaks
                continue
            seen.add(tuple(lines))
            bw, bh, rim = _body_size(kind, font, lines, size)
            spot = best_spot(ctx, bw, bh, kind, face)
            if spot is None:
                continue
            shape = W_SHAPE * abs(math.log((bw / bh) / (2.4 if kind == "narration" else 1.5)))
            cand = (spot[0] + shape, spot[1], size, tuple(lines), rim, spot[2])
            if best is None or (cand[5] > CLEAN, cand[0]) < (best[5] > CLEAN, best[0]):
                best = cand
        if best is None:
            continue
        penalised = (best[0] + SIZE_COST * (MAX_SIZE[kind] - size), *best[1:])
        if best[5] <= CLEAN:  # no face covered, no crossing
            return penalised
        if fallback is None or penalised[0] < fallback[0]:
            fallback = penalised
    return fallback


def _tail(ctx: Ctx, kind: str, box: Rect, rim: int, face: Face | None):
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


@dataclass
class _Attempt:
    placed: list[Bubble]
    overflow: list[str]
    cost: float
    trouble: int | None  # index of the first line that overflowed or took a penalty
    boxes: dict[int, Rect]  # line index → its balloon


def _attempt(
    panel: Panel, rect: Rect, direction: str, seed: int, banned: dict[int, list[Rect]],
    face_list: list[Face], cap: int = 99,
) -> _Attempt:  # fmt: skip
    """Greedy placement in reading order; ``banned[i]`` is kept free for line ``i``."""
    ctx = Ctx(panel, rect, rect.inset(BORDER + PAD), direction, face_list)
    out = _Attempt([], [], 0.0, None, {})
    todo = [i for i, line in enumerate(panel.dialogue) if line.text.split()]
    for k, i in enumerate(todo):
        line = panel.dialogue[i]
        face = None if line.kind == "narration" else speaker_face(ctx, line.speaker)
        keep = banned.get(i, [])
        ctx.taken.extend(keep)
        ctx.remaining = len(todo) - k - 1
        best = _layout_line(ctx, line, face, cap)
        del ctx.taken[len(ctx.taken) - len(keep) :]
        if best is None:
            out.overflow.append(line.text)
            out.cost += 20.0
            out.trouble = i if out.trouble is None else out.trouble
            continue
        score, box, size, lines, rim, pen = best
        out.cost += score
        if pen > CLEAN and out.trouble is None:
            out.trouble = i
        out.boxes[i] = box
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
        out.placed.append(bubble)
    return out


def place_balloons(
    panel: Panel,
    rect: Rect,
    *,
    direction: str = "rtl",
    seed: int = 0,
    cast: Sequence[str] | None = None,
    view: View = FULL,
    builds: Sequence[str] = (),
) -> tuple[list[Bubble], list[str]]:
    """Place every dialogue line of ``panel`` inside ``rect``; returns (balloons, overflow).

    ``cast`` / ``view`` / ``builds``: see :func:`faces`. Greedy in reading order. When a line cannot
    be placed, or only with a penalty (a covered or crossed face, a crossed tail), up to
    :data:`RETRIES` more attempts keep the spot of the balloon before it free (or its own
    spot, for the first line), and the cheapest attempt wins.
    """
    face_list = faces(panel, rect, cast=cast, view=view, builds=builds)
    best = _attempt(panel, rect, direction, seed, {}, face_list)
    last = best
    banned: dict[int, list[Rect]] = {}
    for _ in range(RETRIES):
        j = last.trouble
        if j is None:
            break
        earlier = [i for i in last.boxes if i < j]
        i = earlier[-1] if earlier else j
        if i not in last.boxes:
            break  # the first line itself does not fit: nothing to move out of its way
        banned.setdefault(i, []).append(last.boxes[i])
        last = _attempt(panel, rect, direction, seed, banned, face_list)
        if (len(last.overflow), last.cost) < (len(best.overflow), best.cost):
            best = last
    sizes = [_speech_size(b) for b in best.placed]
    if len(sizes) > 1 and max(sizes) - min(sizes) > SIZE_SPREAD:
        # One balloon shrank to make room for a big one: letter the panel more evenly.
        even = _attempt(panel, rect, direction, seed, banned, face_list, min(sizes) + SIZE_SPREAD)
        if len(even.overflow) <= len(best.overflow) and min(map(_speech_size, even.placed),
                                                            default=0) >= min(sizes):  # fmt: skip
            best = even
    return best.placed, best.overflow


def _speech_size(b: Bubble) -> int:
    """``b``'s lettering size on the speech scale (shouts are set larger than speech)."""
    return b.font_size - MAX_SIZE[b.kind] + MAX_SIZE["speech"]


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
