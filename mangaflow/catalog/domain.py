"""The catalog's records: an entry of the anime-offline-database source (:class:`SourceEntry`,
its schema as published) and ours (:class:`AnimeEntry`, what the item store and the vector
index hold under one stable ``anime_id``), the review queue's items and decisions, and the
outcome of a sync."""

from __future__ import annotations

import hashlib
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

AnimeType = Literal["TV", "MOVIE", "OVA", "ONA", "SPECIAL", "UNKNOWN"]
AiringStatus = Literal["FINISHED", "ONGOING", "UPCOMING", "UNKNOWN"]
Season = Literal["SPRING", "SUMMER", "FALL", "WINTER", "UNDEFINED"]
ANIME_TYPES: tuple[str, ...] = AnimeType.__args__  # type: ignore[attr-defined]
AIRING_STATUSES: tuple[str, ...] = AiringStatus.__args__  # type: ignore[attr-defined]

#: Attribution the source's licence (ODbL 1.0) requires wherever its data is shown.
ATTRIBUTION = (
    "Anime metadata from the anime-offline-database (manami-project), made available under "
    "the Open Database License (ODbL) v1.0: https://opendatacommons.org/licenses/odbl/1-0/"
)


class SystemStatus(StrEnum):
    ACTIVE = "ACTIVE"
    ORPHANED = "ORPHANED"


class AnimeSeason(BaseModel):
    model_config = ConfigDict(extra="ignore")
    season: Season = "UNDEFINED"
    year: int | None = Field(default=None, ge=1900, le=2200)


class Duration(BaseModel):
    model_config = ConfigDict(extra="ignore")
    value: int = Field(ge=0)
    unit: Literal["SECONDS"] = "SECONDS"


class Score(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)
    arithmetic_geometric_mean: float = Field(alias="arithmeticGeometricMean", ge=0, le=10)
    arithmetic_mean: float = Field(alias="arithmeticMean", ge=0, le=10)
    median: float = Field(ge=0, le=10)


