"""Dependencies every router shares: the context (the wired services) and the caller's user
id (or all verified claims) from a bearer JWT, rate-limited per user. ``create_app`` puts what they need on
``app.state`` (``context``, ``tokens``, ``limiter``)."""

from typing import Annotated, Any

from fastapi import Depends, Header, Request

from mangaflow.api import errors
from mangaflow.api.auth import AuthError, subject
from mangaflow.api.errors import ApiError
from mangaflow.platform.context import Context


async def context(request: Request) -> Context:
    return request.app.state.context()


def _bearer(request: Request, authorization: str | None) -> str:
    errors.request_id(request)
    if not authorization or not authorization.lower().startswith("bearer "):
        raise ApiError(401, "missing bearer token", headers={"WWW-Authenticate": "Bearer"})
    return authorization[7:].strip()


async def current_user(
    request: Request, authorization: Annotated[str | None, Header()] = None
) -> str:
    token = _bearer(request, authorization)
    try:
        user: str = request.app.state.tokens.user_id(token)
    except AuthError as exc:
        raise ApiError(401, str(exc), headers={"WWW-Authenticate": "Bearer"}) from None
    _limit(request, user)
    return user


async def current_claims(
    request: Request, authorization: Annotated[str | None, Header()] = None
) -> dict[str, Any]:
    """The verified claims of the bearer token (``sub`` usable), rate-limited per user like
    :func:`current_user`; the support product reads tenant and roles from them."""
    token = _bearer(request, authorization)
    try:
        claims: dict[str, Any] = request.app.state.tokens.claims(token)
        user = subject(claims)
    except AuthError as exc:
        raise ApiError(401, str(exc), headers={"WWW-Authenticate": "Bearer"}) from None
    _limit(request, user)
    return claims


def _limit(request: Request, user: str) -> None:
    limiter = request.app.state.limiter
    wait = limiter.retry_after(user)
    if wait is not None:
        raise ApiError(429, f"rate limit of {limiter.per_minute} requests per minute",
                       headers={"Retry-After": str(wait)})  # fmt: skip


User = Annotated[str, Depends(current_user)]
Claims = Annotated[dict[str, Any], Depends(current_claims)]
Ctx = Annotated[Context, Depends(context)]
