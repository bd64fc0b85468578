"""The YouTube Data API v3 for trends and statistics: :class:`YouTubeApi` (one charged,
authorised, retried call) and :class:`YouTubeData` (most-popular charts, search, statistics
as typed :class:`VideoRecord`), plus :func:`engagement` and :func:`rank`, the trend score.

Every call is charged to the :class:`~mangaflow.video.youtube.quota.QuotaLedger` *before*
it is sent (a call over the daily quota is never sent), authorised by
:class:`~mangaflow.video.youtube.auth.YouTubeAuth`, mapped onto the error tree
(:func:`~mangaflow.video.youtube.quota.raise_for_youtube`) and retried in the call by the
platform's :class:`~mangaflow.platform.retry.CallRetry` when the failure is transient. Each
retry is a new call and is charged again, as YouTube charges it.

**Trend score** (:func:`trend_score`)::

    score = log10(1 + views_per_hour) x (1 + 10 x like_ratio + 50 x comment_ratio)

``views_per_hour`` is the view count over the hours since publishing (at least
:data:`MIN_AGE_HOURS`, so a video minutes old does not explode); ``like_ratio`` and
``comment_ratio`` are likes and comments per view (each capped at 1). The logarithm keeps
one viral outlier from drowning everything else: ten times the velocity adds one to the
base, and strong engagement (typical like ratios are 2-5 %, comment ratios 0.1-0.5 %) can
lift a video of lower velocity above a passively watched one. Ties are broken by id, so the
order is deterministic.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar
from urllib.parse import urlsplit

import httpx
import pydantic
from pydantic import BaseModel, ConfigDict, Field

from mangaflow.platform.adapters.http import json_body, transport_error
from mangaflow.platform.config import Settings
from mangaflow.platform.errors import (
    ConfigError,
    ProviderError,
    ProviderUnavailable,
    ValidationError,
)
from mangaflow.platform.ports import ItemTable, Usage
from mangaflow.platform.retry import CallRetry
from mangaflow.video.youtube.auth import YouTubeAuth
from mangaflow.video.youtube.quota import QuotaLedger, raise_for_youtube

T = TypeVar("T")

#: Ids per videos.list call (the API's maximum).
BATCH = 50
#: The least age, in hours, a video's views are divided by.
MIN_AGE_HOURS = 1.0
LIKE_WEIGHT = 10.0
COMMENT_WEIGHT = 50.0
_REGION = re.compile(r"^[A-Z]{2}$")
_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
_PARTS = "snippet,statistics,contentDetails"


def checked_url(value: str, setting: str) -> str:
    """``value`` without a trailing slash, or ``ConfigError`` naming ``setting``."""
    url = value.strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"{setting} must be an http(s) URL (got {value!r})")
    return url


class YouTubeApi:
    """One Data API or upload API call at a time: charged, authorised, mapped, retried."""

    def __init__(
        self, settings: Settings, quota: QuotaLedger, *, client: httpx.Client | None = None,
        auth: YouTubeAuth | None = None, retry: CallRetry | None = None,
        secrets_client: Any = None,
    ) -> None:  # fmt: skip
        self.api_url = checked_url(settings.youtube_api_url, "MANGAFLOW_YOUTUBE_API_URL")
        self.upload_url = checked_url(settings.youtube_upload_url, "MANGAFLOW_YOUTUBE_UPLOAD_URL")
        checked_url(settings.youtube_token_url, "MANGAFLOW_YOUTUBE_TOKEN_URL")
        read = settings.http_timeout_seconds
        self.timeout = httpx.Timeout(read, connect=min(read, settings.http_connect_timeout_seconds))
        self._owns_client = client is None
        self.client = client if client is not None else httpx.Client(timeout=self.timeout)
        self.auth = auth or YouTubeAuth(settings, self.client, secrets_client=secrets_client)
        self.quota = quota
        self.retry = retry or CallRetry.from_settings(settings)
        self.retry_after_cap = settings.retry_after_cap_seconds

    @contextmanager
    def scrubbed(self) -> Iterator[None]:
        """Re-raise provider errors with every credential removed from their message."""
        try:
            yield
        except ProviderError as exc:
            message = exc.message
            for secret in self.auth.secrets():
                message = message.replace(secret, "***")
            if message == exc.message:
                raise
            clean = type(exc)(message, details=exc.details)
            clean.retry_after = exc.retry_after
            raise clean from None

    def send(
        self, method: str, url: str, *, write: bool, params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None, **kwargs: Any,
    ) -> httpx.Response:  # fmt: skip
        """One authorised request (refreshing the token once on a 401); transport failures
        mapped to ``ProviderUnavailable``. Not charged: callers charge first."""
        where = f"YouTube ({urlsplit(url).path})"
        # httpx replaces a URL's query with ``params``: keep the session URI's own (upload_id).
        base = dict(httpx.URL(url).params)

        def attempt(auth_headers: dict[str, str], auth_params: dict[str, str]) -> httpx.Response:
            try:
                return self.client.request(
                    method, url, params={**base, **(params or {}), **auth_params},
                    headers={**(headers or {}), **auth_headers}, timeout=self.timeout, **kwargs,
                )  # fmt: skip
            except httpx.HTTPError as exc:
                raise transport_error(exc, provider=where) from exc

        with self.scrubbed():
            return self.auth.send(attempt, write=write)

    def call(
        self, name: str, method: str, url: str, parse: Callable[[Any], T], *,
        write: bool = False, params: Mapping[str, str] | None = None, **kwargs: Any,
    ) -> T:  # fmt: skip
        """``parse`` of the JSON answer of the API method ``name`` (``"videos.list"``), charged
        before each attempt and retried in the call while the failure is transient."""

        def read(response: httpx.Response) -> T:
            return parse(json_body(response, provider="YouTube", what=name))

        return self.call_response(name, method, url, read, write=write, params=params, **kwargs)

    def call_response(
        self, name: str, method: str, url: str, read: Callable[[httpx.Response], T], *,
        write: bool = False, params: Mapping[str, str] | None = None, **kwargs: Any,
    ) -> T:  # fmt: skip
        """Like :meth:`call`, with ``read`` given the whole 2xx response."""

        def attempt() -> T:
            self.quota.charge(name)
            response = self.send(method, url, write=write, params=params, **kwargs)
            with self.scrubbed():
                raise_for_youtube(response, what=name, retry_after_cap=self.retry_after_cap)
                return read(response)

        return self.retry(attempt, what=f"YouTube {name}")

    def close(self) -> None:
        if self._owns_client:
            self.client.close()


# --------------------------------------------------------------------------- records


class VideoRecord(BaseModel):
    """A public video as the Data API describes it. ``likes`` is 0 when the owner hides
    them; ``duration`` is None for live streams and premieres without one."""

    model_config = ConfigDict(frozen=True)

    id: str
    title: str
    channel: str = ""
    channel_id: str = ""
    published_at: datetime
    duration: timedelta | None = None
    views: int = Field(default=0, ge=0)
    likes: int = Field(default=0, ge=0)
    comments: int = Field(default=0, ge=0)
    tags: list[str] = Field(default_factory=list)
    category_id: str | None = None


class Engagement(BaseModel):
    """How fast and how warmly a video is watched (see :func:`engagement`)."""

    model_config = ConfigDict(frozen=True)

    age_hours: float
    views_per_hour: float
    like_ratio: float
    comment_ratio: float


class RankedVideo(BaseModel):
    model_config = ConfigDict(frozen=True)

    video: VideoRecord
    engagement: Engagement
    score: float


def parse_video(item: Any) -> VideoRecord:
    """A :class:`VideoRecord` from one ``videos.list`` item (``ProviderUnavailable`` — an
    invalid answer, retried — when it lacks what a record needs)."""
    if not isinstance(item, Mapping):
        raise ProviderUnavailable("YouTube videos.list returned an item that is not an object")
    snippet = item.get("snippet") or {}
    stats = item.get("statistics") or {}
    details = item.get("contentDetails") or {}
    duration = details.get("duration")
    try:
        return VideoRecord.model_validate({
            "id": item.get("id"), "title": snippet.get("title"),
            "channel": snippet.get("channelTitle", ""), "channel_id": snippet.get("channelId", ""),
            "published_at": snippet.get("publishedAt"),
            "duration": duration if duration and duration != "P0D" else None,
            "views": int(stats.get("viewCount", 0)), "likes": int(stats.get("likeCount", 0)),
            "comments": int(stats.get("commentCount", 0)), "tags": snippet.get("tags") or [],
            "category_id": snippet.get("categoryId"),
        })  # fmt: skip
    except (pydantic.ValidationError, ValueError, TypeError) as exc:
        where = item.get("id", "?")
        raise ProviderUnavailable(f"YouTube returned video {where!r} in a shape that cannot be "
                                  f"read: {str(exc).splitlines()[0][:200]}") from None  # fmt: skip


def _items(data: Any, name: str) -> tuple[list[Any], str | None]:
    if not isinstance(data, Mapping) or not isinstance(data.get("items", []), list):
        raise ProviderUnavailable(f"YouTube {name} returned no items list")
    token = data.get("nextPageToken")
    return list(data.get("items", [])), token if isinstance(token, str) and token else None


def _check_count(value: int, field: str, most: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= most:
        raise ValidationError(f"{field} must be 1..{most}",
                              details=[{"field": field, "message": f"must be 1..{most}"}])  # fmt: skip


def _check(pattern: re.Pattern[str], value: str | None, field: str, example: str) -> None:
    if value is not None and not pattern.fullmatch(value):
        raise ValidationError(f"invalid {field} {value!r}", details=[
            {"field": field, "message": f"expected a code such as {example!r}"}])  # fmt: skip


class YouTubeData:
    """Read-only Data API calls for trends (see the module)."""

    def __init__(self, api: YouTubeApi, *, region: str = "US") -> None:
        self.api = api
        self.region = region

    @classmethod
    def from_settings(
        cls, settings: Settings, table: ItemTable, *, on_usage: Callable[[Usage], None] | None = None,
        client: httpx.Client | None = None, secrets_client: Any = None,
    ) -> YouTubeData:  # fmt: skip
        quota = QuotaLedger(table, settings.youtube_daily_quota, on_usage=on_usage)
        api = YouTubeApi(settings, quota, client=client, secrets_client=secrets_client)
        return cls(api, region=settings.youtube_region)

    def _videos(self, params: Mapping[str, str]) -> tuple[list[VideoRecord], str | None]:
        def parse(data: Any) -> tuple[list[VideoRecord], str | None]:
            items, token = _items(data, "videos.list")
            return [parse_video(i) for i in items], token

        return self.api.call("videos.list", "GET", f"{self.api.api_url}/videos", parse,
                             params={"part": _PARTS, **params})  # fmt: skip

    def most_popular(
        self, region: str | None = None, category_id: str | None = None, max_results: int = 50
    ) -> list[VideoRecord]:
        """The region's most-popular chart (``videos.list chart=mostPopular``), page by page
        until ``max_results`` (the chart holds at most 200)."""
        region = region or self.region
        _check(_REGION, region, "region", "US")
        _check_count(max_results, "max_results", 200)
        if category_id is not None and not category_id.isdigit():
            raise ValidationError("invalid category_id", details=[
                {"field": "category_id", "message": "expected a numeric id such as '24'"}])  # fmt: skip
        out: list[VideoRecord] = []
        token: str | None = None
        while len(out) < max_results:
            params = {"chart": "mostPopular", "regionCode": region,
                      "maxResults": str(min(BATCH, max_results - len(out)))}  # fmt: skip
            if category_id is not None:
                params["videoCategoryId"] = category_id
            if token:
                params["pageToken"] = token
            page, token = self._videos(params)
            out += page
            if token is None or not page:
                break
        return out[:max_results]

    def statistics(self, video_ids: Sequence[str]) -> list[VideoRecord]:
        """Current records of ``video_ids`` (``videos.list id=…``, 50 ids a call), in the
        order asked; ids YouTube does not know (deleted, private) are left out."""
        ids = list(dict.fromkeys(video_ids))
        found: dict[str, VideoRecord] = {}
        for start in range(0, len(ids), BATCH):
            batch = ids[start : start + BATCH]
            page, _ = self._videos({"id": ",".join(batch), "maxResults": str(len(batch))})
            found.update((v.id, v) for v in page)
        return [found[i] for i in ids if i in found]

    def search(
        self, query: str, published_after: datetime | None = None, max_results: int = 25,
        region: str | None = None, language: str | None = None,
    ) -> list[VideoRecord]:  # fmt: skip
        """Videos matching ``query`` by view count (``search.list type=video
        order=viewCount``, 100 units a page), then one ``videos.list`` per 50 for their
        statistics. In search order."""
        if not query.strip():
            raise ValidationError("query is empty", details=[{"field": "query", "message":
                                                             "must not be empty"}])  # fmt: skip
        _check_count(max_results, "max_results", 500)
        _check(_REGION, region, "region", "US")
        _check(_LANGUAGE, language, "language", "en")
        if published_after is not None and published_after.tzinfo is None:
            raise ValidationError("published_after needs a time zone", details=[
                {"field": "published_after", "message": "must be time-zone aware"}])  # fmt: skip
        ids: list[str] = []
        token: str | None = None
        while len(ids) < max_results:
            params = {"part": "snippet", "type": "video", "order": "viewCount", "q": query,
                      "maxResults": str(min(BATCH, max_results - len(ids)))}  # fmt: skip
            if published_after is not None:
                params["publishedAfter"] = published_after.astimezone(UTC).strftime(
                    "%Y-%m-%dT%H:%M:%SZ"
                )
            if region:
                params["regionCode"] = region
            if language:
                params["relevanceLanguage"] = language
            if token:
                params["pageToken"] = token
            found, token = self.api.call("search.list", "GET", f"{self.api.api_url}/search",
                                         _search_ids, params=params)  # fmt: skip
            ids += [i for i in found if i not in ids]
            if token is None or not found:
                break
        return self.statistics(ids[:max_results])

    def close(self) -> None:
        self.api.close()


def _search_ids(data: Any) -> tuple[list[str], str | None]:
    items, token = _items(data, "search.list")
    ids = [i["id"]["videoId"] for i in items if isinstance(i, Mapping)
           and isinstance(i.get("id"), Mapping) and isinstance(i["id"].get("videoId"), str)]  # fmt: skip
    return ids, token


# --------------------------------------------------------------------------- trend score


def engagement(video: VideoRecord, now: datetime) -> Engagement:
    """Views per hour since publishing (at least :data:`MIN_AGE_HOURS`), likes and comments
    per view (0 without views)."""
    if now.tzinfo is None:
        raise ValidationError("now needs a time zone",
                              details=[{"field": "now", "message": "must be time-zone aware"}])  # fmt: skip
    age = (now - video.published_at).total_seconds() / 3600.0
    hours = max(age, MIN_AGE_HOURS)
    views = video.views
    return Engagement(
        age_hours=round(max(age, 0.0), 4), views_per_hour=views / hours,
        like_ratio=min(video.likes / views, 1.0) if views else 0.0,
        comment_ratio=min(video.comments / views, 1.0) if views else 0.0,
    )  # fmt: skip


def trend_score(e: Engagement) -> float:
    """``log10(1 + views/hour) x (1 + 10 x like ratio + 50 x comment ratio)`` (see the module)."""
    return math.log10(1.0 + e.views_per_hour) * (
        1.0 + LIKE_WEIGHT * e.like_ratio + COMMENT_WEIGHT * e.comment_ratio
    )


def rank(videos: Iterable[VideoRecord], now: datetime) -> list[RankedVideo]:
    """``videos`` by trend score, highest first (ties by id)."""
    ranked = []
    for video in videos:
        e = engagement(video, now)
        ranked.append(RankedVideo(video=video, engagement=e, score=trend_score(e)))
    return sorted(ranked, key=lambda r: (-r.score, r.video.id))


__all__ = [
    "BATCH", "Engagement", "RankedVideo", "VideoRecord", "YouTubeApi", "YouTubeData",
    "checked_url", "engagement", "parse_video", "rank", "trend_score",
]  # fmt: skip
