"""Sound effects: big outlined bold lettering, slightly rotated, in free panel space."""

from __future__ import annotations

from PIL import Image, ImageDraw

from mangaflow.manga.compose.bubbles import BORDER, Bubble
from mangaflow.manga.compose.fonts import get_font
from mangaflow.manga.compose.layouts import Rect
from mangaflow.manga.compose.placement import Face, grid_steps
from mangaflow.manga.compose.spots import GAP
from mangaflow.manga.domain.episode import Panel

SFX_MIN = 28


def _angle(panel_number: int, i: int) -> float:
    k = (panel_number * 37 + i * 53) % 13  # 0..12 → ±(4..10)°, deterministic
    mag = 4 + (k % 7)
    return float(mag if k % 2 else -mag)


def render_sfx(text: str, size: int, angle: float, *, fill=(20, 20, 20)) -> Image.Image:
    """RGBA image of ``text`` in bold with a white outline, rotated by ``angle``."""
    font = get_font(size, "sfx", text)
    stroke = max(3, size // 9)
    x0, y0, x1, y1 = font.getbbox(text, stroke_width=stroke)
    img = Image.new("RGBA", (int(x1 - x0) + 4, int(y1 - y0) + 4), (0, 0, 0, 0))
    ImageDraw.Draw(img).text(
        (2 - x0, 2 - y0), text, font=font, fill=(*fill, 255), stroke_width=stroke,
        stroke_fill=(255, 255, 255, 255),
    )  # fmt: skip
    return img.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True)


def _spot(inner: Rect, w: int, h: int, blocked: list[Rect], face_list: list[Face]):
    """(faces covered, score, box) of the best free spot for a ``w`` × ``h`` SFX, or None."""
    if w > inner.w or h > inner.h:
        return None
    best: tuple[float, float, Rect] | None = None
    for y in grid_steps(inner.y0, inner.y1 - h, 10):
        for x in grid_steps(inner.x0, inner.x1 - w, 10):
            box = Rect(x, y, x + w, y + h)
            if any(box.intersects(t, GAP) for t in blocked):
                continue
            covered = sum(box.overlap(f.box) / max(1, f.box.area) for f in face_list)
            s = 0.6 * abs((box.cy - inner.y0) / inner.h - 0.72)  # low in the panel
            s += sum(0.3 * box.overlap(f.body) / max(1, box.area) for f in face_list if f.body)
            if best is None or (covered, s) < best[:2]:
                best = (covered, s, box)
    return best


def place_sfx(
    panel: Panel, rect: Rect, taken: list[Rect], face_list: list[Face], *, monochrome: bool = False
) -> tuple[list[tuple[Bubble, Image.Image]], list[str]]:
    """Place the panel's SFX away from balloons (always) and faces: the largest size with
    a spot that covers no face wins; if there is none, the spot covering the least face."""
    inner = rect.inset(BORDER + 6)
    placed: list[tuple[Bubble, Image.Image]] = []
    overflow: list[str] = []
    blocked = list(taken)
    fill = (20, 20, 20) if monochrome else (200, 30, 40)
    for i, text in enumerate(panel.sfx):
        angle = _angle(panel.number, i)
        size = int(max(SFX_MIN, min(96, 0.16 * min(rect.w, rect.h))))
        chosen: tuple[float, Rect, int, Image.Image] | None = None
        while size >= SFX_MIN:
            img = render_sfx(text, size, angle, fill=fill)
            spot = _spot(inner, img.width, img.height, blocked, face_list)
            if spot is not None and (chosen is None or spot[0] < chosen[0]):
                chosen = (spot[0], spot[2], size, img)
                if spot[0] <= 0.02:
                    break  # (almost) no face covered
            size = int(size * 0.8)
        if chosen is None:
            overflow.append(f"SFX: {text}")
            continue
        _, box, size, img = chosen
        blocked.append(box)
        placed.append((Bubble(panel.number, "sfx", text, "", box, size, (text,), angle=angle), img))
    return placed, overflow
