"""What every background shares: the scene families (:data:`KINDS`) and the words that
name them, sky colours by time of day, the :class:`Scene` canvas and camera, a fast
vertical gradient, and the two colours that sum up each family (close-ups)."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from PIL import Image, ImageDraw

from mangaflow.manga.art.colour import RGB, mix

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
