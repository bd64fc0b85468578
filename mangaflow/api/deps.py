"""Dependencies every router shares: the context (the wired services) and the caller's user
id from a bearer JWT, rate-limited per user. ``create_app`` puts what they need on
``app.state`` (``context``, ``tokens``, ``limiter``)."""

from typing import Annotated

from fastapi import Depends, Header, Request

from mangaflow.api import errors
from mangaflow.api.auth import AuthError
from mangaflow.api.errors import ApiError
from mangaflow.platform.context import Context


async def context(request: Request) -> Context:
    return request.app.state.context()


async def current_user(
    request: Request, authorization: Annotated[str | None, Header()] = None
) -> str:
    errors.request_id(request)
    if not authorization or not authorization.lower().startswith("bearer "):
        raise ApiError(401, "missing bearer token", headers={"WWW-Authenticate": "Bearer"})
    try:
        user: str = request.app.state.tokens.user_id(authorization[7:].strip())
    except AuthError as exc:
        raise ApiError(401, str(exc), headers={"WWW-Authenticate": "Bearer"}) from None
    limiter = request.app.state.limiter
    wait = limiter.retry_after(user)
    if wait is not None:
        raise ApiError(429, f"rate limit of {limiter.per_minute} requests per minute",
                       headers={"Retry-After": str(wait)})  # fmt: skip
    return user


User = Annotated[str, Depends(current_user)]
Ctx = Annotated[Context, Depends(context)]
