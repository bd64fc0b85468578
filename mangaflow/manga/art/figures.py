"""Stylised manga characters for :mod:`mangaflow.manga.art.engine`.

A character's *look* (hair shape and colours, build, eyes, accessories) is derived only
from its :class:`~mangaflow.platform.ports.CharacterLook` — name, seed, palette, silhouette and the
appearance/outfit text — so the same character looks the same in every panel, whatever
else the panel holds. Pose, expression, size and facing come from the panel.

Figures are built from ImageDraw primitives in "head units": ``x`` across the body
(positive = the side the figure faces), ``y`` up from the feet. :func:`draw_figure`
maps those to pixels.
"""

from __future__ import annotations

import hashlib
import math
import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from PIL import ImageDraw

from mangaflow.platform.ports import CharacterLook

RGB = tuple[int, int, int]
Point = tuple[float, float]

INK: RGB = (26, 22, 30)
WHITE: RGB = (255, 255, 255)

HAIR_STYLES = ("spiky", "long", "bob", "ponytail", "short", "twintails", "bun", "messy")
BUILDS = ("average", "tall", "short", "broad", "slim", "robed", "armored")

# heads tall, shoulder half-width, waist half-width, hip half-width, limb thickness
_BUILD_DIMS: dict[str, tuple[float, float, float, float, float]] = {
    "average": (6.0, 0.92, 0.6, 0.64, 0.31),
    "tall": (6.9, 0.95, 0.6, 0.64, 0.3),
    "short": (4.9, 0.84, 0.6, 0.64, 0.3),
    "broad": (6.2, 1.32, 0.94, 0.86, 0.4),
    "slim": (6.5, 0.78, 0.5, 0.56, 0.25),
    "robed": (6.2, 0.98, 0.76, 0.95, 0.3),
    "armored": (6.3, 1.28, 0.88, 0.84, 0.37),
}

_BUILD_WORDS = (
    ("armored", ("armor", "armour", "armored", "armoured", "knight", "plate", "mech")),
    ("robed", ("robe", "robed", "cloak", "kimono", "gown", "cassock", "hakama")),
    ("broad", ("broad", "muscular", "stocky", "burly", "hulking", "big", "large", "heavy")),
    ("slim", ("slim", "slender", "lanky", "thin", "wiry", "willowy", "lean")),
    ("short", ("short", "small", "petite", "tiny", "child", "kid", "young")),
    ("tall", ("tall", "towering", "long-legged")),
)

_HAIR_WORDS = (
    ("twintails", ("twintail", "twin tail", "twin-tail", "pigtail", "twin braid")),
    ("ponytail", ("ponytail", "pony tail", "pony-tail", "braid", "topknot")),
    ("bun", ("bun", "chignon", "updo")),
    ("spiky", ("spiky", "spiked", "spikes", "wild")),
    ("messy", ("messy", "shaggy", "tousled", "unkempt", "fluffy", "curly")),
    ("bob", ("bob", "chin-length", "chin length")),
    ("long", ("long", "flowing", "waist-length")),
    ("short", ("short", "cropped", "buzz", "crew", "undercut")),
)

_SKIN_WORDS = (
    (("dark skin", "dark-skinned", "deep brown skin", "ebony"), (139, 94, 66)),
    (("brown skin", "brown-skinned", "bronze"), (178, 124, 88)),
    (("tan", "tanned", "sun-kissed", "olive"), (222, 172, 130)),
    (("pale", "porcelain", "ghostly"), (255, 238, 228)),
    (("green skin",), (150, 196, 140)),
    (("blue skin",), (150, 180, 230)),
)

_DEFAULT_HAIR = ((60, 44, 40), (210, 170, 90), (40, 60, 110), (160, 50, 50), (90, 90, 100))
_DEFAULT_OUTFIT = ((50, 70, 130), (150, 40, 50), (60, 110, 80), (90, 80, 120), (200, 190, 170))
_EYE_COLOURS = ((70, 120, 200), (60, 150, 110), (170, 90, 40), (140, 60, 160), (190, 50, 60))
_SKINS = ((255, 228, 206), (250, 216, 190), (242, 204, 176))


# --------------------------------------------------------------------------- colours


def stable_rng(*parts: object) -> random.Random:
    """A ``random.Random`` seeded from sha256 of the parts (never the salted ``hash``)."""
    digest = hashlib.sha256("\x1f".join(str(p) for p in parts).encode("utf-8")).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def parse_hex(value: object, fallback: RGB) -> RGB:
    text = str(value or "").strip().lstrip("#")
    if len(text) == 3:
        text = "".join(ch * 2 for ch in text)
    if len(text) != 6:
        return fallback
    try:
        return (int(text[0:2], 16), int(text[2:4], 16), int(text[4:6], 16))
    except ValueError:
        return fallback


def mix(a: Sequence[int], b: Sequence[int], t: float) -> RGB:
    return (
        int(round(a[0] + (b[0] - a[0]) * t)),
        int(round(a[1] + (b[1] - a[1]) * t)),
        int(round(a[2] + (b[2] - a[2]) * t)),
    )


def darker(c: Sequence[int], f: float = 0.72) -> RGB:
    return (int(c[0] * f), int(c[1] * f), int(c[2] * f))


def lighter(c: Sequence[int], t: float = 0.35) -> RGB:
    return mix(c, WHITE, t)


def luma(c: Sequence[int]) -> float:
    return 0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2]


# --------------------------------------------------------------------------- the look


