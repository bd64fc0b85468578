"""The daily airing scheduler: entries airing in the next 24 hours get a single-episode update
run scheduled at air time. Air times come from enrichment: AniList's ``next_airing`` (an
instant, UTC) or Jikan's weekly ``broadcast`` (a day and wall-clock time in the broadcaster's
time zone, converted with the zone's rules, so daylight-saving changes land right)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from mangaflow.catalog.domain import AnimeEntry, SystemStatus
from mangaflow.catalog.parts import COLLECTION, Catalog
from mangaflow.platform.requests.model import utcnow

DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@dataclass(frozen=True)
class Airing:
    anime_id: str
    title: str
    episode: int
    airing_at: datetime  # UTC

    def wire(self) -> dict[str, Any]:
        return {"animeId": self.anime_id, "title": self.title, "episode": self.episode,
                "airingAt": self.airing_at.isoformat()}  # fmt: skip


def next_broadcast(broadcast: dict[str, Any], now: datetime) -> datetime | None:
    """The next weekly broadcast after ``now`` (UTC), or ``None`` when it cannot be read.
    ``{"day": "Saturdays", "time": "23:00", "timezone": "Asia/Tokyo"}``."""
    day = str(broadcast.get("day") or "").strip().lower().rstrip("s")
    if day not in DAYS:
        return None
    try:
        hour, minute = (int(p) for p in str(broadcast.get("time") or "").split(":")[:2])
        tz = ZoneInfo(str(broadcast.get("timezone") or "Asia/Tokyo"))
    except (ValueError, ZoneInfoNotFoundError):
        return None
    local_now = now.astimezone(tz)
    ahead = (DAYS.index(day) - local_now.weekday()) % 7
    date = (local_now + timedelta(days=ahead)).date()
    # Built from the wall-clock date and time, so the zone's offset on *that* day applies.
    at = datetime(date.year, date.month, date.day, hour, minute, tzinfo=tz)
    if at <= local_now:
        date = date + timedelta(days=7)
        at = datetime(date.year, date.month, date.day, hour, minute, tzinfo=tz)
    return at.astimezone(UTC)


def next_airing(entry: AnimeEntry, now: datetime) -> tuple[datetime, int] | None:
    """The entry's next air time after ``now`` and the episode it brings."""
    found: list[tuple[datetime, int]] = []
    for data in entry.enrichment.values():
        if not isinstance(data, dict):
            continue
        na = data.get("next_airing")
        if isinstance(na, dict) and na.get("airing_at"):
            try:
                at = datetime.fromisoformat(str(na["airing_at"])).astimezone(UTC)
            except ValueError:
                continue
            if at > now:
                found.append((at, int(na.get("episode") or entry.episodes + 1)))
        if isinstance(data.get("broadcast"), dict):
            at_b = next_broadcast(data["broadcast"], now)
            if at_b is not None:
                found.append((at_b, entry.episodes + 1))
    return min(found) if found else None


def due(cat: Catalog, now: datetime | None = None, hours: float = 24.0) -> list[Airing]:
    """Entries (ACTIVE, airing or about to) with an air time within ``hours`` of ``now``."""
    now = now or datetime.now(UTC)
    until = now + timedelta(hours=hours)
    out = []
    for entry in cat.store.by_status(SystemStatus.ACTIVE):
        if entry.status not in ("ONGOING", "UPCOMING") or not entry.enrichment:
            continue
        nxt = next_airing(entry, now)
        if nxt is not None and nxt[0] <= until:
            out.append(Airing(entry.anime_id, entry.title, nxt[1], nxt[0]))
    return sorted(out, key=lambda a: a.airing_at)


def episode_aired(cat: Catalog, anime_id: str, episode: int) -> dict[str, Any]:
    """The single-episode update run at air time: our episode count reaches ``episode``."""
    entry = cat.store.require(anime_id)
    before = entry.episodes
    if episode > before:
        entry.episodes, entry.updated_at = episode, utcnow()
        moved = entry.status == "UPCOMING"
        if moved:
            entry.status = "ONGOING"
        cat.store.put(entry)
        if moved:  # search filters on status: the point's payload follows
            cat.index.set_payload(COLLECTION, [anime_id], {"status": entry.status})
        cat.store.bump_generation()
    return {"anime_id": anime_id, "episodes_before": before, "episodes": max(before, episode)}
