"""Offline taste insights: a built-in taste map from genres and themes, deterministic and
labelled ``offline``; no network."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

from mangaflow.platform.ports import InsightsResult, TasteInsights, Usage

#: genre → (comparable works' category, attributes readers of the genre tend to love)
_GENRE_TASTE: dict[str, tuple[str, list[str]]] = {
    "Action": ("shonen battle", ["high stakes duels", "training arcs", "rival bonds"]),
    "Adventure": ("quest saga", ["uncharted maps", "found family", "wonder"]),
    "Comedy": ("gag manga", ["running jokes", "deadpan straight men", "chibi reactions"]),
    "Drama": ("character drama", ["quiet confrontations", "secrets", "slow reveals"]),
    "Fantasy": ("high fantasy", ["magic systems", "ancient ruins", "chosen heirs"]),
    "Horror": ("psychological horror", ["creeping dread", "unreliable places", "curses"]),
    "Mystery": ("detective fiction", ["fair-play clues", "locked rooms", "twists"]),
    "Romance": ("shojo romance", ["slow burn", "confessions", "festival dates"]),
    "Sci-Fi": ("space opera", ["starships", "androids", "first contact"]),
    "Slice of Life": ("iyashikei", ["seasonal food", "small victories", "warm routines"]),
    "Sports": ("sports manga", ["tournament arcs", "team chemistry", "comebacks"]),
    "Supernatural": ("yokai tales", ["spirits", "shrines", "hidden worlds"]),
    "Thriller": ("suspense thriller", ["ticking clocks", "double agents", "chases"]),
    "Historical": ("period drama", ["samurai codes", "court intrigue", "old capitals"]),
    "Psychological": ("mind games", ["inner monologue", "moral dilemmas", "mind games"]),
    "Mecha": ("real robot", ["pilot bonds", "hangar culture", "giant machines"]),
    "Isekai": ("isekai", ["status screens", "reincarnation", "guild quests"]),
    "School Life": ("school comedy", ["club rooms", "cultural festivals", "exams"]),
    "Military": ("war drama", ["squad loyalty", "tactics", "cost of war"]),
    "Music": ("band manga", ["live shows", "rehearsal rooms", "stage fright"]),
}
_THEME_TRENDS: dict[str, str] = {
    "Friendship": "found-family ensembles", "Love": "slow-burn romance",
    "Betrayal": "morally grey mentors", "Revenge": "revenge arcs with redemption",
    "Coming of Age": "late bloomers", "Good vs Evil": "sympathetic villains",
    "Sacrifice": "bittersweet endings", "Redemption": "second chances",
    "Power": "limit-breaking power systems", "Family": "sibling rivalries",
    "Honor": "codes of honor", "Justice": "vigilante heroes", "Freedom": "escape stories",
    "Survival": "survival games", "Identity": "masks and double lives",
    "Destiny": "prophecies subverted", "War": "anti-war stories", "Peace": "healing journeys",
    "Magic": "cozy magic academies", "Technology": "AI companions",
}  # fmt: skip


def _score(*parts: str) -> float:
    digest = hashlib.sha256("|".join(parts).encode()).digest()
    return round(0.6 + (digest[0] / 255) * 0.39, 3)


class OfflineInsights(TasteInsights):
    """Taste insights from a built-in map (``provider = "offline"``)."""

    name = "offline"
    offline = True

    def insights(self, genres: Iterable[str], themes: Iterable[str]) -> InsightsResult:
        recs: list[dict[str, Any]] = []
        for g in genres:
            category, likes = _GENRE_TASTE[g]
            recs.append(
                {"category": category, "score": _score(g),
                 "attributes": {"genre": g, "loved_elements": likes, "source": "offline"}}
            )  # fmt: skip
        trends: list[dict[str, Any]] = [
            {"topic": _THEME_TRENDS[t], "popularity": _score(t, "trend")} for t in themes
        ]
        recs.sort(key=lambda r: r["score"], reverse=True)
        trends.sort(key=lambda t: t["popularity"], reverse=True)
        return InsightsResult(recs, trends, provider="offline", usage=Usage(calls=1))


def register(registry: Any) -> None:
    registry.add_insights("offline", OfflineInsights)