@dataclass(frozen=True)
class Look:
    """Everything stable about how one character is drawn."""

    name: str
    hair: RGB
    hair_dark: RGB
    hair_light: RGB
    outfit: RGB
    outfit_dark: RGB
    accent: RGB
    eyes: RGB
    skin: RGB
    skin_dark: RGB
    legwear: RGB
    shoes: RGB
    hair_style: str
    build: str
    heads: float
    shoulder: float
    waist: float
    hip: float
    limb: float
    bangs: tuple[Point, ...]  # (x, drop) zig-zag of the fringe, left to right
    spikes: tuple[tuple[float, float], ...]  # (angle deg, length) for spiky / messy crowns
    side_lock: float  # how far the hair frames the face, in heads below the head centre
    ahoge: int  # 0 = none, else direction of the single upright strand
    accessory: str  # none, scarf, headband, ribbon, choker
    sleeves: str  # long, short
    skirt: bool
    glasses: bool
    scar: bool
    eye_style: str  # round, sharp
    tail_side: int


def _words(text: str) -> str:
    return " " + re.sub(r"[^a-z0-9 -]+", " ", text.casefold()) + " "


def _hair_clause(appearance: str) -> str:
    parts = re.split(r"[,;.]|\band\b|\bwith\b", appearance.casefold())
    return " ".join(p for p in parts if "hair" in p or "tail" in p or "braid" in p or "bun" in p)


def _pick_from_words(text: str, table: Sequence[tuple[str, Sequence[str]]]) -> str | None:
    words = _words(text)
    for value, keys in table:
        for key in keys:
            if f" {key} " in words or (" " in key and key in words) or f" {key}s " in words:
                return value
    return None


def build_of(silhouette: str) -> str:
    """Normalise a free-text silhouette hint to one of :data:`BUILDS`."""
    s = (silhouette or "").strip().casefold()
    if s in _BUILD_DIMS:
        return s
    return _pick_from_words(s, _BUILD_WORDS) or "average"


def look_for(c: CharacterLook) -> Look:
    """The stable look of ``c`` (cached on the fields that define it)."""
    return _look(
        c.name,
        int(c.seed),
        tuple(c.palette or ()),
        c.silhouette or "",
        c.appearance or "",
        c.outfit or "",
    )


@lru_cache(maxsize=256)
def _look(
    name: str, seed: int, palette: tuple[str, ...], silhouette: str, appearance: str, outfit: str
) -> Look:
    rng = stable_rng("character", name.strip().casefold(), seed)
    hair = parse_hex(palette[0] if palette else "", rng.choice(_DEFAULT_HAIR))
    outfit_c = parse_hex(palette[1] if len(palette) > 1 else "", rng.choice(_DEFAULT_OUTFIT))
    accent = parse_hex(
        palette[2] if len(palette) > 2 else "", lighter(rng.choice(_EYE_COLOURS), 0.2)
    )
    eyes = parse_hex(
        palette[3] if len(palette) > 3 else "", mix(rng.choice(_EYE_COLOURS), accent, 0.3)
    )

    skin = rng.choice(_SKINS)
    low = appearance.casefold()
    for keys, tone in _SKIN_WORDS:
        if any(k in low for k in keys):
            skin = tone
            break

    style = _pick_from_words(_hair_clause(appearance), _HAIR_WORDS) or rng.choice(HAIR_STYLES)
    build = build_of(silhouette)
    if build == "average":
        build = _pick_from_words(outfit, _BUILD_WORDS[:2]) or "average"
    heads, shoulder, waist, hip, limb = _BUILD_DIMS[build]

    n = rng.randint(3, 6)
    bangs: list[Point] = []
    for i in range(2 * n + 1):
        x = -0.36 + 0.72 * i / (2 * n)
        tip = i % 2 == 1
        centre = 1.0 - abs(x) / 0.36  # clumps over the nose hang lower
        drop = (0.16 + 0.08 * centre + rng.uniform(-0.02, 0.05)) if tip else rng.uniform(0.03, 0.09)
        bangs.append(
            (
                x + (rng.uniform(-0.02, 0.03) * (1 if x >= 0 else -1) + 0.03 * x if tip else 0.0),
                drop,
            )
        )
    if style == "bob":  # blunt fringe
        bangs = [(x, 0.16 + (0.02 if i % 2 else 0.0)) for i, (x, _) in enumerate(bangs)]

    spikes: list[tuple[float, float]] = []
    if style in ("spiky", "messy"):
        count = rng.randint(6, 9) if style == "spiky" else rng.randint(8, 12)
        for i in range(count):
            a = -25 + 230 * (i + 0.5) / count + rng.uniform(-6, 6)
            ln = rng.uniform(0.32, 0.55) if style == "spiky" else rng.uniform(0.1, 0.2)
            spikes.append((a, ln))

    accessory = rng.choice(("none", "none", "scarf", "headband", "ribbon", "choker"))
    out_low = outfit.casefold() + " " + low
    for word, acc in (
        ("scarf", "scarf"),
        ("headband", "headband"),
        ("bandana", "headband"),
        ("ribbon", "ribbon"),
        ("bow", "ribbon"),
        ("choker", "choker"),
    ):
        if re.search(rf"\b{word}\b", out_low):
            accessory = acc
            break
    if build == "armored" and accessory == "ribbon":
        accessory = "none"

    skirt = bool(re.search(r"\b(skirt|dress|sailor)\b", outfit.casefold()))
    legwear = (60, 60, 72) if skirt else mix(outfit_c, (36, 36, 52), 0.55)
    return Look(
        name=name,
        hair=hair,
        hair_dark=darker(hair, 0.7),
        hair_light=lighter(hair, 0.45),
        outfit=outfit_c,
        outfit_dark=darker(outfit_c, 0.7),
        accent=accent,
        eyes=eyes,
        skin=skin,
        skin_dark=mix(skin, (170, 90, 80), 0.22),
        legwear=legwear,
        shoes=mix(accent, (50, 36, 30), 0.6),
        hair_style=style,
        build=build,
        heads=heads,
        shoulder=shoulder,
        waist=waist,
        hip=hip,
        limb=limb,
        bangs=tuple(bangs),
        spikes=tuple(spikes),
        side_lock=rng.uniform(0.3, 0.5)
        if style in ("long", "bob", "twintails")
        else rng.uniform(0.12, 0.24),
        ahoge=rng.choice((0, 0, 1, -1)),
        accessory=accessory,
        sleeves=rng.choice(("long", "long", "short"))
        if build not in ("robed", "armored")
        else "long",
        skirt=skirt,
        glasses=bool(re.search(r"\b(glasses|spectacles|monocle)\b", low)),
        scar=bool(re.search(r"\bscar", low)),
        eye_style=rng.choice(("round", "round", "sharp")),
        tail_side=rng.choice((-1, 1)),
    )


