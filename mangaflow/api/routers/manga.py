"""Manga's routes (SPEC §4): preferences, status, library, downloads, batches, continuing a
story and regenerating a panel. A user sees only their own data (another user's ids answer
404). Generation never runs inside a request: routes store the request and publish an event;
the event bus starts the flows.

Handlers are ``async``: their storage calls are short SQLite/DynamoDB operations, cheaper to
run on the event loop than to hop through the thread pool; downloads (file reads of
megabytes) stay in the thread pool."""

from typing import Any

from fastapi import APIRouter
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from mangaflow.api.deps import Ctx, User
from mangaflow.manga.domain.preferences import Preferences
from mangaflow.manga.services import queries
from mangaflow.manga.services.submit import submit_preferences

router = APIRouter()


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


@router.post("/preferences", status_code=202, response_model=Accepted, tags=["generation"])
async def post_preferences(prefs: Preferences, user: User, c: Ctx) -> Accepted:
    req = submit_preferences(c, user, prefs)
    return Accepted(requestId=req.request_id, status=req.status,
                    statusUrl=f"/status/{req.request_id}")  # fmt: skip

@router.get("/status/{request_id}", tags=["generation"])
async def get_status(request_id: str, user: User, c: Ctx) -> dict[str, Any]:
    return queries.status(c, user, request_id)

@router.get("/stories", tags=["library"])
async def list_stories(user: User, c: Ctx) -> dict[str, Any]:
    return {"stories": queries.stories(c, user)}

@router.get("/stories/{story_id}", tags=["library"])
async def get_story(story_id: str, user: User, c: Ctx) -> dict[str, Any]:
    return queries.story(c, user, story_id)

@router.get("/episodes/{episode_id}", tags=["library"])
async def get_episode(episode_id: str, user: User, c: Ctx) -> dict[str, Any]:
    return queries.episode(c, user, episode_id)

@router.get("/episodes/{episode_id}/{kind}", tags=["library"],
         responses={200: {"content": {"application/pdf": {},
                                      "application/vnd.comicbook+zip": {}}},
                    307: {"description": "S3 store: redirect to a 5-minute download URL"}})  # fmt: skip
def download(episode_id: str, kind: str, user: User, c: Ctx) -> Response:
    """The file itself (local store), or a 307 redirect to a URL valid for 5 minutes (S3:
    a Lambda response cannot carry a large episode)."""
    key, media, name = queries.download_source(c, user, episode_id, kind)
    url = c.blobs.download_url(key, name)
    if url is not None:
        return RedirectResponse(url, status_code=307)
    return Response(c.blobs.get(key), media_type=media,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})

@router.post("/workflow/start", status_code=202, tags=["generation"])
async def start_workflow(body: BatchIn, user: User, c: Ctx) -> dict[str, Any]:
    from mangaflow.manga.services.batches import start_batch

    return start_batch(c, user, body.numberOfStories)

@router.post("/stories/{story_id}/episodes", status_code=202, response_model=Accepted,
          tags=["generation"])  # fmt: skip
async def continue_story(story_id: str, user: User, c: Ctx) -> Accepted:
    from mangaflow.manga.services.batches import continue_story as start

    req = start(c, user, story_id)
    return Accepted(requestId=req.request_id, status=req.status,
                    statusUrl=f"/status/{req.request_id}")  # fmt: skip

@router.post("/episodes/{episode_id}/panels/{panel}/regenerate", status_code=202,
          response_model=Accepted, tags=["generation"])  # fmt: skip
async def regenerate(
    episode_id: str, panel: int, user: User, c: Ctx, body: RegenerateIn | None = None
) -> Accepted:
    from mangaflow.manga.services.batches import publish_regeneration
    from mangaflow.manga.services.regenerate import start_regeneration

    req = start_regeneration(c, user, episode_id, panel, body.prompt if body else None)
    publish_regeneration(c, req)
    return Accepted(requestId=req.request_id, status=req.status,
                    statusUrl=f"/status/{req.request_id}")  # fmt: skip



@router.post("/requests/{request_id}/resume", status_code=202, response_model=Accepted,
             tags=["generation"])  # fmt: skip
async def resume(request_id: str, user: User, c: Ctx) -> Accepted:
    """Continue a FAILED request (or one whose process died) from where it stopped; 409 when
    it is completed, running or still queued."""
    from mangaflow.manga.services.resume import resume as reopen

    req = reopen(c, user, request_id)
    return Accepted(requestId=req.request_id, status=req.status,
                    statusUrl=f"/status/{req.request_id}")  # fmt: skip
