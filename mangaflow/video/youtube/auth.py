"""Credentials for the YouTube Data API: an API key for read-only calls, OAuth2 for the
channel's own (uploads, thumbnails, captions).

* **API key** (``MANGAFLOW_YOUTUBE_API_KEY``): sent as the ``key=`` query parameter of
  read-only calls. Without one, read-only calls use OAuth when that is configured.
* **OAuth2 refresh token**: ``MANGAFLOW_YOUTUBE_CLIENT_ID``, ``..._CLIENT_SECRET`` and
  ``..._REFRESH_TOKEN``; or, when all three are empty and ``MANGAFLOW_YOUTUBE_SECRET_ID`` is
  set, the JSON ``{client_id, client_secret, refresh_token}`` of that AWS Secrets Manager
  secret (read once, when first needed). The refresh token is exchanged at
  ``MANGAFLOW_YOUTUBE_TOKEN_URL`` (``grant_type=refresh_token``) for an access token, kept
  until :data:`EXPIRY_MARGIN_SECONDS` before it expires. An API answer of 401 (the token was
  revoked or expired early) drops the cached token, refreshes it and sends the call once
  more.

No credential is ever logged or put in an error message: they are held as ``SecretStr``
and :meth:`YouTubeAuth.secrets` lists the live values callers scrub from messages. httpx
logs every request's URL at INFO, which would show the ``key=`` parameter: a filter on the
``httpx`` logger (:class:`RedactApiKey`, installed once) masks it.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx
from pydantic import SecretStr

from mangaflow.platform.adapters.aws import make_client
from mangaflow.platform.adapters.http import transport_error
from mangaflow.platform.config import Settings
from mangaflow.platform.errors import (
    ConfigError,
    ProviderAuthError,
    ProviderError,
    ProviderUnavailable,
)

log = logging.getLogger("mangaflow.video.youtube")

#: A cached access token is refreshed this many seconds before it expires (at most half of
#: its lifetime), so a call never starts with a token about to lapse.
EXPIRY_MARGIN_SECONDS = 60.0
TOKEN_PROVIDER = "YouTube OAuth token endpoint"
_OAUTH_SETTINGS = ("MANGAFLOW_YOUTUBE_CLIENT_ID", "MANGAFLOW_YOUTUBE_CLIENT_SECRET",
                   "MANGAFLOW_YOUTUBE_REFRESH_TOKEN")  # fmt: skip
_SECRET_KEYS = ("client_id", "client_secret", "refresh_token")
#: Builds ``(headers, params)`` into a response: one attempt of an authorised call.
Send = Callable[[dict[str, str], dict[str, str]], httpx.Response]


class RedactApiKey(logging.Filter):
    """Masks ``key=<value>`` query parameters in log records (httpx logs request URLs)."""

    _KEY = re.compile(r"([?&]key=)[^&\s\"']+")

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "key=" in message:
            record.msg, record.args = self._KEY.sub(r"\1***", message), ()
        return True


def redact_httpx_logs() -> None:
    """Install :class:`RedactApiKey` on the ``httpx`` logger (once per process)."""
    logger = logging.getLogger("httpx")
    if not any(isinstance(f, RedactApiKey) for f in logger.filters):
        logger.addFilter(RedactApiKey())


@dataclass(frozen=True)
class OAuthClient:
    """The OAuth2 client and the channel's refresh token (values hidden in ``repr``)."""

    client_id: SecretStr
    client_secret: SecretStr
    refresh_token: SecretStr
    source: str  # "settings" or "secretsmanager:<id>"