# --------------------------------------------------------------------------- poses

# (upper, fore) angles in degrees for the back arm and the front arm, then
# (thigh, shin) for the back and front leg. 0 = straight down, +90 = towards the
# facing side, 180 = straight up.
POSES: dict[
    str, tuple[tuple[float, float], tuple[float, float], tuple[float, float], tuple[float, float]]
] = {
    "stand": ((-12, -5), (12, 5), (-4, -2), (4, 2)),
    "hip": ((-12, -5), (42, -48), (-5, -2), (6, 2)),
    "wave": ((-12, -5), (140, 172), (-4, -2), (4, 2)),
    "point": ((-14, -4), (80, 86), (-5, -2), (8, 3)),
    "cheer": ((-150, -170), (150, 170), (-8, -4), (8, 4)),
    "fight": ((-25, 105), (55, 130), (-24, -6), (26, 6)),
    "punch": ((-45, 55), (86, 90), (-32, -10), (40, 8)),
    "run": ((-50, 10), (55, 125), (-40, -95), (60, -5)),
    "leap": ((-70, -20), (80, 92), (-30, -100), (75, 10)),
    "brace": ((-30, 120), (40, 150), (-34, -4), (34, 4)),
    "slump": ((-4, -2), (4, 2), (-3, -1), (3, 1)),
}
AIRBORNE = {"leap"}


def body_lift(look: Look, pose: str) -> float:
    """How far (in heads) the pose lifts the figure so its lowest foot rests on the ground."""
    _, _, back_leg, front_leg = POSES.get(pose, POSES["stand"])
    if pose in AIRBORNE:
        return 0.35
    n = look.heads
    lowest = min(
        0.47 * n - 0.245 * n * math.cos(math.radians(a)) - 0.225 * n * math.cos(math.radians(b))
        for a, b in (back_leg, front_leg)
    )
    return -lowest + 0.06


def _dir(angle: float) -> Point:
    a = math.radians(angle)
    return (math.sin(a), -math.cos(a))


# --------------------------------------------------------------------------- drawing


def _circle(d: ImageDraw.ImageDraw, p: Point, r: float, fill: RGB) -> None:
    d.ellipse((p[0] - r, p[1] - r, p[0] + r, p[1] + r), fill=fill)


def _capsule(d: ImageDraw.ImageDraw, pts: Sequence[Point], w: float, fill: RGB, o: float) -> None:
    """A round-ended thick line with an ink outline ``o`` px wide."""
    wo = max(1, int(round(w + 2 * o)))
    wi = max(1, int(round(w)))
    d.line(list(pts), fill=INK, width=wo, joint="curve")
    _circle(d, pts[0], wo / 2, INK)
    _circle(d, pts[-1], wo / 2, INK)
    d.line(list(pts), fill=fill, width=wi, joint="curve")
    _circle(d, pts[0], wi / 2, fill)
    _circle(d, pts[-1], wi / 2, fill)


def _poly(d: ImageDraw.ImageDraw, pts: Sequence[Point], fill: RGB | None, o: float) -> None:
    if len(pts) < 3:
        return
    if o >= 1:
        d.polygon(list(pts), fill=fill, outline=INK, width=max(1, int(round(o))))
    else:
        d.polygon(list(pts), fill=fill)


def _taper(pts: Sequence[Point], widths: Sequence[float]) -> list[Point]:
    """A polygon around a polyline whose half-width varies along it."""
    left: list[Point] = []
    right: list[Point] = []
    n = len(pts)
    for i, (x, y) in enumerate(pts):
        a = pts[max(0, i - 1)]
        b = pts[min(n - 1, i + 1)]
        dx, dy = b[0] - a[0], b[1] - a[1]
        ln = math.hypot(dx, dy) or 1.0
        nx, ny = -dy / ln, dx / ln
        w = widths[i]
        left.append((x + nx * w, y + ny * w))
        right.append((x - nx * w, y - ny * w))
    return left + right[::-1]


def _ellipse_pts(
    cx: float, cy: float, rx: float, ry: float, a0: float, a1: float, n: int
) -> list[Point]:
    out = []
    for i in range(n + 1):
        a = math.radians(a0 + (a1 - a0) * i / n)
        out.append((cx + rx * math.cos(a), cy + ry * math.sin(a)))
    return out


