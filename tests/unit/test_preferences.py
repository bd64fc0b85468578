"""SPEC §1: every rule of the preferences, with errors naming the field."""

from __future__ import annotations

from typing import Any

import pytest

from mangaflow.manga.domain.preferences import ALLOWED_RATINGS, parse_preferences
from mangaflow.platform.errors import ValidationError
from tests.conftest import VALID_PREFS


def with_(**changes: Any) -> dict[str, Any]:
    return {**VALID_PREFS, **changes}


def test_valid_preferences_get_defaults() -> None:
    p = parse_preferences(VALID_PREFS)
    assert p.reading_direction == "rtl" and p.pages_per_episode == 8 and p.language == "en"
    assert p.wire()["artStyle"] == "Black and White"


BAD_CASES = [
    ("too many genres", with_(genres=["Action", "Comedy", "Drama", "Fantasy", "Horror", "Mecha"]), "genres"),
    ("no genre", with_(genres=[]), "genres"),
    ("duplicate genre", with_(genres=["Action", "Action"]), "genres"),
    ("unknown genre", with_(genres=["Cooking"]), "genres[0]"),
    ("unknown theme", with_(themes=["Gardening"]), "themes[0]"),
    ("too many themes", with_(themes=["Love", "War", "Peace", "Magic", "Power", "Honor"]), "themes"),
    ("duplicate theme", with_(themes=["Love", "Love"]), "themes"),
    ("unknown art style", with_(artStyle="Pixel"), "artStyle"),
    ("two art styles", with_(artStyle=["Dark", "Modern"]), "artStyle"),
    ("unknown audience", with_(targetAudience="Toddlers"), "targetAudience"),
    ("unknown rating", with_(contentRating="X"), "contentRating"),
    ("children with R", with_(targetAudience="Children", contentRating="R"), "contentRating"),
    ("all ages with PG-13", with_(targetAudience="All Ages", contentRating="PG-13"), "contentRating"),
    ("wrong type genres", with_(genres="Action"), "genres"),
    ("wrong type pages", with_(pagesPerEpisode="8"), "pagesPerEpisode"),
    ("pages out of range", with_(pagesPerEpisode=200), "pagesPerEpisode"),
    ("bad direction", with_(readingDirection="diagonal"), "readingDirection"),
    ("unknown field", with_(favouriteColour="red"), "favouriteColour"),
    ("notes too long", with_(notes="x" * 501), "notes"),
    ("too many characters", with_(characters=[{"name": f"C{i}"} for i in range(7)]), "characters"),
    ("character without name", with_(characters=[{"role": "hero"}]), "characters[0].name"),
    ("missing art style", {k: v for k, v in VALID_PREFS.items() if k != "artStyle"}, "artStyle"),
]  # fmt: skip


@pytest.mark.parametrize(("case", "data", "field"), BAD_CASES, ids=[c[0] for c in BAD_CASES])
def test_invalid_preferences_name_the_field(case: str, data: Any, field: str) -> None:
    with pytest.raises(ValidationError) as info:
        parse_preferences(data)
    assert field in info.value.fields, (case, info.value.details)
    assert field in str(info.value)


def test_not_an_object() -> None:
    with pytest.raises(ValidationError) as info:
        parse_preferences(["Action"])
    assert info.value.fields == ["body"]


@pytest.mark.parametrize("audience", sorted(ALLOWED_RATINGS))
def test_every_allowed_rating_is_accepted(audience: str) -> None:
    for rating in ALLOWED_RATINGS[audience]:
        parse_preferences(with_(targetAudience=audience, contentRating=rating))


def test_fingerprint_ignores_order_but_not_content() -> None:
    a = parse_preferences(with_(genres=["Action", "Fantasy"]))
    b = parse_preferences(with_(genres=["Fantasy", "Action"]))
    c = parse_preferences(with_(genres=["Action", "Horror"]))
    assert a.fingerprint() == b.fingerprint() != c.fingerprint()