class SourceEntry(BaseModel):
    """One entry of the anime-offline-database, as published (camelCase field names)."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True, frozen=True)

    sources: list[str] = Field(min_length=1)
    title: str = Field(min_length=1)
    type: AnimeType
    episodes: int = Field(ge=0)
    status: AiringStatus
    anime_season: AnimeSeason = Field(alias="animeSeason")
    picture: str = ""
    thumbnail: str = ""
    duration: Duration | None = None
    synonyms: list[str] = Field(default_factory=list)
    studios: list[str] = Field(default_factory=list)
    producers: list[str] = Field(default_factory=list)
    related_anime: list[str] = Field(default_factory=list, alias="relatedAnime")
    tags: list[str] = Field(default_factory=list)
    score: Score | None = None

    @field_validator("sources")
    @classmethod
    def _urls(cls, v: list[str]) -> list[str]:
        for url in v:
            if not url.startswith(("https://", "http://")):
                raise ValueError(f"not a URL: {url!r}")
        return v

    @property
    def key_source(self) -> str:
        """The source URL the stable id of a new entry is derived from."""
        return min(self.sources)


def anime_id_for(source_url: str) -> str:
    """A stable id from a source URL, shared by the item store and the vector index."""
    return hashlib.sha256(source_url.encode()).hexdigest()[:24]


class ImageRef(BaseModel):
    """Where one of an entry's images is: our URL (``images/<sha256>.<ext>`` behind the CDN or
    on local disk), or the download failure."""

    source_url: str
    url: str = ""
    key: str = ""
    status: Literal["OK", "DOWNLOAD_FAILED", "PENDING"] = "PENDING"
    error: str = ""


class AnimeEntry(BaseModel):
    """Our record of one anime (snake_case, JSON-safe)."""

    model_config = ConfigDict(extra="ignore")

    anime_id: str = Field(min_length=1)
    sources: list[str]
    title: str
    type: AnimeType
    episodes: int = Field(ge=0)
    status: AiringStatus
    season: Season = "UNDEFINED"
    year: int | None = None
    picture: str = ""
    thumbnail: str = ""
    duration_seconds: int | None = None
    synonyms: list[str] = Field(default_factory=list)
    studios: list[str] = Field(default_factory=list)
    producers: list[str] = Field(default_factory=list)
    related_anime: list[str] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)
    score: float | None = None
    images: dict[str, ImageRef] = Field(default_factory=dict)
    enrichment: dict[str, Any] = Field(default_factory=dict)
    system_status: SystemStatus = SystemStatus.ACTIVE
    orphaned_at: str | None = None
    created_at: str = ""
    updated_at: str = ""

    @classmethod
    def from_source(cls, src: SourceEntry, anime_id: str, now: str) -> AnimeEntry:
        return cls(
            anime_id=anime_id, sources=sorted(src.sources), title=src.title, type=src.type,
            episodes=src.episodes, status=src.status, season=src.anime_season.season,
            year=src.anime_season.year, picture=src.picture, thumbnail=src.thumbnail,
            duration_seconds=src.duration.value if src.duration else None,
            synonyms=src.synonyms, studios=src.studios, producers=src.producers,
            related_anime=src.related_anime, tags=src.tags,
            score=src.score.arithmetic_geometric_mean if src.score else None,
            created_at=now, updated_at=now,
        )  # fmt: skip

    def embedding_text(self) -> str:
        """What the vector of this entry is made from (title first, then what it is about)."""
        parts = [self.title + "."]
        if self.synonyms:
            parts.append("Also known as " + ", ".join(self.synonyms[:3]) + ".")
        when = f" {self.season.lower()} {self.year}" if self.year else ""
        parts.append(f"{self.type} anime{when}.")
        if self.tags:
            parts.append("Tags: " + ", ".join(self.tags[:16]) + ".")
        if self.studios:
            parts.append("Studios: " + ", ".join(self.studios[:3]) + ".")
        return " ".join(parts)

    def payload(self) -> dict[str, Any]:
        """The fields the vector index filters on."""
        return {
            "anime_id": self.anime_id, "title": self.title, "type": self.type,
            "status": self.status, "year": self.year if self.year is not None else -1,
            "tags": [t.lower() for t in self.tags], "studios": [s.lower() for s in self.studios],
            "system_status": str(self.system_status),
        }  # fmt: skip


class ReviewReason(BaseModel):
    field: str
    ours: Any = None
    source: Any = None
    note: str = ""


class ReviewItem(BaseModel):
    """An entry waiting for a reviewer: a new entry's assembled candidate, or an existing entry
    whose source changed in a way that needs a person (status, more episodes)."""

    anime_id: str
    kind: Literal["new", "changed"]
    candidate: AnimeEntry
    reasons: list[ReviewReason] = Field(default_factory=list)
    flow_run_id: str | None = None
    created_at: str


class ReviewDecision(BaseModel):
    """A reviewer's answer: the typed input the enrichment flow waits for."""

    model_config = ConfigDict(extra="forbid")

    action: Literal["approve", "edit", "reject"]
    edits: dict[str, Any] = Field(default_factory=dict)
    reviewer: str = "local"
    note: str = ""

    @model_validator(mode="after")
    def _edits_only_on_edit(self) -> ReviewDecision:
        if self.action == "edit" and not self.edits:
            raise ValueError("edits: an 'edit' decision needs at least one edited field")
        if self.action != "edit" and self.edits:
            raise ValueError(f"edits: only an 'edit' decision carries edits, not {self.action!r}")
        forbidden = {"anime_id", "system_status", "orphaned_at", "created_at", "images"}
        bad = sorted(forbidden & set(self.edits))
        if bad:
            raise ValueError(f"edits: {', '.join(bad)} cannot be edited by a reviewer")
        return self


Outcome = Literal[
    "imported", "new", "locked", "unchanged", "resurrected", "review", "orphaned"
]


class SyncReport(BaseModel):
    """What one sync did, per outcome (shown as a Prefect artifact and in the dashboard)."""

    sync_id: str
    source: str
    version: str
    started_at: str
    finished_at: str = ""
    skipped: bool = False
    entries: int = 0
    counts: dict[str, int] = Field(default_factory=dict)
    new_ids: list[str] = Field(default_factory=list)
    seconds: float = 0.0

    def add(self, outcome: Outcome, n: int = 1) -> None:
        self.counts[outcome] = self.counts.get(outcome, 0) + n