@dataclass
class Figure:
    """Where a figure ended up (for shadows, impact bursts, focus lines)."""

    head: Point
    head_r: float
    feet: Point
    hand: Point


def draw_figure(
    d: ImageDraw.ImageDraw,
    look: Look,
    cx: float,
    fy: float,
    hh: float,
    *,
    facing: int = 1,
    pose: str = "stand",
    expression: str = "neutral",
    lean: float = 0.0,
    s: float = 1.0,
    wind: float = 0.0,
) -> Figure:
    """Draw ``look`` with its feet centred on ``(cx, fy)`` and a head ``hh`` px tall.

    ``s`` is the supersampling factor (final px → canvas px) used for detail levels and
    line widths. ``lean`` shears the body towards ``facing``; ``wind`` blows hair and
    scarves backwards (action)."""
    facing = 1 if facing >= 0 else -1
    N = look.heads
    o = min(max(s * 0.9, hh * 0.045), s * 3.2)  # outline width
    fpx = hh / s  # head height in final pixels → level of detail
    back_arm, front_arm, back_leg, front_leg = POSES.get(pose, POSES["stand"])

    hip_y = 0.47 * N
    thigh, shin = 0.245 * N, 0.225 * N
    hip_x = look.hip * 0.5

    def leg(sign: float, ang: tuple[float, float]) -> list[Point]:
        h = (sign * hip_x, hip_y)
        u = _dir(ang[0])
        k = (h[0] + u[0] * thigh, h[1] + u[1] * thigh)
        v = _dir(ang[1])
        a = (k[0] + v[0] * shin, k[1] + v[1] * shin)
        return [h, k, a]

    legs = [leg(-1, back_leg), leg(1, front_leg)]
    lift = body_lift(look, pose)

    def P(x: float, y: float) -> Point:
        y2 = y + lift
        return (cx + facing * (x + lean * y2) * hh, fy - y2 * hh)

    def PS(pts: Sequence[Point]) -> list[Point]:
        return [P(x, y) for x, y in pts]

    head_cy = N - 0.47
    hrx, hry = 0.43, 0.48
    ys = N - 1.2  # shoulder line
    waist_y = hip_y + 0.5
    sw, ww, hw = look.shoulder, look.waist, look.hip
    limb = look.limb * hh
    upper, fore = 0.2 * N, 0.18 * N

    def arm(sign: float, ang: tuple[float, float]) -> list[Point]:
        sh = (sign * (sw - look.limb * 0.55), ys - 0.1)
        u = _dir(ang[0])
        e = (sh[0] + u[0] * upper, sh[1] + u[1] * upper)
        v = _dir(ang[1])
        h = (e[0] + v[0] * fore, e[1] + v[1] * fore)
        return [sh, e, h]

    arms = [arm(-1, back_arm), arm(1, front_arm)]
    simple = fpx < 16

    # -- hair behind the body
    _back_hair(d, look, P, head_cy, hrx, hry, o, wind * facing)

    # -- scarf tail behind
    if look.accessory == "scarf":
        t = []
        for k in range(7):  # a ribbon trailing back and down, rippling in the wind
            u = k / 6
            t.append(
                (
                    -0.1 - u * (0.7 + wind * 1.6) + 0.06 * math.sin(u * 7.0) * (1 - wind * 0.5),
                    ys + 0.1 - u * (1.0 - wind * 0.55) + 0.08 * wind * math.sin(u * 9.0),
                )
            )
        _poly(
            d,
            PS(_taper(t, [0.15, 0.16, 0.16, 0.15, 0.14, 0.13, 0.12])),
            darker(look.accent, 0.85),
            o,
        )

    # -- legs (robes cover them)
    if look.build != "robed":
        for lg in legs:
            pts = PS(lg)
            _capsule(d, pts, limb * 1.05, look.legwear if not look.skirt else look.skin, o)
            ax, ay = pts[2]
            fw = limb * 0.95
            toe = (ax + facing * fw * 1.2, ay + fw * 0.25)
            shoe = [
                (ax - facing * fw * 0.6, ay - fw * 0.55),
                (ax + facing * fw * 0.4, ay - fw * 0.6),
                toe,
                (toe[0], ay + fw * 0.6),
                (ax - facing * fw * 0.7, ay + fw * 0.6),
            ]
            _poly(d, shoe, look.shoes, o)
            if look.skirt and not simple:
                sock_top = (
                    pts[1][0] * 0.55 + pts[2][0] * 0.45,
                    pts[1][1] * 0.55 + pts[2][1] * 0.45,
                )
                d.line([sock_top, pts[2]], fill=look.legwear, width=max(1, int(limb * 1.05)))

    # -- torso
    torso = [
        (-sw + 0.12, ys + 0.06),
        (-sw * 0.55, ys + 0.1),
        (sw * 0.55, ys + 0.1),
        (sw - 0.12, ys + 0.06),
        (sw, ys - 0.18),
        (ww, waist_y),
        (-ww, waist_y),
        (-sw, ys - 0.18),
    ]
    if look.build == "robed":
        robe = [(-sw, ys - 0.1), (sw, ys - 0.1), (hw * 1.25, 0.1), (-hw * 1.25, 0.1)]
        _poly(d, PS(robe), look.outfit, o)
        _poly(
            d,
            PS([(-sw * 0.2, ys), (-hw * 0.9, 0.1), (-hw * 1.25, 0.1), (-sw, ys - 0.1)]),
            look.outfit_dark,
            0,
        )
        d.line(
            PS([(0.0, ys + 0.05), (0.12, waist_y), (0.2, 0.1)]),
            fill=INK,
            width=max(1, int(o * 0.8)),
        )
        _poly(
            d,
            PS(
                [
                    (-ww * 1.05, waist_y + 0.2),
                    (ww * 1.05, waist_y + 0.2),
                    (ww * 1.08, waist_y - 0.1),
                    (-ww * 1.08, waist_y - 0.1),
                ]
            ),
            look.accent,
            o * 0.8,
        )
    else:
        pelvis = [
            (-ww, waist_y + 0.02),
            (ww, waist_y + 0.02),
            (hw, hip_y),
            (0.0, hip_y - 0.12),
            (-hw, hip_y),
        ]
        _poly(d, PS(pelvis), look.legwear, o)
        if look.skirt:
            skirt_y = hip_y - 0.05 - 0.1 * N
            _poly(
                d,
                PS([(-ww, waist_y), (ww, waist_y), (hw * 1.5, skirt_y), (-hw * 1.5, skirt_y)]),
                look.accent if look.accent != look.outfit else look.outfit_dark,
                o,
            )
    _poly(d, PS(torso), look.outfit, o)
    # shaded side
    _poly(
        d,
        PS(
            [
                (-sw + 0.05, ys - 0.15),
                (-sw * 0.45, ys - 0.05),
                (-ww * 0.5, waist_y + 0.05),
                (-ww + 0.03, waist_y + 0.05),
            ]
        ),
        look.outfit_dark,
        0,
    )
    d.polygon(PS(torso), outline=INK, width=max(1, int(round(o))))
    if not simple:
        # collar: a shirt V in the accent colour (or white)
        shirt = WHITE if look.build != "armored" else look.outfit_dark
        _poly(d, PS([(-0.2, ys + 0.08), (0.2, ys + 0.08), (0.0, ys - 0.38)]), shirt, o * 0.8)
        if look.build != "robed":
            _poly(
                d,
                PS(
                    [
                        (-ww - 0.02, waist_y + 0.14),
                        (ww + 0.02, waist_y + 0.14),
                        (ww + 0.02, waist_y - 0.02),
                        (-ww - 0.02, waist_y - 0.02),
                    ]
                ),
                mix(look.accent, INK, 0.25),
                o * 0.8,
            )
        if look.build == "armored":
            for sign in (-1, 1):
                pad = _ellipse_pts(sign * (sw - 0.12), ys - 0.05, 0.36, 0.24, 180, 360, 10)
                _poly(d, PS(pad), look.accent, o)
            d.line(
                PS([(-ww * 0.8, ys - 0.6), (0.0, ys - 0.75), (ww * 0.8, ys - 0.6)]),
                fill=INK,
                width=max(1, int(o * 0.8)),
            )

    # -- neck
    neck = [(-0.12, N - 0.9), (0.12, N - 0.9), (0.13, ys + 0.02), (-0.13, ys + 0.02)]
    _poly(d, PS(neck), look.skin_dark, o * 0.8)
    if look.accessory == "scarf":
        band = [(-0.3, ys + 0.12), (0.3, ys + 0.12), (0.4, ys - 0.08), (-0.4, ys - 0.08)]
        _poly(d, PS(band), look.accent, o * 0.8)
        knot = [
            (0.1, ys - 0.04),
            (0.26, ys - 0.04),
            (0.3, ys - 0.55),
            (0.2, ys - 0.49),
            (0.1, ys - 0.57),
        ]
        _poly(d, PS(knot), darker(look.accent, 0.85), o * 0.8)
    elif look.accessory == "choker":
        band = [(-0.14, ys + 0.26), (0.14, ys + 0.26), (0.14, ys + 0.2), (-0.14, ys + 0.2)]
        _poly(d, PS(band), look.accent, o * 0.6)

    # -- arms (sleeve + forearm + hand)
    sleeve_w = limb * (1.5 if look.build == "robed" else 1.0)
    hands: list[Point] = []
    for a in arms:
        pts = PS(a)
        if look.sleeves == "short":
            _capsule(d, pts[1:], limb * 0.85, look.skin, o)
            _capsule(d, [pts[0], pts[1]], sleeve_w, look.outfit, o)
        else:
            _capsule(d, pts, sleeve_w, look.outfit, o)
        hr = limb * 0.5
        _circle(d, pts[2], hr + o, INK)
        _circle(d, pts[2], hr, look.skin)
        hands.append(pts[2])

    # -- head
    # cranium (top half of an ellipse) and a jaw tapering to a pointed chin
    jaw = [
        (-hrx, head_cy - 0.02),
        (-hrx + 0.02, head_cy - 0.2),
        (-hrx + 0.1, head_cy - 0.38),
        (-0.16, head_cy - 0.5),
        (0.0, head_cy - 0.55),
        (0.16, head_cy - 0.5),
        (hrx - 0.1, head_cy - 0.38),
        (hrx - 0.02, head_cy - 0.2),
        (hrx, head_cy - 0.02),
    ]
    head_poly = PS(_ellipse_pts(0.0, head_cy, hrx, hry, 0, 180, 16) + jaw)
    if not simple:
        # ears
        for sign in (-1, 1):
            ear = _ellipse_pts(sign * (hrx - 0.01), head_cy - 0.12, 0.07, 0.12, 0, 360, 10)
            _poly(d, PS(ear), look.skin, o * 0.8)
    _poly(d, head_poly, look.skin, o)

    if not simple:
        _face(d, look, P, head_cy, hh, o, fpx, facing, expression)
    else:
        # tiny figures: two eye dots are enough
        for sign in (-1, 1):
            e = P(sign * 0.17 + 0.04, head_cy - 0.16)
            _circle(d, e, max(1.0, hh * 0.06), INK)

    _front_hair(d, look, P, head_cy, hrx, hry, o, fpx, wind * facing)

    if look.accessory == "headband":
        band = _ellipse_pts(0.0, head_cy + 0.2, hrx + 0.06, 0.12, 200, 340, 8)
        d.line(PS(band), fill=look.accent, width=max(1, int(hh * 0.09)))
        if wind:
            tail = [
                (-hrx - 0.02, head_cy + 0.2),
                (-hrx - 0.5, head_cy + 0.1 + 0.2 * wind),
                (-hrx - 0.9, head_cy + 0.25),
            ]
            _poly(d, PS(_taper(tail, [0.06, 0.05, 0.02])), look.accent, o * 0.8)
    elif look.accessory == "ribbon":
        side = look.tail_side
        c = (side * 0.34, head_cy + 0.38)
        for dx in (-1, 1):
            bow = [c, (c[0] + dx * 0.22, c[1] + 0.12), (c[0] + dx * 0.22, c[1] - 0.1)]
            _poly(d, PS(bow), look.accent, o * 0.8)
        _circle(d, P(*c), hh * 0.04, darker(look.accent))

    head_c = P(0.0, head_cy)
    return Figure(head=head_c, head_r=hry * hh, feet=P(0.0, 0.0), hand=hands[1])


