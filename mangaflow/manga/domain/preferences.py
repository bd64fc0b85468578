"""Reader preferences (SPEC §1) and their rules.

Wire names are camelCase (``artStyle``); Python attributes are snake_case.
Parsing is strict: unknown fields, wrong types and values outside the lists are
rejected. Use :func:`parse_preferences` to get a :class:`~mangaflow.platform.errors.ValidationError`
whose details name each offending field.
"""

from __future__ import annotations

from typing import Any, Literal, get_args

import pydantic
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from mangaflow.platform.errors import ValidationError, field_errors

Genre = Literal[
    "Action", "Adventure", "Comedy", "Drama", "Fantasy", "Horror", "Mystery", "Romance",
    "Sci-Fi", "Slice of Life", "Sports", "Supernatural", "Thriller", "Historical",
    "Psychological", "Mecha", "Isekai", "School Life", "Military", "Music",
]  # fmt: skip
Theme = Literal[
    "Friendship", "Love", "Betrayal", "Revenge", "Coming of Age", "Good vs Evil", "Sacrifice",
    "Redemption", "Power", "Family", "Honor", "Justice", "Freedom", "Survival", "Identity",
    "Destiny", "War", "Peace", "Magic", "Technology",
]  # fmt: skip
ArtStyle = Literal[
    "Traditional", "Modern", "Minimalist", "Detailed", "Cartoon", "Realistic", "Chibi", "Dark",
    "Colorful", "Black and White",
]  # fmt: skip
TargetAudience = Literal["Children", "Teens", "Young Adults", "Adults", "All Ages"]
ContentRating = Literal["G", "PG", "PG-13", "R", "NC-17"]
ReadingDirection = Literal["rtl", "ltr", "vertical"]

GENRES: tuple[str, ...] = get_args(Genre)
THEMES: tuple[str, ...] = get_args(Theme)
ART_STYLES: tuple[str, ...] = get_args(ArtStyle)
AUDIENCES: tuple[str, ...] = get_args(TargetAudience)
RATINGS: tuple[str, ...] = get_args(ContentRating)

#: Ratings each audience may receive.
ALLOWED_RATINGS: dict[str, tuple[str, ...]] = {
    "Children": ("G", "PG"),
    "All Ages": ("G", "PG"),
    "Teens": ("G", "PG", "PG-13"),
    "Young Adults": ("G", "PG", "PG-13", "R"),
    "Adults": ("G", "PG", "PG-13", "R", "NC-17"),
}

#: Colour-free art styles get screentone treatment.
MONOCHROME_STYLES = frozenset({"Black and White", "Traditional", "Dark", "Minimalist"})

MIN_PAGES, MAX_PAGES, DEFAULT_PAGES = 1, 24, 8
MAX_NOTES = 500
MAX_CHARACTERS = 6


class CharacterSpec(BaseModel):
    """A character the reader wants in the story."""

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=40)
    role: str = Field(default="supporting", min_length=1, max_length=40)
    appearance: str = Field(default="", max_length=200)


def _unique(values: list[str]) -> list[str]:
    dupes = sorted({v for v in values if values.count(v) > 1})
    if dupes:
        raise ValueError(f"duplicate values: {', '.join(dupes)}")
    return values


class Preferences(BaseModel):
    """What a reader asks for. Immutable once validated."""

    model_config = ConfigDict(
        strict=True, extra="forbid", frozen=True, populate_by_name=True, str_strip_whitespace=True
    )

    genres: list[Genre] = Field(min_length=1, max_length=5)
    themes: list[Theme] = Field(min_length=1, max_length=5)
    art_style: ArtStyle = Field(alias="artStyle")
    target_audience: TargetAudience = Field(alias="targetAudience")
    content_rating: ContentRating = Field(alias="contentRating")
    language: str = Field(default="en", pattern=r"^[a-z]{2}(-[A-Z]{2})?$")
    reading_direction: ReadingDirection = Field(default="rtl", alias="readingDirection")
    pages_per_episode: int = Field(
        default=DEFAULT_PAGES, ge=MIN_PAGES, le=MAX_PAGES, alias="pagesPerEpisode"
    )
    characters: list[CharacterSpec] = Field(default_factory=list, max_length=MAX_CHARACTERS)
    notes: str = Field(default="", max_length=MAX_NOTES)

    _unique_genres = field_validator("genres")(classmethod(lambda cls, v: _unique(v)))
    _unique_themes = field_validator("themes")(classmethod(lambda cls, v: _unique(v)))

    @model_validator(mode="after")
    def _rating_suits_audience(self) -> Preferences:
        allowed = ALLOWED_RATINGS[self.target_audience]
        if self.content_rating not in allowed:
            raise ValueError(
                f"contentRating {self.content_rating} does not suit targetAudience "
                f"{self.target_audience} (allowed: {', '.join(allowed)})"
            )
        names = [c.name.casefold() for c in self.characters]
        if len(names) != len(set(names)):
            raise ValueError("characters: two characters share a name")
        return self

    @property
    def monochrome(self) -> bool:
        return self.art_style in MONOCHROME_STYLES

    def wire(self) -> dict[str, Any]:
        """The camelCase JSON form (what the API and events carry)."""
        return self.model_dump(mode="json", by_alias=True)

    def fingerprint(self) -> str:
        """Stable key for "the same preferences" (insights cache)."""
        import hashlib
        import json

        core = {
            "genres": sorted(self.genres),
            "themes": sorted(self.themes),
            "artStyle": self.art_style,
            "targetAudience": self.target_audience,
            "contentRating": self.content_rating,
        }
        return hashlib.sha256(json.dumps(core, sort_keys=True).encode()).hexdigest()[:16]


def character_from_text(raw: str) -> dict[str, str]:
    """``"Name:role:appearance"`` (role and appearance optional) as a character's wire form."""
    parts = [p.strip() for p in raw.split(":", 2)]
    out = {"name": parts[0]}
    if len(parts) > 1 and parts[1]:
        out["role"] = parts[1]
    if len(parts) > 2 and parts[2]:
        out["appearance"] = parts[2]
    return out


def parse_preferences(data: Any) -> Preferences:
    """Validate wire data into :class:`Preferences` or raise ``ValidationError``."""
    if not isinstance(data, dict):
        raise ValidationError(
            "preferences must be a JSON object",
            details=[{"field": "body", "message": "expected an object"}],
        )
    try:
        return Preferences.model_validate(data)
    except pydantic.ValidationError as exc:
        details = field_errors(exc)
        fields = ", ".join(dict.fromkeys(d["field"] for d in details))
        raise ValidationError(f"invalid preferences ({fields})", details=details) from None
