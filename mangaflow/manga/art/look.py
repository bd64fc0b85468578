"""A character's stable look: hair shape and colours, build, eyes, skin and accessories,
derived only from its :class:`~mangaflow.platform.ports.CharacterLook` (name, seed,
palette, silhouette and the appearance/outfit text), so the same character looks the same
in every panel."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from mangaflow.manga.art.colour import RGB, darker, lighter, mix, parse_hex, stable_rng
from mangaflow.manga.art.shapes import Point
from mangaflow.manga.art.table import BUILD_DIMS, BUILD_WORDS, build_of, pick_from_words
from mangaflow.platform.ports import CharacterLook

HAIR_STYLES = ("spiky", "long", "bob", "ponytail", "short", "twintails", "bun", "messy")

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


def _hair_clause(appearance: str) -> str:
    parts = re.split(r"[,;.]|\band\b|\bwith\b", appearance.casefold())
    return " ".join(p for p in parts if "hair" in p or "tail" in p or "braid" in p or "bun" in p)


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

    style = pick_from_words(_hair_clause(appearance), _HAIR_WORDS) or rng.choice(HAIR_STYLES)
    build = build_of(silhouette)
    if build == "average":
        build = pick_from_words(outfit, BUILD_WORDS[:2]) or "average"
    heads, shoulder, waist, hip, limb = BUILD_DIMS[build]

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
