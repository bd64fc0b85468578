"""Procedural backgrounds for :mod:`mangaflow.manga.art.engine`.

One drawer per scene family (``setting_kind``). Each draws the whole canvas with
ImageDraw primitives around a horizon line and a vanishing point, so floors, roads and
walls recede in perspective. The layout (which buildings, which trees) comes from a
random generator seeded by the *setting*, so panels set in the same place share it; the
panel's own generator only moves the camera a little.

Modules: :mod:`.base` (kinds, :class:`Scene`, skies, gradient), :mod:`.elements` (sky,
ground and perspective pieces), and the drawers by kind of setting — :mod:`.town` (city,
village), :mod:`.nature` (forest, ocean, desert, mountain, fallback), :mod:`.interior`
(school, lab, space station) and :mod:`.landmarks` (castle, arena, shrine, ruins).
"""

from __future__ import annotations

from collections.abc import Callable

from mangaflow.manga.art.scenes.base import (
    KINDS,
    SKIES,
    Scene,
    dominant_colours,
    kind_of,
    vgradient,
)
from mangaflow.manga.art.scenes.interior import draw_lab, draw_school, draw_space
from mangaflow.manga.art.scenes.landmarks import draw_arena, draw_castle, draw_ruins, draw_shrine
from mangaflow.manga.art.scenes.nature import (
    draw_desert,
    draw_forest,
    draw_mountain,
    draw_ocean,
    draw_unknown,
)
from mangaflow.manga.art.scenes.town import draw_city, draw_village

DRAWERS: dict[str, Callable[[Scene], None]] = {
    "city": draw_city,
    "forest": draw_forest,
    "school": draw_school,
    "space": draw_space,
    "castle": draw_castle,
    "ocean": draw_ocean,
    "desert": draw_desert,
    "village": draw_village,
    "lab": draw_lab,
    "arena": draw_arena,
    "shrine": draw_shrine,
    "mountain": draw_mountain,
    "ruins": draw_ruins,
    "unknown": draw_unknown,
}

INDOOR = {"school", "lab"}


def draw_background(sc: Scene, kind: str) -> None:
    DRAWERS.get(kind, draw_unknown)(sc)


__all__ = [
    "DRAWERS",
    "INDOOR",
    "KINDS",
    "SKIES",
    "Scene",
    "dominant_colours",
    "draw_background",
    "kind_of",
    "vgradient",
]
