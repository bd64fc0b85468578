"""Taste insights from the Qloo Insights API (``GET /v2/insights``).

One request per call: ``filter.type=urn:entity:book``, ``filter.tags`` = the reader's genres
(``urn:tag:genre:media:<slug>``) and themes (``urn:tag:keyword:media:<slug>``), comma-separated
(Qloo combines several ``filter.tags`` as a union by default), ``take=10``, header
``x-api-key``. A 403 means the key may not query that entity type: the same query is retried
with ``urn:entity:tv_show``, then ``urn:entity:movie``, then ``urn:entity:video_game``.

Entities (``results.entities[]``: ``name``, ``entity_id``, ``subtype``, ``popularity``,
``query.affinity``, ``tags[]``) become ``recommendations`` and their tags, aggregated, become
``trends`` (SPEC §2.1). Every call goes through the process-wide circuit breaker of the base
URL; the API key never appears in any message.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from mangaflow.platform.adapters.http import raise_for_response, transport_error
from mangaflow.platform.adapters.insights.breaker import CircuitBreaker, breaker_for
from mangaflow.platform.config import Settings
from mangaflow.platform.errors import (
    ConfigError,
    MangaFlowError,
    ProviderAuthError,
    ProviderError,
    ProviderOutputError,
)
from mangaflow.platform.ports import InsightsResult, TasteInsights, Usage

PROVIDER = "qloo"
KEY_SETTING = "MANGAFLOW_QLOO_API_KEY"
INSIGHTS_PATH = "/v2/insights"
TAKE = 10
MAX_TRENDS = 10
MAX_TAG_NAMES = 5

#: ``filter.type`` values in the order they are tried; each later one only after a 403.
#: Qloo's hackathon guide spells the last ``urn:entity:video_game`` (its API reference
#: ``urn:entity:videogame``); SPEC §2.1 names ``video_game``.
ENTITY_TYPES: tuple[str, ...] = (
    "urn:entity:book",
    "urn:entity:tv_show",
    "urn:entity:movie",
    "urn:entity:video_game",
)

GENRE_TAG_PREFIX = "urn:tag:genre:media:"
THEME_TAG_PREFIX = "urn:tag:keyword:media:"
#: Genres whose Qloo tag is not the plain slug of their name.
_GENRE_SLUGS: dict[str, str] = {"Sci-Fi": "science_fiction"}

_READABLE_TYPES: dict[str, str] = {
    "book": "book",
    "tv_show": "TV show",
    "movie": "movie",
    "video_game": "video game",
    "videogame": "video game",
    "podcast": "podcast",
    "artist": "artist",
}


def slug(text: str) -> str:
    """``"Slice of Life"`` → ``"slice_of_life"`` (Qloo tag ids are lower snake case)."""
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def genre_tag(genre: str) -> str:
    """The Qloo tag id of a genre, e.g. ``urn:tag:genre:media:action``."""
    return GENRE_TAG_PREFIX + _GENRE_SLUGS.get(genre, slug(genre))


def theme_tag(theme: str) -> str:
    """The Qloo tag id of a theme, e.g. ``urn:tag:keyword:media:friendship``."""
    return THEME_TAG_PREFIX + slug(theme)


def filter_tags(genres: Sequence[str], themes: Sequence[str]) -> list[str]:
    """Tag ids for ``filter.tags``: genres first, then themes, without duplicates."""
    tags = [genre_tag(g) for g in genres] + [theme_tag(t) for t in themes]
    return list(dict.fromkeys(tags))


# --------------------------------------------------------------------------- parsing


@dataclass(frozen=True)
class Tag:
    tag_id: str
    name: str
    type: str


@dataclass(frozen=True)
class Entity:
    name: str
    entity_id: str
    subtype: str
    popularity: float | None
    affinity: float | None
    tags: tuple[Tag, ...]


def _unit(value: Any) -> float | None:
    """A number clamped to 0..1, or ``None`` when ``value`` is not a number."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return min(1.0, max(0.0, float(value)))


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _tag(raw: Any) -> Tag | None:
    """A tag from ``{"tag_id" | "id", "name", "type"}`` or a bare tag id string."""
    fields = {"tag_id": raw} if isinstance(raw, str) else _mapping(raw)
    tag_id = str(fields.get("tag_id") or fields.get("id") or fields.get("value") or "")
    prefix, _, last = tag_id.rpartition(":")
    name = str(fields.get("name") or "").strip() or last.replace("_", " ").title()
    if not name:
        return None
    return Tag(tag_id or name, name, str(fields.get("type") or prefix))


