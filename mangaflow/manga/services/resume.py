"""Resuming a manga request from where it stopped: a FAILED request, one whose process died
(abandoned while PROCESSING) or one that never started (PENDING for longer than
``stale_after_seconds``). Nothing done is paid for twice: the stage events are chosen from what
the request already has (a story, an episode script), and the stages themselves skip finished
work (a written story or episode is returned as is; a panel already stored is not drawn
again). Lettering and export run again: they cost no provider call."""

from __future__ import annotations

from mangaflow.manga.domain import keys
from mangaflow.manga.domain.events import (
    EpisodeGenerationRequested,
    ImageGenerationRequested,
    PanelRegenerationRequested,
    StoryGenerationRequested,
)
from mangaflow.manga.repository import repo
from mangaflow.platform.context import Context
from mangaflow.platform.errors import Conflict, NotFound
from mangaflow.platform.events import DomainEvent
from mangaflow.platform.requests import lifecycle
from mangaflow.platform.requests.model import GenerationRequest

MANGA_TYPES = ("STORY", "EPISODE", "IMAGE", "REGENERATE")


def resume(c: Context, user_id: str, request_id: str) -> GenerationRequest:
    """Reopen the request (PENDING again) and publish the event of the stage it stopped in;
    returns the reopened request. ``NotFound`` for an unknown id or another user's;
    ``Conflict`` saying why for a request that is done, running or just queued."""
    req = c.requests.get_request(request_id, user_id=user_id)
    if req.type not in MANGA_TYPES:
        raise Conflict(f"request {request_id} is a {req.type} request, not a manga one; resume "
                       "it with its product's command (e.g. `mangaflow video resume`)")  # fmt: skip
    lifecycle.check_resumable(c, req)
    event = next_event(c, req)
    why = f"resumed at stage '{req.stage}' after: {req.error or 'its process stopped'}"
    reopened = lifecycle.reopen(c, req, why[:500])
    c.bus.publish(event)
    return reopened


def next_event(c: Context, req: GenerationRequest) -> DomainEvent:
    """The event that restarts ``req`` at the first stage it has not finished."""
    user = req.user_id
    if req.type == "REGENERATE":
        if req.episode_id is None or "panel" not in req.params:
            raise Conflict(f"request {req.request_id} names no panel to regenerate")
        return PanelRegenerationRequested(userId=user, requestId=req.request_id,
                                          episodeId=req.episode_id,
                                          panel=int(req.params["panel"]))  # fmt: skip
    if req.story_id and req.episode_id and _has_script(c, req.episode_id):
        number = req.episode_number or 1
        return ImageGenerationRequested(
            userId=user, requestId=req.request_id, storyId=req.story_id,
            episodeId=req.episode_id, episodeS3Key=keys.episode_md(user, req.story_id, number),
        )  # fmt: skip
    if req.story_id:
        return EpisodeGenerationRequested(
            userId=user, requestId=req.request_id, storyId=req.story_id,
            episodeNumber=req.episode_number or 1, storyS3Key=keys.story_md(user, req.story_id),
        )  # fmt: skip
    return StoryGenerationRequested(userId=user, requestId=req.request_id, seed=req.seed)


def _has_script(c: Context, episode_id: str) -> bool:
    try:
        return repo(c).get_episode(episode_id).written
    except NotFound:
        return False
