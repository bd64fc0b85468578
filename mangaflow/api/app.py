"""The MangaFlow REST API (SPEC §4). Every route but ``/health`` needs a bearer JWT; a user sees
only their own data (another user's ids answer 404). Generation never runs inside a request:
routes store the request and publish an event; the event bus starts the flows."""


from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from mangaflow.api import errors
from mangaflow.api.auth import AuthError, TokenVerifier, verifier_for
from mangaflow.api.errors import ApiError
from mangaflow.api.request_limits import BodySizeLimit, RateLimiter
from mangaflow.bootstrap import get_context
from mangaflow.manga.domain.preferences import Preferences
from mangaflow.manga.services import queries
from mangaflow.manga.services.submit import submit_preferences
from mangaflow.platform.context import Context

API_VERSION = "1.0"


class Accepted(BaseModel):
    requestId: str
    status: str
    statusUrl: str


class BatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    numberOfStories: int = Field(ge=1, le=10)


class RegenerateIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    prompt: str | None = Field(default=None, min_length=1, max_length=600)


def create_app(
    container: Callable[[], Context] = get_context, verifier: TokenVerifier | None = None
) -> FastAPI:
    """The API; ``container`` supplies the wired services (tests pass their own).

    Handlers are ``async``: their storage calls are short SQLite/DynamoDB operations, cheaper
    to run on the event loop than to hop through the thread pool; downloads (file reads of
    megabytes) stay in the thread pool."""
    settings = container().settings
    app = FastAPI(title="MangaFlow API", version=API_VERSION,
                  description="Personalized manga generation: preferences in, PDF/CBZ out.")  # fmt: skip
    errors.install(app)
    app.add_middleware(BodySizeLimit, max_bytes=settings.api_max_body_bytes)
    if settings.api_cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=settings.api_cors_origins,
                           allow_methods=["GET", "POST"], allow_headers=["*"])  # fmt: skip
    tokens = verifier or verifier_for(settings)
    limiter = RateLimiter(settings.api_rate_per_minute)

    async def services() -> Context:
        return container()

    async def current_user(
        request: Request, authorization: Annotated[str | None, Header()] = None
    ) -> str:
        errors.request_id(request)
        if not authorization or not authorization.lower().startswith("bearer "):
            raise ApiError(401, "missing bearer token", headers={"WWW-Authenticate": "Bearer"})
        try:
            user = tokens.user_id(authorization[7:].strip())
        except AuthError as exc:
            raise ApiError(401, str(exc), headers={"WWW-Authenticate": "Bearer"}) from None
        wait = limiter.retry_after(user)
        if wait is not None:
            raise ApiError(429, f"rate limit of {limiter.per_minute} requests per minute",
                           headers={"Retry-After": str(wait)})  # fmt: skip
        return user

    User = Annotated[str, Depends(current_user)]
    Services = Annotated[Context, Depends(services)]

    @app.get("/health", tags=["meta"])
    async def health() -> dict[str, str]:
        return {"status": "ok", "version": API_VERSION}

    @app.post("/preferences", status_code=202, response_model=Accepted, tags=["generation"])
    async def post_preferences(prefs: Preferences, user: User, c: Services) -> Accepted:
        req = submit_preferences(c, user, prefs)
        return Accepted(requestId=req.request_id, status=req.status,
                        statusUrl=f"/status/{req.request_id}")  # fmt: skip

    @app.get("/status/{request_id}", tags=["generation"])
    async def get_status(request_id: str, user: User, c: Services) -> dict[str, Any]:
        return queries.status(c, user, request_id)

    @app.get("/stories", tags=["library"])
    async def list_stories(user: User, c: Services) -> dict[str, Any]:
        return {"stories": queries.stories(c, user)}

    @app.get("/stories/{story_id}", tags=["library"])
    async def get_story(story_id: str, user: User, c: Services) -> dict[str, Any]:
        return queries.story(c, user, story_id)

    @app.get("/episodes/{episode_id}", tags=["library"])
    async def get_episode(episode_id: str, user: User, c: Services) -> dict[str, Any]:
        return queries.episode(c, user, episode_id)

    @app.get("/episodes/{episode_id}/{kind}", tags=["library"],
             responses={200: {"content": {"application/pdf": {},
                                          "application/vnd.comicbook+zip": {}}},
                        307: {"description": "S3 store: redirect to a 5-minute download URL"}})  # fmt: skip
    def download(episode_id: str, kind: str, user: User, c: Services) -> Response:
        """The file itself (local store), or a 307 redirect to a URL valid for 5 minutes (S3:
        a Lambda response cannot carry a large episode)."""
        key, media, name = queries.download_source(c, user, episode_id, kind)
        url = c.blobs.download_url(key, name)
        if url is not None:
            return RedirectResponse(url, status_code=307)
        return Response(c.blobs.get(key), media_type=media,
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})

    @app.post("/workflow/start", status_code=202, tags=["generation"])
    async def start_workflow(body: BatchIn, user: User, c: Services) -> dict[str, Any]:
        from mangaflow.manga.services.batches import start_batch

        return start_batch(c, user, body.numberOfStories)

    @app.post("/stories/{story_id}/episodes", status_code=202, response_model=Accepted,
              tags=["generation"])  # fmt: skip
    async def continue_story(story_id: str, user: User, c: Services) -> Accepted:
        from mangaflow.manga.services.batches import continue_story as start

        req = start(c, user, story_id)
        return Accepted(requestId=req.request_id, status=req.status,
                        statusUrl=f"/status/{req.request_id}")  # fmt: skip

    @app.post("/episodes/{episode_id}/panels/{panel}/regenerate", status_code=202,
              response_model=Accepted, tags=["generation"])  # fmt: skip
    async def regenerate(
        episode_id: str, panel: int, user: User, c: Services, body: RegenerateIn | None = None
    ) -> Accepted:
        from mangaflow.manga.services.batches import publish_regeneration
        from mangaflow.manga.services.regenerate import start_regeneration

        req = start_regeneration(c, user, episode_id, panel, body.prompt if body else None)
        publish_regeneration(c, req)
        return Accepted(requestId=req.request_id, status=req.status,
                        statusUrl=f"/status/{req.request_id}")  # fmt: skip

    return app
