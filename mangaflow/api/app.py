"""The MangaFlow REST API (SPEC §4): an app factory and one router per product
(:data:`ROUTERS`, the one place a product's API plugs in). Every route but ``/health`` needs a
bearer JWT (see :mod:`mangaflow.api.deps`)."""

from collections.abc import Callable

from fastapi import APIRouter, FastAPI
from fastapi.middleware.cors import CORSMiddleware

from mangaflow.api import errors
from mangaflow.api.auth import TokenVerifier, verifier_for
from mangaflow.api.request_limits import BodySizeLimit, RateLimiter
from mangaflow.api.routers import catalog, manga, platform, support, video
from mangaflow.api.routers.platform import API_VERSION
from mangaflow.bootstrap import get_context
from mangaflow.platform.context import Context

ROUTERS: tuple[APIRouter, ...] = (
    platform.router,
    manga.router,
    catalog.router,
    video.router,
    support.router,
)

__all__ = ["API_VERSION", "ROUTERS", "create_app"]


def create_app(
    context: Callable[[], Context] = get_context, verifier: TokenVerifier | None = None
) -> FastAPI:
    """The API; ``context`` supplies the wired services (tests pass their own)."""
    settings = context().settings
    app = FastAPI(title="MangaFlow API", version=API_VERSION,
                  description="Personalized manga generation (preferences in, PDF/CBZ out), the "
                              "anime catalog, narrated videos from trends, and multi-tenant "
                              "support agents.")  # fmt: skip
    errors.install(app)
    app.add_middleware(BodySizeLimit, max_bytes=settings.api_max_body_bytes,
                       larger=support.LARGE_BODIES)  # fmt: skip
    if settings.api_cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=settings.api_cors_origins,
                           allow_methods=["GET", "POST", "PATCH", "DELETE"], allow_headers=["*"])  # fmt: skip
    app.state.context = context
    app.state.tokens = verifier or verifier_for(settings)
    app.state.limiter = RateLimiter(settings.api_rate_per_minute)
    for router in ROUTERS:
        app.include_router(router)
    return app