def _back_hair(
    d: ImageDraw.ImageDraw,
    look: Look,
    P: Callable[[float, float], Point],
    hc: float,
    rx: float,
    ry: float,
    o: float,
    wind: float,
) -> None:
    col = look.hair_dark
    st = look.hair_style

    def PS(pts: Sequence[Point]) -> list[Point]:
        return [P(x, y) for x, y in pts]

    if st == "long":
        top = _ellipse_pts(0.0, hc + 0.02, rx + 0.1, ry + 0.08, 0, 180, 14)
        bottom_y = hc - 2.2
        sway = -wind * 0.5
        side = [
            (-rx - 0.16, hc - 0.5),
            (-rx - 0.22 + sway, hc - 1.3),
            (-0.5 + sway, bottom_y),
            (-0.3 + sway, bottom_y + 0.22),
            (-0.12 + sway, bottom_y - 0.05),
            (0.08 + sway, bottom_y + 0.22),
            (0.3 + sway, bottom_y),
            (0.5 + sway, bottom_y + 0.25),
            (rx + 0.2 + sway, hc - 1.3),
            (rx + 0.16, hc - 0.5),
        ]
        _poly(d, PS(top + side), col, o)
    elif st == "bob":
        top = _ellipse_pts(0.0, hc + 0.02, rx + 0.12, ry + 0.08, 0, 180, 14)
        side = [
            (-rx - 0.14, hc - 0.45),
            (-rx - 0.02, hc - 0.6),
            (rx + 0.02, hc - 0.6),
            (rx + 0.14, hc - 0.45),
        ]
        _poly(d, PS(top + side), col, o)
    elif st in ("ponytail", "twintails"):
        sides = (look.tail_side,) if st == "ponytail" else (-1, 1)
        for sd in sides:
            root = (sd * (rx - 0.12), hc + (0.34 if st == "ponytail" else 0.15))
            sway = -wind * 0.7
            mid = (sd * (rx + 0.22) + sway * 0.5, hc - 0.15)
            end = (sd * (rx + 0.2) + sway, hc - (1.3 if st == "ponytail" else 1.8))
            tip = (sd * (rx + 0.08) + sway * 1.2, hc - (1.6 if st == "ponytail" else 2.1))
            spine = [root, mid, end, tip]
            _poly(d, PS(_taper(spine, [0.1, 0.15, 0.1, 0.01])), look.hair, o)
            d.line(
                PS(
                    [
                        (root[0] + sd * 0.05, root[1] - 0.1),
                        (mid[0], mid[1] - 0.1),
                        (end[0], end[1] + 0.2),
                    ]
                ),
                fill=look.hair_dark,
                width=max(1, int(o * 0.6)),
                joint="curve",
            )
            _circle(d, P(*root), 0.07 * abs(P(0, 0)[1] - P(0, 1)[1]), look.accent)
    elif st == "bun":
        c = P(0.0, hc + ry + 0.08)
        r = 0.2 * abs(P(0, 0)[1] - P(0, 1)[1])
        _circle(d, c, r + o, INK)
        _circle(d, c, r, look.hair)
    else:
        # short / spiky / messy: a little volume behind the ears
        top = _ellipse_pts(0.0, hc + 0.02, rx + 0.08, ry + 0.06, -20, 200, 14)
        _poly(d, PS(top), col, o)


