"""What the writer knows about the reader and the cast: validated preferences with the
genre and theme tables they select and the content tier (:class:`Taste`), story roles and
voices from free text, the episode's phase in the arc, and first names by role."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from mangaflow.manga.domain.preferences import Preferences, parse_preferences
from mangaflow.manga.writer import tables as tb
from mangaflow.manga.writer.text import first_name

_SOFT = re.compile(r"\b(" + "|".join(sorted(tb.SOFTEN, key=len, reverse=True)) + r")\b", re.I)


@dataclass(frozen=True)
class Taste:
    """Validated preferences plus the word tables they select."""

    prefs: Preferences
    profiles: list[tb.GenreProfile]
    themes: list[tb.ThemeProfile]
    tier: str  # gentle (G/PG or children), moderate, dark (R/NC-17)

    def soften(self, text: str) -> str:
        if self.tier != "gentle":
            return text
        return _SOFT.sub(lambda m: tb.SOFTEN[m.group(0).lower()], text)


def read_taste(raw: Any) -> Taste:
    prefs = raw if isinstance(raw, Preferences) else parse_preferences(raw)
    young = prefs.target_audience in ("Children", "All Ages")
    tier = "gentle" if prefs.content_rating in ("G", "PG") or young else "moderate"
    return Taste(
        prefs=prefs,
        profiles=[tb.GENRES.get(g, tb.GENRES[tb.FALLBACK_GENRE]) for g in prefs.genres],
        themes=[tb.THEMES.get(t, tb.THEMES[tb.FALLBACK_THEME]) for t in prefs.themes],
        tier="dark" if prefs.content_rating in ("R", "NC-17") else tier,
    )


def role_key(role: str) -> str:
    words = re.findall(r"[a-z]+", role.lower())
    return next((key for key, hints in tb.ROLE_WORDS if any(h in words for h in hints)), "ally")


def voice_of(role: str, personality: str) -> str:
    text = personality.lower()
    found = (v for v, hints in tb.VOICE_WORDS if any(h in text for h in hints))
    return next(found, tb.ROLE_VOICE[role_key(role)])


def arc_phase(number: int, total: int) -> str:
    """Where an episode sits in the story arc."""
    total = max(total, number, 1)
    if total in tb.SHORT_ARCS:
        return tb.SHORT_ARCS[total][number - 1]
    if number in (1, total - 1, total):
        return {1: "setup", total - 1: "climax", total: "resolution"}[number]
    return ("rising", "turn", "crisis")[(number - 2) * 3 // (total - 3)]


def names_by_role(members: Sequence[tuple[str, str]]) -> dict[str, str]:
    """First names by story role; a missing role falls back to someone not yet named."""
    keyed = [(role_key(role), first_name(name)) for name, role in members]
    hero = next((n for k, n in keyed if k == "protagonist"), keyed[0][1])
    taken = [hero]

    def pick(*roles: str, reuse: bool = False) -> str:
        found = next((n for r in roles for k, n in keyed if k == r and n != hero), None)
        free = [n for _, n in keyed if n not in taken] or [n for _, n in keyed if n != hero]
        name = found or (free or [hero])[0]
        taken.extend([] if reuse else [name])
        return name

    rival, foe = pick("rival", "antagonist"), pick("antagonist", "rival", reuse=True)
    ally = pick("ally", "love interest", "comic relief")
    love = pick("love interest", "ally", reuse=True)
    return dict(hero=hero, rival=rival, foe=foe, ally=ally, mentor=pick("mentor"), love=love)