def _read_secret(secret_id: str, client: Any) -> OAuthClient:
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        raw = client.get_secret_value(SecretId=secret_id).get("SecretString")
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "error")
        raise ConfigError(
            f"MANGAFLOW_YOUTUBE_SECRET_ID {secret_id!r} could not be read from Secrets Manager "
            f"({code}); check the secret's name and this role's secretsmanager:GetSecretValue"
        ) from None
    except BotoCoreError as exc:
        raise ConfigError(f"Secrets Manager could not be reached for MANGAFLOW_YOUTUBE_SECRET_ID "
                          f"({type(exc).__name__})") from None  # fmt: skip
    try:
        data = json.loads(raw) if isinstance(raw, str) else None
    except ValueError:
        data = None
    if not isinstance(data, Mapping):
        raise ConfigError(f"secret {secret_id!r} (MANGAFLOW_YOUTUBE_SECRET_ID) must be a JSON "
                          f"object with {', '.join(_SECRET_KEYS)}")  # fmt: skip
    missing = [k for k in _SECRET_KEYS if not (isinstance(data.get(k), str) and data[k].strip())]
    if missing:
        raise ConfigError(f"secret {secret_id!r} (MANGAFLOW_YOUTUBE_SECRET_ID) lacks "
                          f"{', '.join(missing)}")  # fmt: skip
    client_id, client_secret, refresh_token = (
        SecretStr(str(data[k]).strip()) for k in _SECRET_KEYS
    )
    return OAuthClient(client_id, client_secret, refresh_token, f"secretsmanager:{secret_id}")


def load_oauth(settings: Settings, secrets_client: Any = None) -> OAuthClient | None:
    """The OAuth client from the settings, else from the Secrets Manager secret named by
    ``youtube_secret_id``; None when neither is configured. Half-filled settings are a
    :class:`ConfigError` naming the empty ones."""
    fields = (settings.youtube_client_id, settings.youtube_client_secret,
              settings.youtube_refresh_token)  # fmt: skip
    values = [f.get_secret_value().strip() for f in fields]
    if all(values):
        client_id, client_secret, refresh_token = (SecretStr(v) for v in values)
        return OAuthClient(client_id, client_secret, refresh_token, "settings")
    if any(values):
        empty = [name for name, value in zip(_OAUTH_SETTINGS, values, strict=True) if not value]
        raise ConfigError(f"YouTube OAuth is half configured: set {', '.join(empty)} too (or "
                          "leave all three empty and set MANGAFLOW_YOUTUBE_SECRET_ID)")  # fmt: skip
    secret_id = settings.youtube_secret_id.strip()
    if not secret_id:
        return None
    client = secrets_client or make_client("secretsmanager", settings.aws_region)
    return _read_secret(secret_id, client)