def _front_hair(
    d: ImageDraw.ImageDraw,
    look: Look,
    P: Callable[[float, float], Point],
    hc: float,
    rx: float,
    ry: float,
    o: float,
    fpx: float,
    wind: float,
) -> None:
    R, Ry = rx + 0.07, ry + 0.07
    lock = look.side_lock
    pts: list[Point] = [(R - 0.02, hc - lock)]
    if look.spikes:
        # crown of spikes between the base ellipse and outward tips
        base = _ellipse_pts(0.0, hc + 0.03, R, Ry, -20, 200, 24)
        pts += base[:1]
        for ang, ln in look.spikes:
            a0, a1 = ang - 9, ang + 9
            p0 = (R * math.cos(math.radians(a0)), hc + 0.03 + Ry * math.sin(math.radians(a0)))
            # tips sweep back against the wind and slightly up
            ta = math.radians(ang + 12 * (1 if ang > 90 else -1) * 0.5)
            tip = ((R + ln) * math.cos(ta) - wind * ln * 0.6, hc + 0.03 + (Ry + ln) * math.sin(ta))
            p1 = (R * math.cos(math.radians(a1)), hc + 0.03 + Ry * math.sin(math.radians(a1)))
            pts += [p0, tip, p1]
        pts += base[-1:]
    else:
        pts += _ellipse_pts(0.0, hc + 0.03, R, Ry, -10, 190, 22)
    pts.append((-R + 0.02, hc - lock))
    pts.append((-rx + 0.1, hc - lock * 0.6))
    pts.append((-rx + 0.08, hc + 0.08))
    for bx, drop in look.bangs:
        pts.append((bx, hc + 0.3 - drop))
    pts.append((rx - 0.08, hc + 0.08))
    pts.append((rx - 0.1, hc - lock * 0.6))
    poly = [P(x, y) for x, y in pts]
    _poly(d, poly, look.hair, o)

    if fpx >= 22:
        # shadow under the fringe and the "angel ring" highlight
        ring = _ellipse_pts(0.0, hc + 0.1, R * 0.7, Ry * 0.62, 35, 145, 10)
        for seg in (ring[0:4], ring[4:7], ring[7:11]):
            widths = [0.0] + [0.028] * (len(seg) - 2) + [0.0]
            d.polygon([P(x, y) for x, y in _taper(seg, widths)], fill=look.hair_light)
        # strand lines
        for bx, drop in look.bangs[1::2]:
            d.line(
                [P(bx * 0.6, hc + 0.42), P(bx, hc + 0.3 - drop + 0.05)],
                fill=look.hair_dark,
                width=max(1, int(o * 0.5)),
            )
    if look.ahoge:
        a = look.ahoge
        strand = [(0.02 * a, hc + Ry + 0.02), (0.15 * a, hc + Ry + 0.28), (0.3 * a, hc + Ry + 0.22)]
        _poly(d, [P(x, y) for x, y in _taper(strand, [0.05, 0.035, 0.005])], look.hair, o * 0.8)


