"""Mapping HTTP provider failures onto the error tree (at the adapter boundary)."""

from __future__ import annotations

import email.utils
import math
import time
from collections.abc import Mapping
from typing import Any

import httpx

from mangaflow.platform.errors import (
    ContentRejected,
    ProviderAuthError,
    ProviderError,
    ProviderRateLimited,
    ProviderTimeout,
    ProviderUnavailable,
)
from mangaflow.platform.retry import capped_retry_after

_CONTENT_WORDS = ("content_policy", "content policy", "safety", "moderation", "content_filter")
#: A 429 that says the account is out of money is not throttling: retrying cannot help.
_QUOTA_WORDS = ("insufficient_quota", "exceeded your current quota")
#: Used when no cap is given: ``Settings.retry_after_cap_seconds``' default.
DEFAULT_RETRY_AFTER_CAP = 30.0


def retry_after_seconds(headers: Mapping[str, str], *, now: float | None = None) -> float | None:
    """Seconds a response asks the client to wait: ``retry-after-ms`` (OpenAI), else
    ``Retry-After`` as delta-seconds or an HTTP date; None when absent or unreadable."""
    lower = {k.lower(): v for k, v in headers.items()}
    raw_ms = lower.get("retry-after-ms", "").strip()
    if raw_ms:
        try:
            ms = float(raw_ms)
            if math.isfinite(ms) and ms >= 0:
                return ms / 1000.0
        except ValueError:
            pass
    raw = lower.get("retry-after", "").strip()
    if not raw:
        return None
    try:
        seconds = float(raw)
        return seconds if math.isfinite(seconds) and seconds >= 0 else None
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def raise_for_response(
    response: httpx.Response, *, provider: str, key_setting: str,
    retry_after_cap: float = DEFAULT_RETRY_AFTER_CAP,
) -> None:  # fmt: skip
    """Raise the mapped error for a non-2xx response; the message names the setting to fix
    and never echoes credentials. A 429 or 503 carries the response's ``Retry-After``
    (capped at ``retry_after_cap``) as ``error.retry_after``."""
    code = response.status_code
    if code < 400:
        return
    body = response.text[:300]
    if code in (401, 403):
        raise ProviderAuthError(
            f"{provider} refused the credentials ({code}); check {key_setting}"
        )
    wait = capped_retry_after(retry_after_seconds(response.headers), retry_after_cap)
    if code == 429:
        if any(word in body.lower() for word in _QUOTA_WORDS):
            raise ProviderError(f"{provider} says the account's quota is used up (429): {body}")
        said = f"; it asked to wait {wait:g} s" if wait is not None else ""
        raise ProviderRateLimited(
            f"{provider} is rate limiting requests (429){said}", retry_after=wait
        )
    if code >= 500 or code == 408:
        raise ProviderUnavailable(
            f"{provider} is unavailable ({code})", retry_after=wait if code == 503 else None
        )
    if any(word in body.lower() for word in _CONTENT_WORDS):
        raise ContentRejected(f"{provider} rejected the content ({code}): {body}")
    raise ProviderError(f"{provider} rejected the request ({code}): {body}")


def transport_error(
    exc: httpx.HTTPError, *, provider: str, timeout_setting: str = "MANGAFLOW_HTTP_TIMEOUT_SECONDS"
) -> ProviderUnavailable:
    """Timeouts and connection failures are transient. A read timeout (no answer in time) is
    a :class:`ProviderTimeout`, whose message names the setting that bounds it."""
    if isinstance(exc, httpx.ReadTimeout):
        return ProviderTimeout(
            f"{provider} timed out: {type(exc).__name__} (no answer within "
            f"{timeout_setting}; raise it for slow models)"
        )
    kind = "timed out" if isinstance(exc, httpx.TimeoutException) else "could not be reached"
    return ProviderUnavailable(f"{provider} {kind}: {type(exc).__name__}")


def json_body(response: httpx.Response, *, provider: str, what: str) -> Any:
    """The decoded JSON of a 2xx ``response``. A body that is not JSON (an HTML error page
    from a gateway, a body cut short) is an invalid answer: :class:`ProviderUnavailable`,
    retried like any transient failure."""
    try:
        return response.json()
    except ValueError:  # JSONDecodeError and UnicodeDecodeError
        kind = response.headers.get("content-type", "no content type")
        raise ProviderUnavailable(
            f"{provider} answered {what} with a body that is not JSON ({kind}, "
            f"{len(response.content)} bytes): {response.text[:200]!r}"
        ) from None
