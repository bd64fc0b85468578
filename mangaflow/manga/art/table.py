"""Figure builds: how many heads tall and how wide each build is drawn, and which
silhouette words name each build.

Pure data and string matching (no Pillow). The offline artist draws figures from this table
(:mod:`mangaflow.manga.art.look`) and :mod:`mangaflow.manga.compose.placement` stages faces
from it, so balloons avoid the heads where the art has them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

BUILDS = ("average", "tall", "short", "broad", "slim", "robed", "armored")


# heads tall, shoulder half-width, waist half-width, hip half-width, limb thickness
BUILD_DIMS: dict[str, tuple[float, float, float, float, float]] = {
    "average": (6.0, 0.92, 0.6, 0.64, 0.31),
    "tall": (6.9, 0.95, 0.6, 0.64, 0.3),
    "short": (4.9, 0.84, 0.6, 0.64, 0.3),
    "broad": (6.2, 1.32, 0.94, 0.86, 0.4),
    "slim": (6.5, 0.78, 0.5, 0.56, 0.25),
    "robed": (6.2, 0.98, 0.76, 0.95, 0.3),
    "armored": (6.3, 1.28, 0.88, 0.84, 0.37),
}

BUILD_WORDS = (
    ("armored", ("armor", "armour", "armored", "armoured", "knight", "plate", "mech")),
    ("robed", ("robe", "robed", "cloak", "kimono", "gown", "cassock", "hakama")),
    ("broad", ("broad", "muscular", "stocky", "burly", "hulking", "big", "large", "heavy")),
    ("slim", ("slim", "slender", "lanky", "thin", "wiry", "willowy", "lean")),
    ("short", ("short", "small", "petite", "tiny", "child", "kid", "young")),
    ("tall", ("tall", "towering", "long-legged")),
)


def _words(text: str) -> str:
    return " " + re.sub(r"[^a-z0-9 -]+", " ", text.casefold()) + " "


def pick_from_words(text: str, table: Sequence[tuple[str, Sequence[str]]]) -> str | None:
    words = _words(text)
    for value, keys in table:
        for key in keys:
            if f" {key} " in words or (" " in key and key in words) or f" {key}s " in words:
                return value
    return None


def build_of(silhouette: str) -> str:
    """Normalise a free-text silhouette hint to one of :data:`BUILDS`."""
    s = (silhouette or "").strip().casefold()
    if s in BUILD_DIMS:
        return s
    return pick_from_words(s, BUILD_WORDS) or "average"


def heads_of(silhouette: str) -> float:
    """How many heads tall a character of this ``silhouette`` (story bible) is drawn."""
    return BUILD_DIMS[build_of(silhouette)][0]