def _face(
    d: ImageDraw.ImageDraw,
    look: Look,
    P: Callable[[float, float], Point],
    hc: float,
    hh: float,
    o: float,
    fpx: float,
    facing: int,
    expression: str,
) -> None:
    gaze = 0.035
    ey = hc - 0.15
    full = fpx >= 38
    lw = max(1, int(round(o)))
    thin = max(1, int(round(o * 0.6)))
    for sign in (-1, 1):
        ex = sign * 0.185 + gaze
        c = P(ex, ey)
        if not full:
            # simple: a tall dark oval with a highlight
            w, h = hh * 0.07, hh * (0.15 if look.eye_style == "round" else 0.11)
            d.ellipse((c[0] - w, c[1] - h, c[0] + w, c[1] + h), fill=INK)
            if fpx >= 24:
                hr = w * 0.45
                d.ellipse(
                    (
                        c[0] - w * 0.5 - hr,
                        c[1] - h * 0.5 - hr,
                        c[0] - w * 0.5 + hr,
                        c[1] - h * 0.5 + hr,
                    ),
                    fill=WHITE,
                )
            continue
        _manga_eye(d, look, c, hh, sign * facing, facing, expression, lw, thin)

    # brows
    if fpx >= 24:
        for sign in (-1, 1):
            inner = (sign * 0.07 + gaze, hc + 0.02)
            outer = (sign * 0.3 + gaze, hc + 0.04)
            if expression in ("angry", "tense"):
                inner = (inner[0], inner[1] - 0.06)
                outer = (outer[0], outer[1] + 0.03)
            elif expression in ("sad", "scared"):
                inner = (inner[0], inner[1] + 0.05)
                outer = (outer[0], outer[1] - 0.03)
            mid = ((inner[0] + outer[0]) / 2, max(inner[1], outer[1]) + 0.025)
            d.line(
                [P(*inner), P(*mid), P(*outer)],
                fill=darker(look.hair, 0.45),
                width=max(1, int(hh * 0.016)),
                joint="curve",
            )

    # nose and mouth
    nose = P(0.02 + gaze, hc - 0.32)
    d.line(
        [nose, (nose[0] - facing * hh * 0.02, nose[1] + hh * 0.015)],
        fill=darker(look.skin_dark, 0.8),
        width=thin,
    )
    mx, my = 0.015 + gaze * 1.5, hc - 0.42
    m = P(mx, my)
    mw = hh * 0.07
    if expression == "happy":
        d.chord(
            (m[0] - mw, m[1] - mw * 0.7, m[0] + mw, m[1] + mw * 0.9),
            0,
            180,
            fill=(150, 50, 60),
            outline=INK,
            width=thin,
        )
        if fpx >= 38:
            for sign in (-1, 1):
                b = P(sign * 0.25 + gaze, hc - 0.3)
                d.ellipse(
                    (b[0] - hh * 0.07, b[1] - hh * 0.025, b[0] + hh * 0.07, b[1] + hh * 0.025),
                    fill=mix(look.skin, (240, 110, 120), 0.45),
                )
    elif expression in ("angry", "shout"):
        d.polygon(
            [
                (m[0] - mw, m[1] - mw * 0.3),
                (m[0] + mw, m[1] - mw * 0.3),
                (m[0] + mw * 0.6, m[1] + mw * 0.7),
                (m[0] - mw * 0.6, m[1] + mw * 0.7),
            ],
            fill=(120, 30, 40),
            outline=INK,
            width=thin,
        )
        d.line(
            [(m[0] - mw * 0.9, m[1] - mw * 0.15), (m[0] + mw * 0.9, m[1] - mw * 0.15)],
            fill=WHITE,
            width=max(1, int(mw * 0.25)),
        )
    elif expression in ("scared", "surprised"):
        d.ellipse(
            (m[0] - mw * 0.4, m[1] - mw * 0.5, m[0] + mw * 0.4, m[1] + mw * 0.5),
            fill=(110, 30, 40),
            outline=INK,
            width=thin,
        )
    elif expression == "sad":
        d.arc(
            (m[0] - mw * 0.7, m[1] - mw * 0.1, m[0] + mw * 0.7, m[1] + mw * 0.9),
            200,
            340,
            fill=INK,
            width=thin,
        )
    else:
        d.line(
            [(m[0] - mw * 0.55, m[1]), (m[0] + mw * 0.5, m[1] - mw * 0.05)], fill=INK, width=thin
        )

    if look.scar and fpx >= 24:
        a, b = P(0.1 + gaze, hc + 0.02), P(0.3 + gaze, hc - 0.28)
        d.line([a, b], fill=(170, 70, 70), width=max(1, int(hh * 0.02)))
    if look.glasses and fpx >= 24:
        for sign in (-1, 1):
            c = P(sign * 0.185 + gaze, ey)
            r = hh * 0.12
            d.rounded_rectangle(
                (c[0] - r, c[1] - r * 0.8, c[0] + r, c[1] + r * 0.8),
                radius=r * 0.3,
                outline=INK,
                width=thin,
            )
        d.line([P(-0.07 + gaze, ey + 0.03), P(0.07 + gaze, ey + 0.03)], fill=INK, width=thin)
    if expression == "sad" and fpx >= 38:
        t = P(0.28 + gaze, ey - 0.12)
        d.ellipse(
            (t[0] - hh * 0.02, t[1], t[0] + hh * 0.02, t[1] + hh * 0.06),
            fill=(170, 210, 250),
            outline=INK,
            width=1,
        )


