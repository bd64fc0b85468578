"""Mapping HTTP provider failures onto the error tree (at the adapter boundary)."""

from __future__ import annotations

import httpx

from mangaflow.platform.errors import (
    ContentRejected,
    ProviderAuthError,
    ProviderError,
    ProviderRateLimited,
    ProviderUnavailable,
)

_CONTENT_WORDS = ("content_policy", "content policy", "safety", "moderation", "content_filter")


def raise_for_response(response: httpx.Response, *, provider: str, key_setting: str) -> None:
    """Raise the mapped error for a non-2xx response; the message names the setting to fix
    and never echoes credentials."""
    code = response.status_code
    if code < 400:
        return
    body = response.text[:300]
    if code in (401, 403):
        raise ProviderAuthError(
            f"{provider} refused the credentials ({code}); check {key_setting}"
        )
    if code == 429:
        raise ProviderRateLimited(f"{provider} is rate limiting requests (429)")
    if code >= 500 or code == 408:
        raise ProviderUnavailable(f"{provider} is unavailable ({code})")
    if any(word in body.lower() for word in _CONTENT_WORDS):
        raise ContentRejected(f"{provider} rejected the content ({code}): {body}")
    raise ProviderError(f"{provider} rejected the request ({code}): {body}")


def transport_error(exc: httpx.HTTPError, *, provider: str) -> ProviderUnavailable:
    """Timeouts and connection failures are transient."""
    kind = "timed out" if isinstance(exc, httpx.TimeoutException) else "could not be reached"
    return ProviderUnavailable(f"{provider} {kind}: {type(exc).__name__}")
