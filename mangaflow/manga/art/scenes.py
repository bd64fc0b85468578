"""Procedural backgrounds for :mod:`mangaflow.manga.art.engine`.

One drawer per scene family (``setting_kind``). Each draws the whole canvas with
ImageDraw primitives around a horizon line and a vanishing point, so floors, roads and
walls recede in perspective. The layout (which buildings, which trees) comes from a
random generator seeded by the *setting*, so panels set in the same place share it; the
panel's own generator only moves the camera a little.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from PIL import Image, ImageDraw

from mangaflow.manga.art.figures import INK, RGB, Point, darker, lighter, luma, mix

KINDS = (
    "city",
    "forest",
    "school",
    "space",
    "castle",
    "ocean",
    "desert",
    "village",
    "lab",
    "arena",
    "shrine",
    "mountain",
    "ruins",
)

_ALIASES: dict[str, tuple[str, ...]] = {
    "city": (
        "city",
        "street",
        "metropolis",
        "downtown",
        "urban",
        "town square",
        "tokyo",
        "alley",
        "neon",
        "cyberpunk",
        "rooftop",
        "skyscraper",
    ),
    "forest": ("forest", "woods", "jungle", "grove", "woodland", "garden", "park"),
    "school": (
        "school",
        "academy",
        "classroom",
        "campus",
        "highschool",
        "corridor",
        "hallway",
        "library",
    ),
    "space": (
        "space",
        "spaceship",
        "starship",
        "station",
        "orbit",
        "galaxy",
        "planet",
        "moon base",
        "sci-fi",
    ),
    "castle": ("castle", "palace", "fortress", "kingdom", "citadel", "throne"),
    "ocean": (
        "ocean",
        "sea",
        "beach",
        "coast",
        "harbor",
        "harbour",
        "island",
        "ship",
        "port",
        "lake",
    ),
    "desert": ("desert", "dune", "wasteland", "sand", "oasis", "canyon"),
    "village": ("village", "town", "farm", "countryside", "hamlet", "inn", "market"),
    "lab": ("lab", "laboratory", "facility", "hospital", "research", "workshop", "hangar"),
    "arena": ("arena", "stadium", "colosseum", "tournament", "dojo", "ring", "gym", "court"),
    "shrine": ("shrine", "temple", "torii", "sanctuary", "monastery"),
    "mountain": ("mountain", "peak", "cliff", "summit", "highland", "snow", "glacier", "valley"),
    "ruins": ("ruins", "ruin", "ancient", "dungeon", "tomb", "crypt", "catacomb", "abandoned"),
}

SKIES: dict[str, tuple[RGB, RGB]] = {
    "day": ((104, 166, 228), (214, 234, 248)),
    "dusk": ((62, 60, 122), (250, 172, 120)),
    "night": ((10, 14, 40), (48, 58, 104)),
    "overcast": ((138, 146, 160), (204, 208, 214)),
}


def kind_of(setting_kind: str, setting: str = "") -> str:
    """Normalise ``setting_kind`` to one of :data:`KINDS`, or ``"unknown"``."""
    k = (setting_kind or "").strip().casefold()
    if k in KINDS:
        return k
    for text in (k, (setting or "").casefold()):
        if not text:
            continue
        for kind, words in _ALIASES.items():
            if any(w in text for w in words):
                return kind
    return "unknown"


@dataclass
class Scene:
    """The canvas and camera one background is drawn into."""

    img: Image.Image
    d: ImageDraw.ImageDraw
    w: int
    h: int
    horizon: float
    vx: float
    s: float  # canvas px per final px
    rng: random.Random  # layout, stable per setting
    time: str  # day, dusk, night, overcast
    tint: Callable[[Sequence[int]], RGB]
    establishing: bool = False
    ground_y: float = 0.0
    lift: float = 0.0  # monochrome: how far skies and open ground are pushed towards paper white
    floor_y: float | None = None  # a raised floor the cast stands on (e.g. a rooftop)

    def c(self, rgb: Sequence[int]) -> RGB:
        return self.tint(rgb)

    def lw(self, k: float = 1.0) -> int:
        return max(1, int(round(self.s * k)))


# --------------------------------------------------------------------------- helpers


def vgradient(img: Image.Image, box: tuple[int, int, int, int], stops: Sequence[RGB]) -> None:
    """Fill ``box`` with a vertical gradient through ``stops`` (fast: one column, resized)."""
    x0, y0, x1, y1 = (int(v) for v in box)
    x0, y0 = max(0, x0), max(0, y0)
    x1, y1 = min(img.width, x1), min(img.height, y1)
    hgt, wid = y1 - y0, x1 - x0
    if hgt <= 0 or wid <= 0:
        return
    col = Image.new("RGB", (1, hgt))
    n = len(stops) - 1
    data = []
    for y in range(hgt):
        t = y / max(1, hgt - 1) * n
        i = min(n - 1, int(t)) if n > 0 else 0
        data.append(mix(stops[i], stops[min(n, i + 1)], t - i) if n > 0 else tuple(stops[0]))
    col.putdata(data)
    img.paste(col.resize((wid, hgt), Image.Resampling.NEAREST), (x0, y0))


def _sky(sc: Scene) -> tuple[RGB, RGB]:
    top, bottom = SKIES[sc.time]
    top, bottom = sc.c(top), sc.c(bottom)
    if sc.lift:
        top, bottom = mix(top, (255, 255, 255), sc.lift), mix(bottom, (255, 255, 255), sc.lift)
    vgradient(sc.img, (0, 0, sc.w, int(sc.horizon) + 2), (top, mix(top, bottom, 0.55), bottom))
    return top, bottom


def _celestial(sc: Scene, sky_bottom: RGB) -> None:
    d, r = sc.d, sc.rng
    if sc.time == "night":
        pts = [
            (r.random() * sc.w, r.random() * sc.horizon * 0.9)
            for _ in range(int(90 * sc.w / 1536) + 20)
        ]
        d.point(pts, fill=sc.c((230, 232, 255)))
        for x, y in pts[:12]:
            rr = sc.s * 1.2
            d.ellipse((x - rr, y - rr, x + rr, y + rr), fill=sc.c((255, 255, 240)))
        mx, my, mr = sc.w * r.uniform(0.62, 0.86), sc.horizon * r.uniform(0.18, 0.35), sc.h * 0.07
        d.ellipse(
            (mx - mr * 1.5, my - mr * 1.5, mx + mr * 1.5, my + mr * 1.5),
            fill=sc.c(mix(sky_bottom, (200, 200, 230), 0.2)),
        )
        d.ellipse((mx - mr, my - mr, mx + mr, my + mr), fill=sc.c((250, 246, 220)))
        d.ellipse(
            (mx - mr * 0.55, my - mr * 0.2, mx - mr * 0.25, my + mr * 0.1),
            fill=sc.c((228, 224, 196)),
        )
    elif sc.time in ("day", "dusk"):
        sx = sc.w * r.uniform(0.15, 0.85)
        sy = sc.horizon * (0.25 if sc.time == "day" else 0.78)
        sr = sc.h * (0.05 if sc.time == "day" else 0.1)
        glow = sc.c((255, 250, 225) if sc.time == "day" else (255, 214, 160))
        d.ellipse(
            (sx - sr * 1.8, sy - sr * 1.8, sx + sr * 1.8, sy + sr * 1.8),
            fill=mix(glow, sky_bottom, 0.55),
        )
        d.ellipse(
            (sx - sr, sy - sr, sx + sr, sy + sr),
            fill=sc.c((255, 252, 236) if sc.time == "day" else (255, 236, 190)),
        )
    if sc.time != "night":
        _clouds(sc, 3 if sc.time != "overcast" else 6)


def _clouds(sc: Scene, n: int) -> None:
    d, r = sc.d, sc.rng
    base = sc.c(
        (255, 255, 255)
        if sc.time == "day"
        else (230, 200, 200)
        if sc.time == "dusk"
        else (225, 228, 232)
    )
    shade = mix(base, sc.c(SKIES[sc.time][0]), 0.25)
    for _ in range(n):
        cx, cy = r.uniform(-0.1, 1.1) * sc.w, r.uniform(0.12, 0.7) * sc.horizon
        cw = sc.w * r.uniform(0.1, 0.22)
        puffs = [
            (
                cx + cw * r.uniform(-0.5, 0.5),
                cy - cw * r.uniform(0.0, 0.15),
                cw * r.uniform(0.15, 0.28),
            )
            for _ in range(5)
        ]
        for px, py, pr in puffs:
            d.ellipse((px - pr, py - pr * 0.7 + pr * 0.15, px + pr, py + pr * 0.55), fill=shade)
        for px, py, pr in puffs:
            d.ellipse((px - pr, py - pr * 0.7, px + pr, py + pr * 0.5), fill=base)


def _bumps(
    sc: Scene,
    base_y: float,
    amp: float,
    colour: RGB,
    n: int,
    *,
    outline: bool = False,
    pointy: bool = False,
) -> None:
    """A row of rounded (or pointy) silhouettes standing on ``base_y`` across the canvas."""
    d, r = sc.d, sc.rng
    pts: list[Point] = [(-10, sc.h + 10), (-10, base_y)]
    x = -10.0
    step = sc.w / n
    while x < sc.w + step:
        top = base_y - amp * r.uniform(0.45, 1.0)
        if pointy:
            pts += [(x + step * 0.5, top), (x + step, base_y - amp * r.uniform(0.0, 0.3))]
        else:
            for i in range(1, 6):
                t = i / 6
                pts.append((x + step * t, base_y - (base_y - top) * math.sin(math.pi * t) ** 0.6))
        x += step * r.uniform(0.7, 1.3)
    pts += [(sc.w + 10, base_y), (sc.w + 10, sc.h + 10)]
    d.polygon(pts, fill=colour, outline=INK if outline else None, width=sc.lw(1) if outline else 1)


def _ground(sc: Scene, far: RGB, near: RGB) -> None:
    far, near = sc.c(far), sc.c(near)
    if sc.lift:
        far, near = (
            mix(far, (255, 255, 255), sc.lift * 0.6),
            mix(near, (255, 255, 255), sc.lift * 0.6),
        )
    vgradient(sc.img, (0, int(sc.horizon), sc.w, sc.h), (far, near))
    sc.d.line([(0, sc.horizon), (sc.w, sc.horizon)], fill=darker(sc.c(far), 0.75), width=sc.lw(1))


def _rays(sc: Scene, colour: RGB, n: int = 14, spread: float = 2.5, width: float = 1.0) -> None:
    """Perspective lines from the vanishing point down to (and past) the bottom edge."""
    d = sc.d
    for i in range(n + 1):
        t = (i / n - 0.5) * spread
        d.line([(sc.vx, sc.horizon), (sc.vx + t * sc.w, sc.h)], fill=colour, width=sc.lw(width))


def _depth_lines(
    sc: Scene, colour: RGB, n: int = 8, x0: float = 0, x1: float | None = None
) -> None:
    """Horizontal lines that crowd together towards the horizon."""
    x1 = sc.w if x1 is None else x1
    for i in range(1, n + 1):
        t = (i / n) ** 2.2
        y = sc.horizon + (sc.h - sc.horizon) * t
        sc.d.line([(x0, y), (x1, y)], fill=colour, width=sc.lw(1))


def _quad(
    sc: Scene, pts: Sequence[Point], fill: RGB | None, outline: bool = True, k: float = 1.0
) -> None:
    sc.d.polygon(
        list(pts), fill=fill, outline=INK if outline else None, width=sc.lw(k) if outline else 1
    )


# --------------------------------------------------------------------------- kinds


def _street_side(
    sc: Scene, edge_x: float, base_edge_y: float, colours: Sequence[RGB], lit: bool
) -> None:
    """Buildings along one side of a street in one-point perspective."""
    d, r = sc.d, sc.rng
    vx, hz = sc.vx, sc.horizon

    def x_at(depth: float) -> float:
        return vx + (edge_x - vx) / (1.0 + depth)

    def base(x: float) -> float:
        return hz + (base_edge_y - hz) * (x - vx) / (edge_x - vx)

    def top(x: float, k: float) -> float:
        return hz - k * (base(x) - hz)

    buildings = []
    depth = -0.05
    while depth < 9:
        span = r.uniform(0.35, 1.1) * (1 + depth * 0.4)
        k = r.uniform(1.6, 4.2)
        buildings.append((depth, depth + span, k, r.choice(colours), r.randint(2, 4), r.random()))
        depth += span
    for d0, d1, k, colour, cols, lit_p in reversed(buildings):
        xa, xb = x_at(d0), x_at(d1)
        if abs(xa - xb) < 1:
            continue
        face = [(xa, base(xa)), (xa, top(xa, k)), (xb, top(xb, k)), (xb, base(xb))]
        _quad(sc, face, sc.c(colour), True, 0.8)
        # roof edge band
        band = [
            (xa, top(xa, k)),
            (xb, top(xb, k)),
            (xb, top(xb, k * 0.97)),
            (xa, top(xa, k * 0.97)),
        ]
        _quad(sc, band, sc.c(darker(colour, 0.8)), False)
        floors = max(2, int(k * 3))
        glass = (250, 220, 120) if lit else (92, 116, 150)
        dark_glass = (40, 46, 70) if lit else (70, 90, 122)
        for j in range(cols):
            da = d0 + (d1 - d0) * (j + 0.22) / cols
            db = d0 + (d1 - d0) * (j + 0.78) / cols
            x0, x1 = x_at(da), x_at(db)
            if abs(x1 - x0) < sc.s * 1.5:
                continue
            for i in range(floors):
                fa = (i + 0.3) / floors * 0.94
                fb = (i + 0.75) / floors * 0.94
                b0, b1 = base(x0), base(x1)
                t0, t1 = top(x0, k), top(x1, k)
                q = [
                    (x0, b0 + (t0 - b0) * fa),
                    (x0, b0 + (t0 - b0) * fb),
                    (x1, b1 + (t1 - b1) * fb),
                    (x1, b1 + (t1 - b1) * fa),
                ]
                on = lit and r.random() < 0.35 + 0.4 * lit_p
                d.polygon(q, fill=sc.c(glass if on else dark_glass))


def _city(sc: Scene) -> None:
    top, bottom = _sky(sc)
    _celestial(sc, bottom)
    r, d = sc.rng, sc.d
    lit = sc.time in ("night", "dusk")
    far = sc.c(mix(bottom, (70, 78, 100), 0.45))
    # far skyline
    x = -20.0
    while x < sc.w:
        bw = sc.w * r.uniform(0.03, 0.08)
        bh = sc.h * r.uniform(0.06, 0.3)
        d.rectangle((x, sc.horizon - bh, x + bw, sc.horizon + 2), fill=far)
        if r.random() < 0.25:
            d.line(
                [(x + bw / 2, sc.horizon - bh), (x + bw / 2, sc.horizon - bh - sc.h * 0.04)],
                fill=far,
                width=sc.lw(1.5),
            )
        x += bw * r.uniform(0.8, 1.1)
    facades = [
        (196, 186, 170),
        (170, 178, 192),
        (150, 140, 132),
        (214, 204, 188),
        (132, 142, 160),
        (184, 160, 150),
    ]
    if sc.establishing:
        # a nearer row of towers with window grids, then a rooftop the cast stands on
        mid = sc.c(mix(bottom, (60, 64, 84), 0.7))
        x = -10.0
        while x < sc.w:
            bw = sc.w * r.uniform(0.06, 0.12)
            bh = sc.h * r.uniform(0.12, 0.4)
            y0 = sc.horizon + sc.h * 0.12 - bh
            d.rectangle((x, y0, x + bw, sc.h), fill=mid, outline=INK, width=sc.lw(0.8))
            glass = sc.c((250, 220, 130) if lit else (110, 130, 160))
            cols = max(2, int(bw / (sc.s * 9)))
            rows = int(bh / (sc.s * 12))
            for i in range(rows):
                for j in range(cols):
                    if r.random() < (0.45 if lit else 0.8):
                        wx = x + bw * (j + 0.25) / cols
                        wy = y0 + sc.s * 5 + i * sc.s * 12
                        d.rectangle((wx, wy, wx + bw * 0.5 / cols, wy + sc.s * 6), fill=glass)
            x += bw * r.uniform(1.0, 1.25)
        roof_y = sc.h * 0.8
        _quad(
            sc,
            [(-5, roof_y), (sc.w + 5, roof_y), (sc.w + 5, sc.h + 5), (-5, sc.h + 5)],
            sc.c((150, 150, 156)),
        )
        for i in range(0, 26):
            x = sc.w * i / 25
            d.line([(x, roof_y - sc.h * 0.07), (x, roof_y)], fill=INK, width=sc.lw(0.8))
        d.line(
            [(0, roof_y - sc.h * 0.07), (sc.w, roof_y - sc.h * 0.07)], fill=INK, width=sc.lw(1.5)
        )
        d.line(
            [(0, roof_y - sc.h * 0.035), (sc.w, roof_y - sc.h * 0.035)], fill=INK, width=sc.lw(0.8)
        )
        sc.floor_y = roof_y
        return
    # street in one-point perspective
    road = sc.c((112, 112, 120))
    walk = sc.c((176, 170, 160))
    vgradient(sc.img, (0, int(sc.horizon), sc.w, sc.h), (mix(walk, far, 0.3), walk))
    left_edge, right_edge = sc.w * 0.2, sc.w * 0.8
    d.polygon(
        [
            (sc.vx - 1, sc.horizon),
            (sc.vx + 1, sc.horizon),
            (right_edge + sc.w * 0.5, sc.h),
            (left_edge - sc.w * 0.5, sc.h),
        ],
        fill=road,
    )
    for i in range(9):
        t0, t1 = (i / 9) ** 2, ((i + 0.5) / 9) ** 2
        ya, yb = sc.horizon + (sc.h - sc.horizon) * t0, sc.horizon + (sc.h - sc.horizon) * t1
        wa, wb = sc.s * 1 + t0 * sc.s * 6, sc.s * 1 + t1 * sc.s * 6
        xa = sc.vx + (sc.w * 0.5 - sc.vx) * t0
        xb = sc.vx + (sc.w * 0.5 - sc.vx) * t1
        d.polygon(
            [(xa - wa, ya), (xa + wa, ya), (xb + wb, yb), (xb - wb, yb)], fill=sc.c((236, 232, 214))
        )
    d.line([(sc.vx, sc.horizon), (left_edge - sc.w * 0.5, sc.h)], fill=INK, width=sc.lw(1))
    d.line([(sc.vx, sc.horizon), (right_edge + sc.w * 0.5, sc.h)], fill=INK, width=sc.lw(1))
    _street_side(sc, -sc.w * 0.02, sc.horizon + (sc.h - sc.horizon) * 0.55, facades, lit)
    _street_side(sc, sc.w * 1.02, sc.horizon + (sc.h - sc.horizon) * 0.55, facades, lit)
    # street lamps
    for side in (-1, 1):
        for depth in (0.6, 2.0):
            edge = sc.w * (0.5 + side * 0.47)
            x = sc.vx + (edge - sc.vx) / (1 + depth)
            yb = sc.horizon + (sc.h * 0.85 - sc.horizon) / (1 + depth)
            ht = (sc.h * 0.6) / (1 + depth)
            d.line([(x, yb), (x, yb - ht)], fill=INK, width=sc.lw(2.2 / (1 + depth * 0.5)))
            lamp = (x - side * ht * 0.12, yb - ht)
            d.line([(x, yb - ht), lamp], fill=INK, width=sc.lw(2 / (1 + depth * 0.5)))
            rr = ht * 0.04
            d.ellipse(
                (lamp[0] - rr, lamp[1], lamp[0] + rr, lamp[1] + rr * 1.4),
                fill=sc.c((255, 236, 160) if lit else (230, 230, 220)),
                outline=INK,
            )


def _forest(sc: Scene) -> None:
    top, bottom = _sky(sc)
    _celestial(sc, bottom)
    r, d = sc.rng, sc.d
    greens = [(120, 160, 150), (80, 130, 100), (48, 96, 70)]
    _bumps(sc, sc.horizon + sc.s * 4, sc.h * 0.18, sc.c(mix(greens[0], bottom, 0.35)), 9)
    _ground(sc, (120, 150, 96), (86, 128, 70))
    # dirt path to the vanishing point
    d.polygon(
        [
            (sc.vx - sc.s * 3, sc.horizon),
            (sc.vx + sc.s * 3, sc.horizon),
            (sc.w * 0.78, sc.h),
            (sc.w * 0.22, sc.h),
        ],
        fill=sc.c((176, 150, 112)),
        outline=INK,
        width=sc.lw(0.8),
    )
    # conifers in two depths
    for layer, (scale, colour) in enumerate(((0.55, greens[1]), (1.0, greens[2]))):
        n = 9 if layer == 0 else 6
        for i in range(n):
            x = sc.w * (i + r.uniform(0.0, 0.9)) / n
            if abs(x - sc.vx) < sc.w * 0.12 * scale:
                x += sc.w * 0.15 * (1 if x >= sc.vx else -1)
            base = sc.horizon + sc.h * (0.04 + 0.1 * layer) * scale
            ht = sc.h * r.uniform(0.35, 0.55) * scale
            wd = ht * 0.38
            trunk_w = wd * 0.14
            d.rectangle(
                (x - trunk_w, base - ht * 0.2, x + trunk_w, base),
                fill=sc.c((92, 66, 48)),
                outline=INK,
                width=sc.lw(0.8),
            )
            for k in range(3):
                ty = base - ht * (0.15 + 0.28 * k)
                tw = wd * (1 - 0.25 * k)
                tip = base - ht * (0.55 + 0.22 * k)
                _quad(sc, [(x - tw, ty), (x, tip), (x + tw, ty)], sc.c(colour), True, 0.9)
    # framing trunks
    for side in (0, 1):
        x = sc.w * (0.02 + 0.9 * side) + r.uniform(-1, 1) * sc.w * 0.02
        tw = sc.w * 0.05
        _quad(
            sc,
            [(x - tw, -5), (x + tw, -5), (x + tw * 1.2, sc.h + 5), (x - tw * 1.2, sc.h + 5)],
            sc.c((84, 60, 46)),
            True,
            1.2,
        )
        for _ in range(5):
            y = sc.h * r.uniform(0.1, 0.9)
            d.arc(
                (x - tw * 0.7, y, x + tw * 0.5, y + sc.h * 0.06),
                200,
                340,
                fill=INK,
                width=sc.lw(0.8),
            )
    # grass tufts
    for _ in range(26):
        x, y = r.uniform(0, sc.w), r.uniform(sc.horizon + sc.h * 0.05, sc.h)
        g = sc.s * 3 * (0.5 + (y - sc.horizon) / (sc.h - sc.horizon) * 1.5)
        d.line(
            [(x - g, y - g * 1.6), (x, y), (x + g, y - g * 1.8)],
            fill=sc.c((50, 96, 50)),
            width=sc.lw(0.8),
        )


def _room(
    sc: Scene, wall: RGB, floor: RGB, ceiling: RGB, back: float = 0.34
) -> tuple[float, float, float, float]:
    """A box room in one-point perspective; returns the back-wall rectangle."""
    d = sc.d
    bw, bh = sc.w * back, sc.h * back * 1.25
    bx0 = sc.vx - bw / 2
    by1 = sc.horizon + bh * 0.35
    by0 = by1 - bh
    bx1 = bx0 + bw
    W, H = sc.w, sc.h

    def out(px: float, py: float) -> Point:
        # extend the ray from the vanishing point through (px, py) far past the canvas
        k = 6.0
        return (sc.vx + (px - sc.vx) * k, sc.horizon + (py - sc.horizon) * k)

    d.rectangle((0, 0, W, H), fill=sc.c(wall))
    d.polygon([(bx0, by1), (bx1, by1), out(bx1, by1), out(bx0, by1)], fill=sc.c(floor))
    d.polygon([(bx0, by0), (bx1, by0), out(bx1, by0), out(bx0, by0)], fill=sc.c(ceiling))
    d.polygon([(bx0, by0), (bx0, by1), out(bx0, by1), out(bx0, by0)], fill=sc.c(darker(wall, 0.9)))
    d.polygon([(bx1, by0), (bx1, by1), out(bx1, by1), out(bx1, by0)], fill=sc.c(darker(wall, 0.82)))
    d.rectangle((bx0, by0, bx1, by1), fill=sc.c(lighter(wall, 0.1)), outline=INK, width=sc.lw(1))
    for px, py in ((bx0, by0), (bx1, by0), (bx0, by1), (bx1, by1)):
        d.line([(px, py), out(px, py)], fill=INK, width=sc.lw(1))
    # floor boards / tiles receding
    for i in range(1, 12):
        x = bx0 + bw * i / 12
        d.line([(x, by1), out(x, by1)], fill=sc.c(darker(floor, 0.8)), width=sc.lw(0.7))
    for i in range(1, 7):
        t = 1 + (i / 6) ** 2 * 5
        y = sc.horizon + (by1 - sc.horizon) * t
        d.line([(0, y), (W, y)], fill=sc.c(darker(floor, 0.8)), width=sc.lw(0.7))
    sc.ground_y = min(H * 0.95, sc.horizon + (by1 - sc.horizon) * 3)
    return bx0, by0, bx1, by1


def _side_windows(
    sc: Scene, back: tuple[float, float, float, float], side: int, n: int, sky: tuple[RGB, RGB]
) -> None:
    """Windows on a side wall (side -1 left / +1 right), receding towards the back wall."""
    bx0, by0, bx1, by1 = back
    ex = bx0 if side < 0 else bx1
    for i in range(n):
        ta, tb = 1 + 4.5 * (i / n) ** 1.3, 1 + 4.5 * ((i + 0.7) / n) ** 1.3
        pts = []
        for t, fy in ((ta, 0.15), (ta, 0.65), (tb, 0.65), (tb, 0.15)):
            x = sc.vx + (ex - sc.vx) * t
            y = sc.horizon + (by0 + (by1 - by0) * fy - sc.horizon) * t
            pts.append((x, y))
        sc.d.polygon(pts, fill=sc.c(mix(sky[0], sky[1], 0.6)), outline=INK, width=sc.lw(1.2))
        mx0 = (pts[0][0] + pts[3][0]) / 2
        my0 = (pts[0][1] + pts[3][1]) / 2
        mx1 = (pts[1][0] + pts[2][0]) / 2
        my1 = (pts[1][1] + pts[2][1]) / 2
        sc.d.line([(mx0, my0), (mx1, my1)], fill=INK, width=sc.lw(1))


def _school(sc: Scene) -> None:
    r, d = sc.rng, sc.d
    sky = SKIES["day" if sc.time == "night" else sc.time]
    corridor = r.random() < 0.4
    if corridor:
        back = _room(sc, (232, 226, 206), (196, 188, 170), (240, 238, 230), back=0.18)
        _side_windows(sc, back, -1, 5, sky)
        bx0, by0, bx1, by1 = back
        for i in range(3):
            ta, tb = 1 + 4 * (i / 3) ** 1.2, 1 + 4 * ((i + 0.45) / 3) ** 1.2
            pts = []
            for t, fy in ((ta, 0.25), (ta, 1.0), (tb, 1.0), (tb, 0.25)):
                pts.append(
                    (
                        sc.vx + (bx1 - sc.vx) * t,
                        sc.horizon + (by0 + (by1 - by0) * fy - sc.horizon) * t,
                    )
                )
            d.polygon(pts, fill=sc.c((170, 130, 96)), outline=INK, width=sc.lw(1.2))
        return
    back = _room(sc, (236, 230, 210), (186, 150, 110), (244, 242, 234), back=0.42)
    _side_windows(sc, back, -1, 3, sky)
    bx0, by0, bx1, by1 = back
    # chalkboard with scribbles
    cb = (
        bx0 + (bx1 - bx0) * 0.12,
        by0 + (by1 - by0) * 0.22,
        bx1 - (bx1 - bx0) * 0.12,
        by0 + (by1 - by0) * 0.62,
    )
    d.rectangle(cb, fill=sc.c((46, 86, 68)), outline=INK, width=sc.lw(1.5))
    for _ in range(5):
        y = r.uniform(cb[1] + sc.s * 6, cb[3] - sc.s * 6)
        x0 = r.uniform(cb[0] + sc.s * 6, (cb[0] + cb[2]) / 2)
        d.line(
            [(x0, y), (x0 + (cb[2] - cb[0]) * r.uniform(0.1, 0.35), y)],
            fill=sc.c((220, 232, 220)),
            width=sc.lw(1),
        )
    # desks in perspective rows
    for row in range(3):
        t = 1.3 + row * 0.9
        for col in (-2, -1, 0, 1):
            cx = sc.vx + (bx0 + (bx1 - bx0) * (col + 2.5) / 4 - sc.vx) * t * 1.35
            cy = sc.horizon + (by1 - sc.horizon) * t * 0.9
            dw = (bx1 - bx0) * 0.12 * t
            dh = dw * 0.35
            d.polygon(
                [(cx - dw, cy), (cx + dw, cy), (cx + dw * 1.1, cy + dh), (cx - dw * 1.1, cy + dh)],
                fill=sc.c((200, 170, 120)),
                outline=INK,
                width=sc.lw(1),
            )
            d.rectangle(
                (cx - dw * 1.05, cy + dh, cx + dw * 1.05, cy + dh * 1.3),
                fill=sc.c((150, 120, 90)),
                outline=INK,
                width=sc.lw(0.8),
            )
            for lx in (cx - dw * 0.9, cx + dw * 0.9):
                d.line([(lx, cy + dh * 1.3), (lx, cy + dh * 3.2)], fill=INK, width=sc.lw(1))


def _space(sc: Scene) -> None:
    r, d = sc.rng, sc.d
    top, bottom = sc.c((8, 8, 24)), sc.c((38, 24, 70))
    vgradient(sc.img, (0, 0, sc.w, int(sc.horizon) + 2), (top, mix(top, bottom, 0.5), bottom))
    for _ in range(4):  # nebula haze
        x, y, rr = r.uniform(0, sc.w), r.uniform(0, sc.horizon), sc.w * r.uniform(0.08, 0.2)
        d.ellipse(
            (x - rr, y - rr * 0.5, x + rr, y + rr * 0.5),
            fill=mix(bottom, sc.c(r.choice([(120, 60, 140), (50, 80, 150)])), 0.35),
        )
    stars = [
        (r.random() * sc.w, r.random() * sc.horizon) for _ in range(int(220 * sc.w / 1536) + 30)
    ]
    d.point(stars, fill=sc.c((240, 240, 255)))
    for x, y in stars[:10]:
        k = sc.s * 4
        d.line([(x - k, y), (x + k, y)], fill=sc.c((255, 255, 255)), width=sc.lw(0.7))
        d.line([(x, y - k), (x, y + k)], fill=sc.c((255, 255, 255)), width=sc.lw(0.7))
    # planet with bands and a ring
    px, py = sc.w * r.uniform(0.2, 0.8), sc.horizon * r.uniform(0.3, 0.55)
    pr = sc.h * (0.26 if sc.establishing else 0.17)
    pc = sc.c(r.choice([(210, 140, 90), (110, 160, 210), (170, 120, 190), (120, 190, 160)]))
    d.ellipse(
        (px - pr * 2.1, py - pr * 0.42, px + pr * 2.1, py + pr * 0.42),
        outline=sc.c(lighter(pc, 0.4)),
        width=sc.lw(3),
    )
    d.ellipse((px - pr, py - pr, px + pr, py + pr), fill=pc, outline=INK, width=sc.lw(1.2))
    for k in range(3):
        y = py - pr * 0.5 + k * pr * 0.45
        hw = math.sqrt(max(0.0, pr * pr - (y - py) ** 2))
        d.line(
            [(px - hw * 0.95, y), (px + hw * 0.95, y)], fill=darker(pc, 0.85), width=int(pr * 0.12)
        )
    d.chord((px - pr, py - pr, px + pr, py + pr), 300, 120, fill=darker(pc, 0.7))
    d.arc(
        (px - pr * 2.1, py - pr * 0.42, px + pr * 2.1, py + pr * 0.42),
        0,
        180,
        fill=sc.c(lighter(pc, 0.4)),
        width=sc.lw(3),
    )
    # station deck: metal floor with a perspective grid and a window rail
    _ground(sc, (70, 76, 96), (128, 136, 154))
    _rays(sc, sc.c((52, 58, 76)), 18, 3.0, 0.8)
    _depth_lines(sc, sc.c((52, 58, 76)), 7)
    d.rectangle(
        (0, sc.horizon - sc.s * 5, sc.w, sc.horizon + sc.s * 2),
        fill=sc.c((90, 96, 118)),
        outline=INK,
        width=sc.lw(1),
    )
    for i in range(0, 9):
        x = sc.w * i / 8
        d.line([(x, 0), (x, sc.horizon)], fill=sc.c((80, 86, 104)), width=sc.lw(4))
        d.line([(x, 0), (x, sc.horizon)], fill=INK, width=sc.lw(0.8))
    for _ in range(6):
        x = sc.w * r.uniform(0.05, 0.95)
        y = sc.horizon + (sc.h - sc.horizon) * r.uniform(0.2, 0.8)
        d.rectangle(
            (x - sc.s * 3, y - sc.s * 1, x + sc.s * 3, y + sc.s * 1), fill=sc.c((110, 220, 240))
        )


def _castle(sc: Scene) -> None:
    top, bottom = _sky(sc)
    _celestial(sc, bottom)
    r, d = sc.rng, sc.d
    hill_c = sc.c(mix((110, 140, 110), bottom, 0.3))
    _bumps(sc, sc.horizon, sc.h * 0.1, hill_c, 4)
    stone, stone_d = sc.c((176, 170, 160)), sc.c((138, 132, 124))
    roof = sc.c(r.choice([(70, 80, 140), (150, 60, 60), (60, 100, 90)]))
    cx = sc.vx + sc.w * r.uniform(-0.1, 0.1)
    scale = 1.0 if sc.establishing else 1.35
    base_y = sc.horizon + sc.h * 0.02
    kw, kh = sc.w * 0.2 * scale, sc.h * 0.3 * scale

    def battlement(x0: float, x1: float, y: float, fill: RGB) -> None:
        m = (x1 - x0) / 9
        for i in range(0, 9, 2):
            d.rectangle(
                (x0 + i * m, y - m * 0.9, x0 + (i + 1) * m, y),
                fill=fill,
                outline=INK,
                width=sc.lw(0.8),
            )

    # curtain wall
    ww, wh = sc.w * 0.42 * scale, kh * 0.45
    d.rectangle((cx - ww, base_y - wh, cx + ww, base_y), fill=stone_d, outline=INK, width=sc.lw(1))
    battlement(cx - ww, cx + ww, base_y - wh, stone_d)
    # keep
    d.rectangle(
        (cx - kw / 2, base_y - kh, cx + kw / 2, base_y), fill=stone, outline=INK, width=sc.lw(1.2)
    )
    battlement(cx - kw / 2, cx + kw / 2, base_y - kh, stone)
    gate_w = kw * 0.18
    d.rectangle(
        (cx - gate_w, base_y - kh * 0.25, cx + gate_w, base_y),
        fill=sc.c((50, 40, 40)),
        outline=INK,
        width=sc.lw(1),
    )
    d.chord(
        (cx - gate_w, base_y - kh * 0.25 - gate_w, cx + gate_w, base_y - kh * 0.25 + gate_w),
        180,
        360,
        fill=sc.c((50, 40, 40)),
        outline=INK,
        width=sc.lw(1),
    )
    for i in range(3):
        wx = cx - kw * 0.3 + i * kw * 0.3
        d.rectangle(
            (wx - sc.s * 3 * scale, base_y - kh * 0.7, wx + sc.s * 3 * scale, base_y - kh * 0.55),
            fill=sc.c((40, 34, 40)),
        )
    # towers with cone roofs and flags
    for side in (-1, 1):
        for k, off in enumerate((0.55, 1.0)):
            tx = cx + side * ww * off
            tw, th = sc.w * 0.045 * scale, kh * (1.15 - 0.25 * k)
            d.rectangle(
                (tx - tw, base_y - th, tx + tw, base_y),
                fill=stone if k else stone_d,
                outline=INK,
                width=sc.lw(1),
            )
            cone = [
                (tx - tw * 1.3, base_y - th),
                (tx, base_y - th - tw * 2.8),
                (tx + tw * 1.3, base_y - th),
            ]
            _quad(sc, cone, roof, True, 1)
            fy = base_y - th - tw * 2.8
            d.line([(tx, fy), (tx, fy - tw * 1.2)], fill=INK, width=sc.lw(1))
            d.polygon(
                [(tx, fy - tw * 1.2), (tx + side * tw * 1.1, fy - tw * 0.95), (tx, fy - tw * 0.7)],
                fill=sc.c((210, 60, 60)),
            )
            d.rectangle(
                (tx - sc.s * 2, base_y - th * 0.7, tx + sc.s * 2, base_y - th * 0.58),
                fill=sc.c((40, 34, 40)),
            )
    # courtyard flagstones
    _ground(sc, (150, 144, 128), (184, 176, 156))
    _rays(sc, sc.c((128, 122, 108)), 16, 3.0, 0.8)
    _depth_lines(sc, sc.c((128, 122, 108)), 7)


def _ocean(sc: Scene) -> None:
    top, bottom = _sky(sc)
    _celestial(sc, bottom)
    r, d = sc.rng, sc.d
    deep, shallow = sc.c((40, 90, 150)), sc.c((90, 170, 200))
    if sc.time == "night":
        deep, shallow = sc.c((14, 26, 60)), sc.c((40, 70, 110))
    beach_y = sc.horizon + (sc.h - sc.horizon) * 0.62
    vgradient(
        sc.img, (0, int(sc.horizon), sc.w, int(beach_y) + 4), (mix(deep, bottom, 0.25), shallow)
    )
    d.line([(0, sc.horizon), (sc.w, sc.horizon)], fill=INK, width=sc.lw(1))
    # sun or moon glitter on the water
    gx = sc.w * 0.5
    for i in range(12):
        y = sc.horizon + (beach_y - sc.horizon) * (i / 12) ** 1.3 + sc.s * 2
        wdt = sc.w * 0.01 * (1 + i * 0.7) * r.uniform(0.6, 1.3)
        d.line([(gx - wdt, y), (gx + wdt, y)], fill=sc.c((250, 246, 220)), width=sc.lw(1.2))
    # wave strokes, larger nearer
    for _ in range(40):
        t = r.random() ** 1.6
        y = sc.horizon + (beach_y - sc.horizon) * t + sc.s * 2
        x = r.uniform(0, sc.w)
        ln = sc.s * (6 + 40 * t)
        d.arc(
            (x - ln, y - ln * 0.25, x + ln, y + ln * 0.25),
            200,
            340,
            fill=sc.c(lighter(shallow, 0.5)),
            width=sc.lw(0.8 + t),
        )
    # beach with foam edge
    pts: list[Point] = [(-5, sc.h + 5)]
    for i in range(13):
        x = sc.w * i / 12
        pts.append((x, beach_y + math.sin(i * 1.3 + r.random()) * sc.h * 0.012))
    pts.append((sc.w + 5, sc.h + 5))
    d.polygon(pts, fill=sc.c((232, 214, 170)))
    d.line(pts[1:-1], fill=sc.c((250, 252, 255)), width=sc.lw(3), joint="curve")
    d.line([(x, y + sc.s * 2) for x, y in pts[1:-1]], fill=INK, width=sc.lw(0.8), joint="curve")
    for _ in range(14):
        x, y = r.uniform(0, sc.w), r.uniform(beach_y + sc.h * 0.04, sc.h)
        d.arc(
            (x - sc.s * 6, y - sc.s * 2, x + sc.s * 6, y + sc.s * 2),
            0,
            180,
            fill=sc.c((200, 180, 140)),
            width=sc.lw(0.8),
        )
    sc.ground_y = max(beach_y + sc.h * 0.08, sc.ground_y)


def _desert(sc: Scene) -> None:
    r, d = sc.rng, sc.d
    if sc.time == "day":
        top, bottom = sc.c((120, 170, 220)), sc.c((250, 226, 180))
    else:
        top, bottom = _sky(sc)
    vgradient(sc.img, (0, 0, sc.w, int(sc.horizon) + 2), (top, bottom))
    sx, sy, sr = sc.w * r.uniform(0.2, 0.8), sc.horizon * 0.45, sc.h * 0.11
    if sc.time != "night":
        d.ellipse(
            (sx - sr * 1.6, sy - sr * 1.6, sx + sr * 1.6, sy + sr * 1.6),
            fill=mix(bottom, sc.c((255, 244, 210)), 0.5),
        )
        d.ellipse((sx - sr, sy - sr, sx + sr, sy + sr), fill=sc.c((255, 246, 214)))
    else:
        _celestial(sc, bottom)
    sands = [(228, 192, 140), (214, 170, 110), (196, 146, 90), (226, 182, 120)]
    for layer in range(4):
        base = sc.horizon + (sc.h - sc.horizon) * (layer / 4) ** 1.2
        amp = sc.h * (0.05 + 0.05 * layer)
        ph, fr = r.uniform(0, 6.28), r.uniform(1.5, 3.0) / sc.w
        pts: list[Point] = [(-5, sc.h + 5)]
        for i in range(25):
            x = sc.w * i / 24
            pts.append((x, base - amp * (0.5 + 0.5 * math.sin(x * fr * 6.28 + ph))))
        pts.append((sc.w + 5, sc.h + 5))
        col = sc.c(sands[layer])
        d.polygon(pts, fill=col)
        d.line(pts[1:-1], fill=INK, width=sc.lw(0.9 + 0.2 * layer), joint="curve")
        for k in range(3):  # wind ripples following the dune crest
            off = amp * (0.3 + 0.35 * k)
            d.line([(x, y + off) for x, y in pts[3:-3:2]], fill=darker(col, 0.88), width=sc.lw(0.7))
    # a few heat shimmer lines
    for _ in range(5):
        x, y = r.uniform(0, sc.w), sc.horizon - sc.h * r.uniform(0.01, 0.05)
        d.line([(x, y), (x + sc.w * 0.05, y)], fill=lighter(bottom, 0.3), width=sc.lw(0.8))


def _village(sc: Scene) -> None:
    top, bottom = _sky(sc)
    _celestial(sc, bottom)
    r, d = sc.rng, sc.d
    _bumps(sc, sc.horizon, sc.h * 0.12, sc.c(mix((120, 160, 120), bottom, 0.35)), 5)
    _ground(sc, (150, 176, 110), (120, 156, 90))
    d.polygon(
        [
            (sc.vx - sc.s * 3, sc.horizon),
            (sc.vx + sc.s * 3, sc.horizon),
            (sc.w * 0.72, sc.h),
            (sc.w * 0.28, sc.h),
        ],
        fill=sc.c((196, 170, 130)),
        outline=INK,
        width=sc.lw(0.8),
    )
    roofs = [(170, 70, 60), (120, 80, 60), (70, 90, 130), (150, 110, 70)]
    walls = [(240, 230, 208), (226, 212, 186), (236, 222, 196)]
    houses = []
    for side in (-1, 1):
        for k in range(3):
            t = 1 / (1 + k * 0.9)
            x = sc.vx + side * sc.w * (0.16 + 0.34 * t) + r.uniform(-1, 1) * sc.w * 0.02
            y = sc.horizon + (sc.h * 0.78 - sc.horizon) * t
            houses.append((t, x, y))
    for t, x, y in sorted(houses):
        hw, hh = sc.w * 0.12 * t, sc.h * 0.22 * t
        wall = sc.c(r.choice(walls))
        d.rectangle((x - hw, y - hh, x + hw, y), fill=wall, outline=INK, width=sc.lw(1))
        roof = [
            (x - hw * 1.18, y - hh),
            (x - hw * 0.5, y - hh * 1.75),
            (x + hw * 0.5, y - hh * 1.75),
            (x + hw * 1.18, y - hh),
        ]
        ch = (x + hw * 0.4, y - hh * 1.9, x + hw * 0.6, y - hh * 1.4)
        d.rectangle(ch, fill=sc.c((140, 110, 100)), outline=INK, width=sc.lw(0.8))
        _quad(sc, roof, sc.c(r.choice(roofs)), True, 1)
        for k in range(1, 4):
            yy = y - hh - (hh * 0.75) * k / 4
            xx = hw * (1.18 - 0.68 * k / 4)
            d.line([(x - xx, yy), (x + xx, yy)], fill=INK, width=sc.lw(0.6))
        d.rectangle(
            (x - hw * 0.15, y - hh * 0.55, x + hw * 0.15, y),
            fill=sc.c((120, 84, 60)),
            outline=INK,
            width=sc.lw(0.8),
        )
        for wx in (x - hw * 0.6, x + hw * 0.45):
            d.rectangle(
                (wx - hw * 0.14, y - hh * 0.75, wx + hw * 0.14, y - hh * 0.45),
                fill=sc.c((150, 190, 220)),
                outline=INK,
                width=sc.lw(0.8),
            )
    # fence along the path
    for side in (-1, 1):
        for i in range(8):
            t = 1 / (1 + i * 0.5)
            x = sc.vx + side * sc.w * 0.3 * t
            y = sc.horizon + (sc.h * 0.98 - sc.horizon) * t
            d.line([(x, y), (x, y - sc.h * 0.06 * t)], fill=INK, width=sc.lw(1))
        d.line(
            [
                (sc.vx + side * sc.w * 0.3, sc.h * 0.98 - sc.h * 0.045),
                (
                    sc.vx + side * sc.w * 0.3 / 4.5,
                    sc.horizon + (sc.h * 0.98 - sc.horizon) / 4.5 - sc.h * 0.01,
                ),
            ],
            fill=INK,
            width=sc.lw(1),
        )


def _lab(sc: Scene) -> None:
    r, d = sc.rng, sc.d
    back = _room(sc, (200, 212, 220), (150, 160, 170), (220, 226, 232), back=0.4)
    bx0, by0, bx1, by1 = back
    # wall panels
    for i in range(1, 6):
        x = bx0 + (bx1 - bx0) * i / 6
        d.line([(x, by0), (x, by1)], fill=sc.c((160, 172, 182)), width=sc.lw(0.8))
    # screens with charts
    for i in range(3):
        x0 = bx0 + (bx1 - bx0) * (0.06 + i * 0.32)
        sw, shh = (bx1 - bx0) * 0.26, (by1 - by0) * 0.3
        y0 = by0 + (by1 - by0) * 0.18
        d.rectangle(
            (x0, y0, x0 + sw, y0 + shh), fill=sc.c((20, 40, 54)), outline=INK, width=sc.lw(1.5)
        )
        pts = [(x0 + sw * k / 8, y0 + shh * (0.75 - 0.5 * r.random())) for k in range(9)]
        d.line(pts, fill=sc.c((90, 230, 200)), width=sc.lw(1))
        for k in range(3):
            d.line(
                [
                    (x0 + sw * 0.08, y0 + shh * (0.15 + 0.1 * k)),
                    (x0 + sw * 0.4, y0 + shh * (0.15 + 0.1 * k)),
                ],
                fill=sc.c((120, 200, 240)),
                width=sc.lw(0.8),
            )
    # specimen tubes on the side walls
    for side in (-1, 1):
        x = sc.vx + side * sc.w * 0.36
        y1 = sc.h * 0.82
        tw, th = sc.w * 0.06, sc.h * 0.5
        liquid = sc.c((120, 220, 180) if side < 0 else (140, 180, 240))
        d.rectangle((x - tw, y1 - th, x + tw, y1), fill=liquid, outline=INK, width=sc.lw(1.2))
        d.rectangle(
            (x - tw * 1.2, y1 - th - sc.h * 0.04, x + tw * 1.2, y1 - th),
            fill=sc.c((110, 116, 128)),
            outline=INK,
            width=sc.lw(1),
        )
        d.rectangle(
            (x - tw * 1.2, y1, x + tw * 1.2, y1 + sc.h * 0.05),
            fill=sc.c((110, 116, 128)),
            outline=INK,
            width=sc.lw(1),
        )
        d.line(
            [(x - tw * 0.6, y1 - th * 0.95), (x - tw * 0.6, y1 - th * 0.1)],
            fill=lighter(liquid, 0.5),
            width=sc.lw(2),
        )
        for _ in range(5):
            bx, by = x + r.uniform(-0.6, 0.6) * tw, y1 - r.uniform(0.1, 0.9) * th
            rr = sc.s * r.uniform(1.5, 3)
            d.ellipse(
                (bx - rr, by - rr, bx + rr, by + rr), outline=lighter(liquid, 0.6), width=sc.lw(0.8)
            )
    # ceiling light strips
    for depth in (1.4, 2.4):
        y = sc.horizon + (by0 - sc.horizon) * depth
        xw = (bx1 - bx0) * 0.3 * depth
        d.rectangle(
            (sc.vx - xw, y - sc.s * 3, sc.vx + xw, y + sc.s * 3),
            fill=sc.c((250, 252, 255)),
            outline=INK,
            width=sc.lw(0.8),
        )


def _arena(sc: Scene) -> None:
    top, bottom = _sky(sc)
    r, d = sc.rng, sc.d
    wall_y = sc.horizon
    stand_top = sc.horizon - sc.h * 0.32
    # spotlight beams rising from the top of the stands into the sky
    beam = mix(sc.c((255, 250, 220)), top, 0.55)
    for side in (-1, 1):
        x = sc.vx + side * sc.w * 0.3
        tip = x + side * sc.w * 0.25
        d.polygon(
            [
                (x - sc.w * 0.012, stand_top),
                (x + sc.w * 0.012, stand_top),
                (tip + sc.w * 0.06, -5),
                (tip - sc.w * 0.06, -5),
            ],
            fill=beam,
        )
    # tiers of stands with a crowd of heads
    tiers = 5
    for i in range(tiers):
        y0 = stand_top + (wall_y - stand_top) * i / tiers
        y1 = stand_top + (wall_y - stand_top) * (i + 1) / tiers
        d.rectangle((0, y0, sc.w, y1), fill=sc.c((120, 110, 120) if i % 2 else (140, 128, 136)))
        d.line([(0, y1), (sc.w, y1)], fill=INK, width=sc.lw(0.8))
        hr = (y1 - y0) * 0.28
        x = r.uniform(0, hr * 2)
        while x < sc.w:
            col = sc.c(
                r.choice(
                    [
                        (240, 210, 180),
                        (200, 160, 130),
                        (60, 50, 50),
                        (220, 180, 90),
                        (160, 90, 80),
                        (80, 100, 160),
                    ]
                )
            )
            cy = y1 - hr * 1.3 + r.uniform(-1, 1) * hr * 0.2
            d.ellipse((x - hr, cy - hr, x + hr, cy + hr), fill=col)
            d.rectangle((x - hr * 1.1, cy + hr * 0.6, x + hr * 1.1, y1), fill=darker(col, 0.6))
            x += hr * r.uniform(2.1, 2.8)
    # banners
    for i in range(4):
        x = sc.w * (i + 0.5) / 4
        d.polygon(
            [
                (x - sc.w * 0.03, stand_top - sc.h * 0.02),
                (x + sc.w * 0.03, stand_top - sc.h * 0.02),
                (x + sc.w * 0.03, stand_top + sc.h * 0.1),
                (x, stand_top + sc.h * 0.08),
                (x - sc.w * 0.03, stand_top + sc.h * 0.1),
            ],
            fill=sc.c([(200, 50, 50), (50, 80, 180)][i % 2]),
            outline=INK,
            width=sc.lw(1),
        )
    # arena wall
    d.rectangle(
        (0, wall_y - sc.h * 0.02, sc.w, wall_y + sc.h * 0.06),
        fill=sc.c((150, 120, 96)),
        outline=INK,
        width=sc.lw(1.2),
    )
    for i in range(12):
        x = sc.w * i / 12
        d.line([(x, wall_y - sc.h * 0.02), (x, wall_y + sc.h * 0.06)], fill=INK, width=sc.lw(0.6))
    sc.horizon = wall_y + sc.h * 0.06
    _ground(sc, (200, 176, 136), (226, 204, 160))
    ring_y = sc.horizon + (sc.h - sc.horizon) * 0.45
    d.ellipse(
        (
            sc.vx - sc.w * 0.55,
            ring_y - (sc.h - sc.horizon) * 0.3,
            sc.vx + sc.w * 0.55,
            ring_y + (sc.h - sc.horizon) * 0.55,
        ),
        outline=sc.c((170, 140, 100)),
        width=sc.lw(2),
    )


def _shrine(sc: Scene) -> None:
    top, bottom = _sky(sc)
    _celestial(sc, bottom)
    r, d = sc.rng, sc.d
    _bumps(sc, sc.horizon, sc.h * 0.22, sc.c(mix((70, 110, 80), bottom, 0.25)), 7)
    _ground(sc, (176, 168, 150), (150, 142, 128))
    # stone path with steps
    d.polygon(
        [
            (sc.vx - sc.w * 0.03, sc.horizon),
            (sc.vx + sc.w * 0.03, sc.horizon),
            (sc.w * 0.74, sc.h),
            (sc.w * 0.26, sc.h),
        ],
        fill=sc.c((204, 198, 186)),
        outline=INK,
        width=sc.lw(0.8),
    )
    for i in range(1, 9):
        t = (i / 9) ** 2
        y = sc.horizon + (sc.h - sc.horizon) * t
        hw = sc.w * 0.03 + (sc.w * 0.24 - sc.w * 0.03) * t
        d.line([(sc.vx - hw, y), (sc.vx + hw, y)], fill=INK, width=sc.lw(0.7))
    # torii gate
    red, black = sc.c((214, 70, 50)), sc.c((40, 34, 36))
    gx = sc.vx
    gw = sc.w * (0.2 if sc.establishing else 0.3)
    base = sc.horizon + (sc.h - sc.horizon) * (0.35 if sc.establishing else 0.5)
    gh = sc.h * (0.5 if sc.establishing else 0.72)
    pw = gw * 0.07
    for side in (-1, 1):
        px = gx + side * gw * 0.38
        _quad(
            sc,
            [
                (px - pw, base),
                (px - pw * 0.8, base - gh),
                (px + pw * 0.8, base - gh),
                (px + pw, base),
            ],
            red,
            True,
            1.2,
        )
        d.rectangle(
            (px - pw * 1.2, base - pw * 0.8, px + pw * 1.2, base),
            fill=black,
            outline=INK,
            width=sc.lw(1),
        )
    nuki_y = base - gh * 0.78
    d.rectangle(
        (gx - gw * 0.5, nuki_y, gx + gw * 0.5, nuki_y + pw * 1.1),
        fill=red,
        outline=INK,
        width=sc.lw(1.2),
    )
    top_y = base - gh
    kasagi = [
        (gx - gw * 0.62, top_y - pw * 1.4),
        (gx - gw * 0.4, top_y - pw * 0.6),
        (gx + gw * 0.4, top_y - pw * 0.6),
        (gx + gw * 0.62, top_y - pw * 1.4),
        (gx + gw * 0.55, top_y + pw * 0.6),
        (gx - gw * 0.55, top_y + pw * 0.6),
    ]
    _quad(sc, kasagi, black, True, 1.2)
    d.rectangle(
        (gx - gw * 0.5, top_y + pw * 0.6, gx + gw * 0.5, top_y + pw * 1.6),
        fill=red,
        outline=INK,
        width=sc.lw(1),
    )
    d.rectangle(
        (gx - pw * 0.9, top_y + pw * 1.6, gx + pw * 0.9, nuki_y),
        fill=black,
        outline=INK,
        width=sc.lw(1),
    )
    # stone lanterns
    for side in (-1, 1):
        lx = gx + side * gw * 0.75
        ly = base + (sc.h - base) * 0.3
        lw_ = gw * 0.06
        stone = sc.c((170, 166, 156))
        d.rectangle(
            (lx - lw_ * 0.4, ly - lw_ * 3, lx + lw_ * 0.4, ly),
            fill=stone,
            outline=INK,
            width=sc.lw(0.8),
        )
        d.rectangle(
            (lx - lw_ * 0.8, ly - lw_ * 4.2, lx + lw_ * 0.8, ly - lw_ * 3),
            fill=sc.c((250, 220, 150)),
            outline=INK,
            width=sc.lw(0.8),
        )
        _quad(
            sc,
            [
                (lx - lw_ * 1.3, ly - lw_ * 4.2),
                (lx, ly - lw_ * 5.3),
                (lx + lw_ * 1.3, ly - lw_ * 4.2),
            ],
            stone,
            True,
            0.8,
        )
    # drifting petals
    for _ in range(24):
        x, y = r.uniform(0, sc.w), r.uniform(0, sc.h)
        pr = sc.s * r.uniform(2, 3.5)
        d.ellipse((x - pr, y - pr * 0.6, x + pr, y + pr * 0.6), fill=sc.c((250, 190, 210)))


def _mountain(sc: Scene) -> None:
    top, bottom = _sky(sc)
    _celestial(sc, bottom)
    r, d = sc.rng, sc.d
    for layer in range(3):
        base_y = sc.horizon + sc.h * 0.02 * layer
        colour = sc.c(mix((90, 100, 130), bottom, 0.55 - layer * 0.22))
        amp = sc.h * (0.34 - layer * 0.06)
        pts: list[Point] = [(-10, sc.h + 5), (-10, base_y)]
        x = -10.0
        peaks = []
        while x < sc.w + 10:
            step = sc.w * r.uniform(0.12, 0.28)
            py = base_y - amp * r.uniform(0.5, 1.0)
            peaks.append((x + step / 2, py, step))
            pts += [(x + step * 0.5, py), (x + step, base_y - amp * r.uniform(0.05, 0.3))]
            x += step
        pts += [(sc.w + 10, base_y), (sc.w + 10, sc.h + 5)]
        d.polygon(pts, fill=colour, outline=INK if layer == 2 else None, width=sc.lw(1))
        if layer >= 1:  # snow caps
            snow = sc.c((250, 250, 255))
            for px, py, step in peaks:
                cw = step * 0.14
                ch = cw * 1.6
                d.polygon(
                    [
                        (px, py),
                        (px + cw, py + ch),
                        (px + cw * 0.3, py + ch * 0.75),
                        (px - cw * 0.2, py + ch * 1.05),
                        (px - cw, py + ch),
                    ],
                    fill=snow,
                )
    _ground(sc, (110, 130, 96), (132, 120, 98))
    for _ in range(12):  # rocks
        x, y = r.uniform(0, sc.w), r.uniform(sc.horizon + sc.h * 0.1, sc.h)
        rr = sc.s * r.uniform(4, 12) * (y / sc.h)
        _quad(
            sc,
            [(x - rr, y), (x - rr * 0.5, y - rr * 0.8), (x + rr * 0.6, y - rr * 0.6), (x + rr, y)],
            sc.c((140, 136, 130)),
            True,
            0.8,
        )


def _ruins(sc: Scene) -> None:
    if sc.time == "day":
        sc.time = "overcast"
    top, bottom = _sky(sc)
    _celestial(sc, bottom)
    r, d = sc.rng, sc.d
    far = sc.c(mix((120, 116, 110), bottom, 0.4))
    x = -10.0
    while x < sc.w:  # distant broken walls
        bw, bh = sc.w * r.uniform(0.05, 0.15), sc.h * r.uniform(0.04, 0.14)
        d.polygon(
            [
                (x, sc.horizon),
                (x, sc.horizon - bh),
                (x + bw * 0.4, sc.horizon - bh * r.uniform(0.5, 1.0)),
                (x + bw * 0.7, sc.horizon - bh * r.uniform(0.2, 0.8)),
                (x + bw, sc.horizon),
            ],
            fill=far,
        )
        x += bw * r.uniform(1.0, 1.6)
    _ground(sc, (150, 140, 120), (128, 118, 100))
    _rays(sc, sc.c((110, 100, 86)), 12, 3.0, 0.6)
    stone = sc.c((206, 198, 180))
    for side in (-1, 1):
        for k in range(3):
            t = 1 / (1 + k * 0.8)
            cx = sc.vx + side * sc.w * (0.12 + 0.34 * t)
            by = sc.horizon + (sc.h * 0.86 - sc.horizon) * t
            cw, ch = sc.w * 0.035 * t, sc.h * r.uniform(0.35, 0.7) * t
            breaks = [by - ch * r.uniform(0.85, 1.0) for _ in range(3)]
            col = [
                (cx - cw, by),
                (cx - cw, breaks[0]),
                (cx - cw * 0.2, breaks[1]),
                (cx + cw * 0.4, breaks[2] + cw),
                (cx + cw, breaks[2]),
                (cx + cw, by),
            ]
            _quad(sc, col, stone, True, 1)
            for f in (-0.45, 0.0, 0.45):
                d.line(
                    [(cx + cw * f, by), (cx + cw * f, min(breaks) + cw * 0.8)],
                    fill=darker(stone, 0.8),
                    width=sc.lw(0.7),
                )
            d.rectangle(
                (cx - cw * 1.3, by - cw * 0.6, cx + cw * 1.3, by),
                fill=darker(stone, 0.9),
                outline=INK,
                width=sc.lw(0.8),
            )
            if r.random() < 0.6:  # vines
                vx = cx + r.uniform(-0.5, 0.5) * cw
                d.line(
                    [
                        (vx + math.sin(i) * cw * 0.4, by - ch * 0.9 + i * ch * 0.09)
                        for i in range(9)
                    ],
                    fill=sc.c((70, 120, 60)),
                    width=sc.lw(1.2),
                )
    for _ in range(8):  # rubble
        x, y = r.uniform(0, sc.w), r.uniform(sc.horizon + sc.h * 0.08, sc.h)
        rr = sc.s * r.uniform(5, 14) * (y / sc.h)
        _quad(
            sc,
            [(x - rr, y), (x - rr * 0.7, y - rr * 0.9), (x + rr * 0.8, y - rr * 0.7), (x + rr, y)],
            darker(stone, 0.85),
            True,
            0.8,
        )


def _unknown(sc: Scene) -> None:
    top, bottom = _sky(sc)
    _celestial(sc, bottom)
    _bumps(sc, sc.horizon, sc.h * 0.08, sc.c(mix((120, 140, 120), bottom, 0.4)), 6)
    _ground(sc, (170, 170, 150), (140, 140, 124))
    _rays(sc, sc.c((120, 120, 106)), 14, 3.0, 0.7)
    _depth_lines(sc, sc.c((124, 124, 110)), 6)


DRAWERS: dict[str, Callable[[Scene], None]] = {
    "city": _city,
    "forest": _forest,
    "school": _school,
    "space": _space,
    "castle": _castle,
    "ocean": _ocean,
    "desert": _desert,
    "village": _village,
    "lab": _lab,
    "arena": _arena,
    "shrine": _shrine,
    "mountain": _mountain,
    "ruins": _ruins,
    "unknown": _unknown,
}

INDOOR = {"school", "lab"}


def draw_background(sc: Scene, kind: str) -> None:
    DRAWERS.get(kind, _unknown)(sc)


def dominant_colours(kind: str, time: str) -> tuple[RGB, RGB]:
    """Two colours that sum up a scene (for simplified close-up backgrounds)."""
    table = {
        "forest": ((110, 160, 120), (200, 226, 190)),
        "space": ((30, 24, 70), (90, 60, 140)),
        "ocean": ((80, 150, 200), (210, 236, 246)),
        "desert": ((240, 200, 140), (250, 236, 200)),
        "lab": ((170, 200, 220), (230, 240, 246)),
        "school": ((236, 226, 200), (250, 248, 240)),
        "shrine": ((240, 190, 200), (250, 236, 230)),
        "arena": ((200, 150, 110), (246, 226, 190)),
        "castle": ((150, 150, 170), (220, 220, 232)),
        "ruins": ((160, 150, 130), (220, 214, 200)),
        "mountain": ((130, 150, 190), (226, 234, 246)),
        "village": ((170, 200, 140), (240, 240, 220)),
        "city": ((130, 150, 190), (230, 230, 240)),
    }
    a, b = table.get(kind, ((170, 180, 190), (236, 238, 240)))
    if time == "night":
        a, b = mix(a, (10, 14, 40), 0.7), mix(b, (40, 50, 90), 0.7)
    elif time == "dusk":
        a, b = mix(a, (250, 150, 110), 0.35), mix(b, (250, 200, 160), 0.35)
    return a, b


__all__ = ["KINDS", "Scene", "draw_background", "dominant_colours", "kind_of", "vgradient", "luma"]