def _manga_eye(
    d: ImageDraw.ImageDraw,
    look: Look,
    c: Point,
    hh: float,
    outer: int,
    facing: int,
    expression: str,
    lw: int,
    thin: int,
) -> None:
    """A large manga eye: sclera, coloured iris with a dark top, pupil, two highlights and
    a heavy upper lash line. ``outer`` is +1 when the eye's outer corner is to the right."""
    cx, cy = c
    sharp = look.eye_style == "sharp"
    w = hh * 0.125
    h = hh * (0.15 if not sharp else 0.115)
    if expression in ("surprised", "scared"):
        h *= 1.1
    # sclera
    d.ellipse((cx - w, cy - h, cx + w, cy + h * 0.95), fill=WHITE)
    iw, ih = w * 0.7, h * 0.98
    ix = cx + facing * w * 0.12
    if expression == "scared":
        iw, ih = iw * 0.55, ih * 0.6
    box = (ix - iw, cy - ih, ix + iw, cy + ih)
    d.ellipse(box, fill=darker(look.eyes, 0.6), outline=INK, width=thin)
    d.ellipse((ix - iw * 0.86, cy - ih * 0.55, ix + iw * 0.86, cy + ih * 0.92), fill=look.eyes)
    d.ellipse(
        (ix - iw * 0.6, cy + ih * 0.25, ix + iw * 0.6, cy + ih * 0.85), fill=lighter(look.eyes, 0.3)
    )
    pw, ph = iw * 0.45, ih * 0.48
    d.ellipse(
        (ix - pw, cy - ph - ih * 0.05, ix + pw, cy + ph - ih * 0.05), fill=darker(look.eyes, 0.25)
    )
    # highlights
    r1 = iw * 0.42
    hx, hy = ix - facing * iw * 0.35, cy - ih * 0.42
    d.ellipse((hx - r1, hy - r1 * 1.15, hx + r1, hy + r1 * 1.15), fill=WHITE)
    r2 = iw * 0.17
    hx2, hy2 = ix + facing * iw * 0.38, cy + ih * 0.45
    d.ellipse((hx2 - r2, hy2 - r2, hx2 + r2, hy2 + r2), fill=WHITE)
    # upper lash: a thick arc with a flick at the outer corner
    tilt = 0.0
    if expression in ("angry", "tense"):
        tilt = -0.25
    elif expression in ("sad", "scared"):
        tilt = 0.2
    lash = []
    for i in range(9):
        t = i / 8  # 0 = inner corner, 1 = outer corner
        x = cx + outer * (-w * 1.02 + 2.1 * w * t)
        y = (
            cy
            - h * (0.55 + 0.5 * math.sin(math.pi * t) ** 0.8)
            + outer * 0.0
            + tilt * h * (1 - t) * 0.8
        )
        lash.append((x, y))
    flick = (cx + outer * w * 1.35, cy - h * (0.2 if not sharp else 0.45))
    lash_w = max(lw + 1, int(hh * 0.035))
    d.line(lash, fill=INK, width=lash_w, joint="curve")
    d.line([lash[-1], flick], fill=INK, width=max(1, int(lash_w * 0.7)))
    # cover the sclera above the lash line with skin
    # lower lash
    d.line(
        [(cx + outer * w * 0.1, cy + h * 0.98), (cx + outer * w * 0.9, cy + h * 0.72)],
        fill=INK,
        width=thin,
    )
