"""Amazon Cognito user-pool tokens (RS256), verified against the pool's published key set.

Checks, in order: the header names RS256 and a key id (nothing else is looked at before the
signature: ``alg: none`` and HS256-with-the-public-key confusion die here, before any fetch);
the key set (fetched lazily, cached by ``kid``); the signature; ``iss`` is the pool
(``https://cognito-idp.{region}.amazonaws.com/{userPoolId}``); ``exp``/``nbf``/``iat`` against
the injected clock with a small leeway; ``token_use`` is ``id`` (then ``aud`` must be the app
client id) or ``access`` (then ``client_id`` must be). The user is ``sub``.

Key rotation: an unknown ``kid`` refetches the key set, but one kid triggers at most one refetch
per :data:`UNKNOWN_KID_RETRY_SECONDS`, and no two refetches run closer than
:data:`MIN_REFETCH_SECONDS` whatever the kids (a flood of made-up kids cannot become a flood of
requests to Cognito). An unreachable key set is an :class:`AuthError` (401), never a 500.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import httpx
import jwt

from mangaflow.api.auth import AuthError, subject, token_error, unverified_header
from mangaflow.platform.config import Settings
from mangaflow.platform.errors import ConfigError

ALGORITHM = "RS256"
LEEWAY_SECONDS = 30.0
UNKNOWN_KID_RETRY_SECONDS = 300.0
MIN_REFETCH_SECONDS = 10.0
FETCH_TIMEOUT_SECONDS = 10.0
MAX_JWKS_BYTES = 1_000_000
UNAVAILABLE = "cannot verify token: key set unavailable"


def cognito_issuer(region: str, user_pool_id: str) -> str:
    return f"https://cognito-idp.{region}.amazonaws.com/{user_pool_id}"


def parse_jwks(document: Any) -> dict[str, jwt.PyJWK]:
    """The usable RS256 signing keys of a JWKS document, by ``kid`` (others are skipped)."""
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
        raise ValueError("not a JWKS document")
    keys: dict[str, jwt.PyJWK] = {}
    for entry in document["keys"]:
        if not isinstance(entry, dict) or entry.get("kty") != "RSA":
            continue
        kid = entry.get("kid")
        if not isinstance(kid, str) or not kid:
            continue
        if entry.get("use", "sig") != "sig" or entry.get("alg", ALGORITHM) != ALGORITHM:
            continue
        try:
            keys[kid] = jwt.PyJWK(entry, algorithm=ALGORITHM)
        except jwt.PyJWTError:
            continue
    return keys


def _number(claims: dict[str, Any], name: str) -> float | None:
    value = claims.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise AuthError(f"token has a malformed {name!r} claim")
    return float(value)


class CognitoVerifier:
    """Verifies Cognito ID and access tokens of one user pool and app client."""

    def __init__(
        self,
        settings: Settings,
        jwks_url: str | None = None,
        client: httpx.Client | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        pool_id = settings.cognito_user_pool_id.strip()
        client_id = settings.cognito_client_id.strip()
        if not pool_id:
            raise ConfigError("auth_mode 'cognito' needs MANGAFLOW_COGNITO_USER_POOL_ID")
        if not client_id:
            raise ConfigError("auth_mode 'cognito' needs MANGAFLOW_COGNITO_CLIENT_ID")
        self.client_id = client_id
        self.issuer = cognito_issuer(settings.cognito_region.strip(), pool_id)
        self.jwks_url = jwks_url or f"{self.issuer}/.well-known/jwks.json"
        self._timeout = min(settings.http_timeout_seconds, FETCH_TIMEOUT_SECONDS)
        self._client = client
        self._owns_client = client is None
        self._clock = clock
        self._keys: dict[str, jwt.PyJWK] = {}
        self._loaded = False  # a key set was fetched successfully at least once
        self._last_fetch: float | None = None  # when the last fetch was attempted
        self._kid_misses: dict[str, float] = {}  # unknown kid -> when it last caused a fetch
        self._lock = threading.Lock()

    # -- key set -------------------------------------------------------------------------

    def _http(self) -> httpx.Client:
        if self._client is None:
            self._client = httpx.Client(timeout=self._timeout, follow_redirects=False)
        return self._client

    def _fetch(self, now: float) -> None:
        """Replace the cached keys with the published set; AuthError if it cannot be had."""
        self._last_fetch = now
        try:
            response = self._http().get(self.jwks_url, timeout=self._timeout)
            response.raise_for_status()
            if len(response.content) > MAX_JWKS_BYTES:
                raise ValueError("key set too large")
            keys = parse_jwks(response.json())
        except (httpx.HTTPError, httpx.InvalidURL, ValueError):
            raise AuthError(UNAVAILABLE) from None
        self._keys = keys
        self._loaded = True

    def signing_key(self, kid: str) -> jwt.PyJWK:
        """The cached key for ``kid``, fetching (or refetching, rate-limited) when unknown."""
        key = self._keys.get(kid)
        if key is not None:
            return key
        with self._lock:
            key = self._keys.get(kid)  # another thread may have just fetched it
            if key is not None:
                return key
            now = self._clock()
            if self._last_fetch is not None:
                missed = self._kid_misses.get(kid)
                if (missed is not None and now - missed < UNKNOWN_KID_RETRY_SECONDS) or (
                    now - self._last_fetch < MIN_REFETCH_SECONDS
                ):
                    raise AuthError("unknown signing key" if self._loaded else UNAVAILABLE)
            self._fetch(now)
            key = self._keys.get(kid)
            if key is None:  # not published even now: remember, so it cannot force refetches
                self._kid_misses = {
                    k: t for k, t in self._kid_misses.items()
                    if now - t < UNKNOWN_KID_RETRY_SECONDS
                }  # fmt: skip
                self._kid_misses[kid] = now
                raise AuthError("unknown signing key")
            return key

    def close(self) -> None:
        if self._owns_client and self._client is not None:
            self._client.close()
            self._client = None

    # -- tokens --------------------------------------------------------------------------

    def claims(self, token: str) -> dict[str, Any]:
        """The verified claims of a Cognito ID or access token; AuthError otherwise."""
        header = unverified_header(token)
        if header.get("alg") != ALGORITHM:
            raise AuthError("unsupported token algorithm")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise AuthError("token has no key id")
        key = self.signing_key(kid)
        try:
            claims: dict[str, Any] = jwt.decode(
                token, key, algorithms=[ALGORITHM], issuer=self.issuer,
                options={"require": ["exp", "iss", "sub", "token_use"], "verify_aud": False,
                         # times are checked below against the injected clock
                         "verify_exp": False, "verify_nbf": False, "verify_iat": False},
            )  # fmt: skip
        except jwt.PyJWTError as exc:
            raise token_error(exc) from None
        self._check_times(claims)
        use = claims.get("token_use")
        if use == "id":
            if claims.get("aud") != self.client_id:
                raise AuthError("token is for another client")
        elif use == "access":
            if claims.get("client_id") != self.client_id:
                raise AuthError("token is for another client")
        else:
            raise AuthError("token_use must be 'id' or 'access'")
        return claims

    def _check_times(self, claims: dict[str, Any]) -> None:
        now = self._clock()
        exp = _number(claims, "exp")
        if exp is None or exp <= now - LEEWAY_SECONDS:
            raise AuthError("token expired")
        nbf = _number(claims, "nbf")
        if nbf is not None and nbf > now + LEEWAY_SECONDS:
            raise AuthError("token not yet valid")
        iat = _number(claims, "iat")
        if iat is not None and iat > now + LEEWAY_SECONDS:
            raise AuthError("token issued in the future")

    def user_id(self, token: str) -> str:
        return subject(self.claims(token))