def _entity(raw: Any, requested_type: str) -> Entity | None:
    if not isinstance(raw, dict):
        return None
    name = str(raw.get("name") or "").strip()
    if not name:
        return None
    props = _mapping(raw.get("properties"))
    query = _mapping(raw.get("query"))
    subtype = raw.get("subtype")
    if not isinstance(subtype, str) or not subtype.startswith("urn:entity:"):
        kind = raw.get("type")
        subtype = kind if isinstance(kind, str) and kind.startswith("urn:entity:") else None
    raw_tags = raw.get("tags") if isinstance(raw.get("tags"), list) else props.get("tags")
    tags = [t for t in (_tag(r) for r in (raw_tags or [])) if t is not None]
    popularity = _unit(raw.get("popularity"))
    return Entity(
        name=name,
        entity_id=str(raw.get("entity_id") or raw.get("id") or ""),
        subtype=subtype or requested_type,
        popularity=popularity if popularity is not None else _unit(props.get("popularity")),
        affinity=_unit(query.get("affinity")),
        tags=tuple(dict.fromkeys(tags)),
    )


def parse_entities(body: Any, requested_type: str) -> list[Entity]:
    """The entities of an insights answer (``results.entities``); an empty list when none."""
    if not isinstance(body, dict):
        raise ProviderOutputError(f"{PROVIDER} returned JSON that is not an object")
    results = body.get("results")
    raw = results.get("entities") if isinstance(results, dict) else results
    if not isinstance(raw, list):
        return []
    entities = [e for e in (_entity(r, requested_type) for r in raw) if e is not None]
    unique: dict[str, Entity] = {}
    for e in entities:
        unique.setdefault(e.entity_id or e.name, e)
    return list(unique.values())


# --------------------------------------------------------------------------- mapping


def readable_type(subtype: str) -> str:
    """``urn:entity:tv_show`` → ``"TV show"``."""
    kind = subtype.rsplit(":", 1)[-1]
    return _READABLE_TYPES.get(kind, kind.replace("_", " "))


def _matched(entity: Entity, wanted: Sequence[str], tag_of: Callable[[str], str]) -> str | None:
    """The first of ``wanted`` (genres or themes) the entity carries, by tag id or name."""
    ids = {t.tag_id for t in entity.tags}
    names = {t.name.lower() for t in entity.tags} | {slug(t.name) for t in entity.tags}
    for w in wanted:
        if tag_of(w) in ids or w.lower() in names or slug(w) in names:
            return w
    return None


def _category(entity: Entity, genre: str | None) -> str:
    kind = readable_type(entity.subtype)
    if genre is not None:
        return f"{genre.lower()} {kind}"
    for t in entity.tags:
        if t.type.startswith("urn:tag:genre") or t.tag_id.startswith("urn:tag:genre"):
            return f"{t.name.lower()} {kind}"
    return kind


def recommendations(
    entities: Sequence[Entity], genres: Sequence[str], themes: Sequence[str] = ()
) -> list[dict[str, Any]]:
    """One recommendation per entity, best first: ``score`` is Qloo's affinity to the query,
    else the entity's popularity (0..1); ``attributes`` name the genre (and theme) of the
    reader's that the entity matched."""
    recs: list[dict[str, Any]] = []
    for e in entities:
        genre = _matched(e, genres, genre_tag)
        score = e.affinity if e.affinity is not None else (e.popularity or 0.0)
        tag_names = list(dict.fromkeys(t.name for t in e.tags))[:MAX_TAG_NAMES]
        recs.append(
            {
                "category": _category(e, genre),
                "score": round(score, 3),
                "attributes": {
                    "name": e.name,
                    "entity_id": e.entity_id,
                    "entity_type": e.subtype,
                    "genre": genre,
                    "theme": _matched(e, themes, theme_tag),
                    "tags": tag_names,
                    "popularity": None if e.popularity is None else round(e.popularity, 3),
                    "source": PROVIDER,
                },
            }
        )
    recs.sort(key=lambda r: (-r["score"], r["attributes"]["name"].lower(),
                             r["attributes"]["entity_id"]))  # fmt: skip
    return recs


