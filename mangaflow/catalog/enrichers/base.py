"""What the three enrichers share: finding the service's id among an entry's source URLs, one
rate limiter per service and process (pyrate-limiter), the HTTP cache, and one request path
through the platform's HTTP error mapping and in-call retry.

Every attempt that reaches the network takes a permit from the service's limiter first (an
in-call retry is a request too); a cache hit takes none. A 404 is "nothing known" (``None``);
429, 5xx and connection failures raise ``ProviderRateLimited`` / ``ProviderUnavailable``
(retryable, carrying the capped ``Retry-After``) after the in-call retries
(``MANGAFLOW_PROVIDER_RETRIES``); a 200 whose body is not JSON is ``ProviderUnavailable``."""

from __future__ import annotations

import html
import json
import re
import threading
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import httpx
from pyrate_limiter import Duration, Limiter, Rate

from mangaflow.catalog.domain import AnimeEntry
from mangaflow.catalog.enrichers.cache import MISS, ResponseCache
from mangaflow.catalog.ports import Enricher
from mangaflow.platform.adapters.http import json_body, raise_for_response, transport_error
from mangaflow.platform.config import Settings
from mangaflow.platform.errors import ProviderError
from mangaflow.platform.retry import CallRetry

_ANIME_PATH = re.compile(r"^/anime/(\d+)(?:[/?#]|$)")


def source_id(entry: AnimeEntry, site: str) -> int | None:
    """The numeric id in the first source URL whose host names ``site`` and whose path is
    ``/anime/<id>`` (``https://myanimelist.net/anime/5114`` → 5114 for ``"myanimelist"``)."""
    for url in entry.sources:
        parts = urlsplit(url)
        if site in (parts.hostname or "").lower() and (m := _ANIME_PATH.match(parts.path)):
            return int(m.group(1))
    return None


def per_second_and_minute(per_second: int, per_minute: int) -> list[Rate]:
    """The rates of a service limited both ways, in the order pyrate-limiter requires
    (shorter interval first); a limit the other already implies is left out."""
    if per_minute <= per_second:
        return [Rate(per_minute, Duration.MINUTE)]
    if per_minute >= per_second * 60:
        return [Rate(per_second, Duration.SECOND)]
    return [Rate(per_second, Duration.SECOND), Rate(per_minute, Duration.MINUTE)]


_LIMITERS: dict[tuple[str, tuple[tuple[int, int], ...]], Limiter] = {}
_LIMITERS_LOCK = threading.Lock()


def limiter_for(service: str, rates: list[Rate]) -> Limiter:
    """The process-wide limiter of ``service`` with these rates (made on first use)."""
    key = (service, tuple((r.limit, r.interval) for r in rates))
    with _LIMITERS_LOCK:
        limiter = _LIMITERS.get(key)
        if limiter is None:
            limiter = _LIMITERS[key] = Limiter(list(rates))
        return limiter


def score10(value: Any, scale: float = 10.0) -> float | None:
    """A score on the 0..10 scale from a number (or numeric string) on ``0..scale``."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return round(min(10.0, max(0.0, number * 10.0 / scale)), 2)


def int_or_none(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def iso_utc(epoch_seconds: Any) -> str | None:
    if not isinstance(epoch_seconds, int | float) or isinstance(epoch_seconds, bool):
        return None
    return datetime.fromtimestamp(epoch_seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


_TAG = re.compile(r"<[^>]+>")


def plain_text(value: Any) -> str:
    """Text without HTML tags (AniList descriptions carry ``<br>`` and ``<i>``)."""
    if not isinstance(value, str):
        return ""
    text = _TAG.sub("", value.replace("<br>", "\n").replace("<br />", "\n"))
    return re.sub(r"\n{3,}", "\n\n", html.unescape(text)).strip()


class HttpEnricher(Enricher):
    """An enricher that asks one HTTP service; subclasses build the request and normalise."""

    name: str
    url_setting: str

    def __init__(
        self, settings: Settings, *, base_url: str, rates: list[Rate],
        client: httpx.Client | None = None, cache: ResponseCache | None = None,
        retry: CallRetry | None = None,
    ) -> None:  # fmt: skip
        self.base_url = base_url.rstrip("/")
        self.rates = list(rates)
        self.limiter = limiter_for(self.name, self.rates)
        self.cache = cache or ResponseCache(
            settings.home / "cache" / "enrichers" / "http.sqlite",
            settings.catalog_enricher_cache_seconds,
        )
        self.retry = retry or CallRetry.from_settings(settings)
        self.retry_after_cap = settings.retry_after_cap_seconds
        self.client = client or httpx.Client(
            timeout=httpx.Timeout(
                settings.http_timeout_seconds, connect=settings.http_connect_timeout_seconds
            ),
            follow_redirects=True,
            headers={"User-Agent": "MangaFlow-catalog (https://github.com/mangaflow)"},
        )

    def request(
        self, method: str, path: str, *, body: Any = None, headers: dict[str, str] | None = None
    ) -> Any:
        """The decoded JSON answer of ``method base_url+path`` (``None`` for a 404), from the
        cache when a fresh copy is there."""
        url = self.base_url + path
        data = "" if body is None else json.dumps(body, sort_keys=True, separators=(",", ":"))
        cached = self.cache.get(method, url, data)
        if cached is not MISS:
            return cached
        value = self.retry(
            lambda: self._send(method, url, data, headers or {}), what=f"{self.name} {method} {path}"
        )
        self.cache.put(method, url, data, value)
        return value

    def _send(self, method: str, url: str, data: str, headers: dict[str, str]) -> Any:
        if not self.limiter.try_acquire(self.name):
            raise ProviderError(f"{self.name}: the rate limiter refused a request ({self.rates})")
        if data:
            headers = {"Content-Type": "application/json", **headers}
        try:
            response = self.client.request(method, url, content=data or None, headers=headers)
        except httpx.HTTPError as exc:
            raise transport_error(exc, provider=self.name) from exc
        if response.status_code == 404:
            return None
        raise_for_response(
            response, provider=self.name, key_setting=self.url_setting,
            retry_after_cap=self.retry_after_cap,
        )  # fmt: skip
        return json_body(response, provider=self.name, what=f"{method} {urlsplit(url).path}")

    def close(self) -> None:
        self.client.close()
