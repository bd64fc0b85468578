"""Bearer-token authentication: locally issued HS256 tokens (offline) or Cognito RS256.

Every refusal is an :class:`AuthError` with a short reason; reasons never quote the token or
its claims (the API returns them to the caller as the 401 message)."""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import jwt

from mangaflow.platform.config import Settings
from mangaflow.platform.errors import ConfigError

LOCAL_ALGORITHM = "HS256"


class AuthError(Exception):
    """The token is missing, malformed, expired, wrongly signed or for someone else."""


class TokenVerifier(Protocol):
    def user_id(self, token: str) -> str:
        """The user a valid token speaks for; raises :class:`AuthError` otherwise."""
        ...

    def claims(self, token: str) -> dict[str, Any]:
        """All verified claims of a valid token (``sub`` usable); :class:`AuthError` otherwise.
        The support product reads its tenant and roles from them."""
        ...


def token_error(exc: jwt.PyJWTError) -> AuthError:
    """A short, token-free reason for a PyJWT failure."""
    if isinstance(exc, jwt.ExpiredSignatureError):
        return AuthError("token expired")
    if isinstance(exc, jwt.ImmatureSignatureError):
        return AuthError("token not yet valid")
    if isinstance(exc, jwt.MissingRequiredClaimError):
        return AuthError(f"token lacks the {exc.claim!r} claim")
    if isinstance(exc, jwt.InvalidIssuerError):
        return AuthError("wrong token issuer")
    if isinstance(exc, jwt.InvalidAudienceError):
        return AuthError("token is for another client")
    if isinstance(exc, jwt.InvalidAlgorithmError):
        return AuthError("unsupported token algorithm")
    if isinstance(exc, jwt.InvalidSignatureError):
        return AuthError("bad token signature")
    if isinstance(exc, jwt.DecodeError):
        return AuthError("malformed token")
    return AuthError(f"invalid token: {type(exc).__name__}")


def unverified_header(token: str) -> dict[str, Any]:
    """The token's JOSE header, *not* verified: only to pick the algorithm and key."""
    if not isinstance(token, str) or not token:
        raise AuthError("malformed token")
    try:
        return jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise token_error(exc) from None


def subject(claims: dict[str, Any]) -> str:
    sub = claims.get("sub")
    if not isinstance(sub, str) or not sub.strip():
        raise AuthError("token has no usable 'sub' claim")
    return sub


def _create_secret_file(path: Path) -> None:
    """Write a fresh secret to ``path`` atomically (0600); a racing process may win instead.

    The secret is written and synced under a private temporary name, then hard-linked into
    place: ``link`` fails with ``FileExistsError`` if another process got there first, so
    readers never see a partly written file and every process ends up with the same secret."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(6)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(secrets.token_urlsafe(48))
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass  # another process created it first: use theirs
        except OSError:
            # No hard links on this filesystem: exclusive create, then write in place.
            with contextlib.suppress(FileExistsError):
                fd2 = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(fd2, "w", encoding="utf-8") as fh:
                    fh.write(tmp.read_text(encoding="utf-8"))
    finally:
        tmp.unlink(missing_ok=True)


def _read_secret_file(path: Path) -> str:
    # A racing writer on a filesystem without hard links may not have written yet.
    for _ in range(50):
        value = path.read_text(encoding="utf-8").strip()
        if value:
            return value
        time.sleep(0.01)
    raise ConfigError(f"{path} is empty: delete it or set MANGAFLOW_JWT_SECRET")


def local_secret(settings: Settings) -> str:
    """The HS256 secret: from settings, else generated once under MANGAFLOW_HOME (0600)."""
    configured = settings.jwt_secret.get_secret_value()
    if configured:
        return configured
    path = Path(settings.home) / "jwt-secret"
    if not path.exists():
        _create_secret_file(path)
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        with contextlib.suppress(OSError):  # best effort: tighten a loosened secret file
            os.chmod(path, 0o600)
    return _read_secret_file(path)


def issue_local_token(
    settings: Settings, user_id: str, ttl_seconds: int | None = None, *,
    tenant: str | None = None, roles: Sequence[str] = (),
) -> str:  # fmt: skip
    """A local HS256 token for ``user_id``; ``tenant`` and ``roles`` (support: ``admin``,
    ``agent``, ``customer``) become the ``tenant`` and ``roles`` claims when given."""
    now = int(time.time())
    claims: dict[str, Any] = {
        "sub": user_id, "iss": settings.jwt_issuer, "iat": now,
        "exp": now + (ttl_seconds or settings.token_ttl_seconds), "token_use": "access",
    }  # fmt: skip
    if tenant:
        claims["tenant"] = tenant
    if roles:
        claims["roles"] = list(dict.fromkeys(roles))
    return jwt.encode(claims, local_secret(settings), algorithm=LOCAL_ALGORITHM)


class LocalVerifier:
    """Tokens signed with the local secret: HS256 only (``alg: none``, RS256 and every other
    algorithm are refused before any key is used); ``exp``, ``sub`` and ``iss`` required."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.secret = local_secret(settings)

    def claims(self, token: str) -> dict[str, Any]:
        if unverified_header(token).get("alg") != LOCAL_ALGORITHM:
            raise AuthError("unsupported token algorithm")
        try:
            claims: dict[str, Any] = jwt.decode(
                token, self.secret, algorithms=[LOCAL_ALGORITHM], issuer=self.settings.jwt_issuer,
                options={"require": ["exp", "sub", "iss"]})  # fmt: skip
        except jwt.PyJWTError as exc:
            raise token_error(exc) from None
        subject(claims)
        return claims

    def user_id(self, token: str) -> str:
        return subject(self.claims(token))


def verifier_for(settings: Settings) -> TokenVerifier:
    if settings.auth_mode == "local":
        return LocalVerifier(settings)
    from mangaflow.api.cognito import CognitoVerifier

    return CognitoVerifier(settings)