def trends(
    entities: Sequence[Entity], exclude_ids: Iterable[str] = (), exclude_names: Iterable[str] = ()
) -> list[dict[str, Any]]:
    """The tags the entities share, most popular first. ``popularity`` = the share of entities
    carrying the tag × their mean popularity (entities without one count as 1). Tags the
    query asked for (``exclude_*``) are not trends: every entity carries them."""
    if not entities:
        return []
    skip_ids = set(exclude_ids)
    skip_names = {n.lower() for n in exclude_names}
    topics: dict[str, str] = {}
    carriers: dict[str, list[float]] = {}
    for e in entities:
        seen: set[str] = set()
        for t in e.tags:
            key = t.name.lower()
            if t.tag_id in skip_ids or key in skip_names or key in seen:
                continue
            seen.add(key)
            topics.setdefault(key, t.name)
            carriers.setdefault(key, []).append(1.0 if e.popularity is None else e.popularity)
    scored = sorted(
        (
            (round(len(p) / len(entities) * (sum(p) / len(p)), 3), topics[k])
            for k, p in carriers.items()
        ),
        key=lambda row: (-row[0], row[1].lower()),
    )
    return [{"topic": topic, "popularity": pop} for pop, topic in scored[:MAX_TRENDS]]


# --------------------------------------------------------------------------- provider


class QlooInsights(TasteInsights):
    """Taste insights from Qloo (``MANGAFLOW_INSIGHTS_PROVIDER=qloo``)."""

    name = PROVIDER
    offline = False

    def __init__(
        self,
        settings: Settings,
        client: httpx.Client | None = None,
        breaker: CircuitBreaker | None = None,
    ) -> None:
        self.settings = settings
        self.base_url = settings.qloo_base_url.rstrip("/")
        self._owns_client = client is None
        self._client = client or httpx.Client(timeout=settings.http_timeout_seconds)
        self.breaker = breaker or breaker_for(
            f"{PROVIDER}:{self.base_url}",
            settings.qloo_breaker_failures,
            settings.qloo_breaker_cooldown_seconds,
            name=PROVIDER,
        )

    def close(self) -> None:
        """Close the HTTP client when this provider created it."""
        if self._owns_client:
            self._client.close()

    def _api_key(self) -> str:
        key = self.settings.qloo_api_key.get_secret_value().strip()
        if not key:
            raise ConfigError(
                f"the qloo insights provider needs an API key: set {KEY_SETTING} "
                "(or choose another MANGAFLOW_INSIGHTS_PROVIDER, e.g. offline)"
            )
        return key

    def insights(self, genres: Iterable[str], themes: Iterable[str]) -> InsightsResult:
        genres, themes = list(genres), list(themes)
        key = self._api_key()
        tags = filter_tags(genres, themes)
        calls = 0

        def query() -> tuple[str, Any]:
            nonlocal calls
            for entity_type in ENTITY_TYPES:
                calls += 1
                response = self._get(entity_type, tags, key)
                if response.status_code == 403:
                    continue
                raise_for_response(response, provider=PROVIDER, key_setting=KEY_SETTING)
                return entity_type, self._json(response)
            raise ProviderAuthError(
                f"{PROVIDER} refused every entity type tried (403 for "
                f"{', '.join(ENTITY_TYPES)}): the API key lacks access to these entity types; "
                f"check {KEY_SETTING} or ask Qloo to enable them for the key"
            )

        try:
            entity_type, body = self.breaker.call(query)
            entities = parse_entities(body, entity_type)
        except MangaFlowError as exc:
            if key not in exc.message:
                raise
            raise type(exc)(exc.message.replace(key, "***"), details=exc.details) from None
        return InsightsResult(
            recommendations=recommendations(entities, genres, themes),
            trends=trends(entities, exclude_ids=tags, exclude_names=[*genres, *themes]),
            provider=PROVIDER,
            usage=Usage(calls=calls),
        )

    def _get(self, entity_type: str, tags: Sequence[str], key: str) -> httpx.Response:
        params = {"filter.type": entity_type, "take": str(TAKE)}
        if tags:
            params["filter.tags"] = ",".join(tags)
        try:
            return self._client.get(
                self.base_url + INSIGHTS_PATH,
                params=params,
                headers={"x-api-key": key, "accept": "application/json"},
            )
        except httpx.HTTPError as exc:
            raise transport_error(exc, provider=PROVIDER) from exc

    @staticmethod
    def _json(response: httpx.Response) -> Any:
        try:
            body = response.json()
        except ValueError:
            raise ProviderOutputError(
                f"{PROVIDER} returned a response that is not JSON ({response.status_code})"
            ) from None
        if isinstance(body, dict) and body.get("success") is False:
            detail = str(body.get("errors") or body.get("error") or body.get("message") or "")
            raise ProviderError(f"{PROVIDER} reported a failed query: {detail[:300]}")
        return body


def register(registry: Any) -> None:
    registry.add_insights(PROVIDER, QlooInsights)
