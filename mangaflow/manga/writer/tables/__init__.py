"""Word tables for the offline writer (:mod:`mangaflow.manga.writer`), by topic.

Everything here is plain data. Templates use ``str.format`` fields:
``{place}`` a town or world name, ``{object}`` the story's macguffin (no article),
``{threat}`` the opposing force (with article), ``{goal}`` a verb phrase,
``{other}`` another character's first name, ``{hero}``/``{rival}``/... cast first names.

Text used for every audience must stay gentle (no gore or death wording); only
``dark_threats`` and ``DARK_LINES`` are reserved for R / NC-17 stories.

Modules: :mod:`.genres` (genre profiles, sound effects), :mod:`.themes` (theme profiles),
:mod:`.people` (art styles, names, places, looks, roles, voices), :mod:`.dialogue` (voice
lines, arc-phase lines, reactions, thoughts), :mod:`.panels` (locations, captions, shot
framings, what characters do) and :mod:`.structure` (titles, summaries, loglines, setting
lines, motifs, gentler words, pacing). Everything is re-exported here, so the writer reads
``tables.NAME``.
"""

from __future__ import annotations

from mangaflow.manga.writer.tables.dialogue import (
    DARK_LINES,
    MOODS,
    PHASE_LINES,
    REACTIONS,
    THOUGHTS,
    VOICES,
)
from mangaflow.manga.writer.tables.genres import FALLBACK_GENRE, GENRES, SFX, GenreProfile
from mangaflow.manga.writer.tables.panels import (
    ACTIONS,
    CLASHES,
    EMPTY,
    EXTREME,
    FIGHTS,
    LOCATIONS,
    RUSHES,
    SCENE_CAPTIONS,
    SHOT_FRAMES,
    SOLO,
)
from mangaflow.manga.writer.tables.people import (
    AGES,
    ART_STYLES,
    BUILDS,
    EYES,
    HAIR,
    HAIR_STYLES,
    HAIR_WORDS,
    MARKS,
    NAMES,
    OTHER_AGES,
    PLACES,
    ROLE_ORDER,
    ROLE_VOICE,
    ROLE_WORDS,
    ROLES,
    VOICE_WORDS,
    RoleProfile,
)
from mangaflow.manga.writer.tables.structure import (
    DARK_ARC_LINE,
    EPISODE_SUMMARIES,
    EPISODE_TITLES,
    FOE_LINE,
    GENERIC_TITLES,
    LOGLINES,
    MOTIF_LINE,
    NOTE_MOTIFS,
    PANELS_PER_PAGE,
    PANELS_PER_SHARED_BEAT,
    SETTING_LINES,
    SHORT_ARCS,
    SHORT_EPISODES,
    SOFTEN,
    SPEAKERS,
    TREND_LINE,
)
from mangaflow.manga.writer.tables.themes import FALLBACK_THEME, THEMES, ThemeProfile

__all__ = [
    "ACTIONS",
    "AGES",
    "ART_STYLES",
    "BUILDS",
    "CLASHES",
    "DARK_ARC_LINE",
    "DARK_LINES",
    "EMPTY",
    "EPISODE_SUMMARIES",
    "EPISODE_TITLES",
    "EXTREME",
    "EYES",
    "FALLBACK_GENRE",
    "FALLBACK_THEME",
    "FIGHTS",
    "FOE_LINE",
    "GENERIC_TITLES",
    "GENRES",
    "GenreProfile",
    "HAIR",
    "HAIR_STYLES",
    "HAIR_WORDS",
    "LOCATIONS",
    "LOGLINES",
    "MARKS",
    "MOODS",
    "MOTIF_LINE",
    "NAMES",
    "NOTE_MOTIFS",
    "OTHER_AGES",
    "PANELS_PER_PAGE",
    "PANELS_PER_SHARED_BEAT",
    "PHASE_LINES",
    "PLACES",
    "REACTIONS",
    "ROLES",
    "ROLE_ORDER",
    "ROLE_VOICE",
    "ROLE_WORDS",
    "RUSHES",
    "RoleProfile",
    "SCENE_CAPTIONS",
    "SETTING_LINES",
    "SFX",
    "SHORT_ARCS",
    "SHORT_EPISODES",
    "SHOT_FRAMES",
    "SOFTEN",
    "SOLO",
    "SPEAKERS",
    "THEMES",
    "THOUGHTS",
    "TREND_LINE",
    "ThemeProfile",
    "VOICES",
    "VOICE_WORDS",
]