class YouTubeAuth:
    """Picks and applies the credentials of each call (see the module)."""

    def __init__(
        self, settings: Settings, client: httpx.Client, *, secrets_client: Any = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:  # fmt: skip
        self.settings = settings
        self.client = client
        self.token_url = settings.youtube_token_url.strip()
        self._api_key = settings.youtube_api_key
        if self.has_api_key:
            redact_httpx_logs()
        self._secrets_client = secrets_client
        self._clock = clock
        self._lock = threading.Lock()
        self._oauth: OAuthClient | None = None
        self._oauth_loaded = False
        self._token: SecretStr | None = None
        self._expires_at = 0.0
        #: How many times an access token was fetched (observable by tests and logs).
        self.refreshes = 0

    @property
    def has_api_key(self) -> bool:
        return bool(self._api_key.get_secret_value().strip())

    def oauth(self) -> OAuthClient | None:
        """The OAuth client (loaded once), or None when none is configured."""
        with self._lock:
            if not self._oauth_loaded:
                self._oauth = load_oauth(self.settings, self._secrets_client)
                self._oauth_loaded = True
            return self._oauth

    def secrets(self) -> list[str]:
        """Every credential value in use, for scrubbing messages."""
        out = [self._api_key.get_secret_value()]
        if self._token is not None:
            out.append(self._token.get_secret_value())
        if self._oauth is not None:
            out += [self._oauth.client_secret.get_secret_value(),
                    self._oauth.refresh_token.get_secret_value()]  # fmt: skip
        return [s for s in out if s]

    def access_token(self) -> str:
        """A valid access token: the cached one, or a fresh one from the token endpoint."""
        oauth = self.oauth()
        if oauth is None:
            raise ConfigError(
                "this YouTube call needs OAuth (the channel's own data or an upload): set "
                f"{', '.join(_OAUTH_SETTINGS)}, or MANGAFLOW_YOUTUBE_SECRET_ID"
            )
        with self._lock:
            if self._token is None or self._clock() >= self._expires_at:
                self._token, lifetime = self._refresh(oauth)
                margin = min(EXPIRY_MARGIN_SECONDS, lifetime / 2)
                self._expires_at = self._clock() + lifetime - margin
            return self._token.get_secret_value()

    def invalidate(self) -> None:
        """Forget the cached access token (the API refused it)."""
        with self._lock:
            self._token = None
            self._expires_at = 0.0

    def _refresh(self, oauth: OAuthClient) -> tuple[SecretStr, float]:
        form = {"grant_type": "refresh_token", "client_id": oauth.client_id.get_secret_value(),
                "client_secret": oauth.client_secret.get_secret_value(),
                "refresh_token": oauth.refresh_token.get_secret_value()}  # fmt: skip
        try:
            response = self.client.post(self.token_url, data=form,
                                        headers={"Accept": "application/json"})  # fmt: skip
        except httpx.HTTPError as exc:
            raise transport_error(exc, provider=TOKEN_PROVIDER) from exc
        try:
            body: Any = response.json()
        except ValueError:
            body = None
        body = body if isinstance(body, Mapping) else {}
        code = response.status_code
        if code in (400, 401, 403):
            reason = str(body.get("error") or code)[:60]
            raise ProviderAuthError(
                f"{TOKEN_PROVIDER} refused the refresh token ({code} {reason}); re-authorise "
                f"the channel and update the OAuth credentials ({oauth.source})"
            )
        if code >= 300:
            kind = ProviderUnavailable if code >= 500 or code == 429 else ProviderError
            raise kind(f"{TOKEN_PROVIDER} failed ({code})")
        token = body.get("access_token")
        if not isinstance(token, str) or not token:
            raise ProviderUnavailable(f"{TOKEN_PROVIDER} answered without an access_token")
        lifetime = body.get("expires_in", 3600)
        lifetime = float(lifetime) if isinstance(lifetime, int | float) and lifetime > 0 else 3600.0
        self.refreshes += 1
        log.info("YouTube access token refreshed (valid %.0f s, from %s)", lifetime, oauth.source)
        return SecretStr(token), lifetime

    def credentials(self, *, write: bool) -> tuple[dict[str, str], dict[str, str]]:
        """``(headers, params)`` for one call: the API key as ``key=`` for read-only calls
        when there is one, else a bearer token (required for ``write`` calls)."""
        if not write and self.has_api_key:
            return {}, {"key": self._api_key.get_secret_value().strip()}
        if not write and self.oauth() is None:
            raise ConfigError(
                "YouTube Data API calls need credentials: set MANGAFLOW_YOUTUBE_API_KEY "
                f"(read-only) or {', '.join(_OAUTH_SETTINGS)} (or MANGAFLOW_YOUTUBE_SECRET_ID)"
            )
        return {"Authorization": f"Bearer {self.access_token()}"}, {}

    def send(self, attempt: Send, *, write: bool) -> httpx.Response:
        """``attempt(headers, params)`` with this call's credentials; a 401 answered to a
        bearer token refreshes the token and sends the call once more."""
        headers, params = self.credentials(write=write)
        response = attempt(dict(headers), dict(params))
        if response.status_code == 401 and "Authorization" in headers:
            log.info("YouTube refused the access token (401); refreshing it once")
            self.invalidate()
            headers, params = self.credentials(write=write)
            response = attempt(dict(headers), dict(params))
        return response


__all__ = [
    "EXPIRY_MARGIN_SECONDS", "OAuthClient", "RedactApiKey", "YouTubeAuth", "load_oauth",
    "redact_httpx_logs",
]  # fmt: skip
