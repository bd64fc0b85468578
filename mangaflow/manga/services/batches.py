"""Workflows beyond one story (SPEC §3): continuing a story with its next episode, batches of
stories from the user's latest preferences, and panel regeneration through the event bus.

A batch's status moves PENDING → PROCESSING → one of :data:`BATCH_TERMINAL`:

* ``COMPLETED`` every story completed;
* ``PARTIAL``   some stories completed and some failed;
* ``FAILED``    no story completed, or the batch run itself failed or crashed.

Each story of a batch has an outcome ``{"index", "requestId", "storyId", "episodeId",
"status", "error", "startedAt", "finishedAt"}`` whose status is PROCESSING while it runs,
then COMPLETED or FAILED.
"""

from __future__ import annotations

import uuid
from typing import Any, Literal

from mangaflow.manga.domain import keys
from mangaflow.manga.domain.events import (
    BatchWorkflowRequested,
    EpisodeGenerationRequested,
    PanelRegenerationRequested,
)
from mangaflow.manga.domain.preferences import Preferences
from mangaflow.manga.repository import repo
from mangaflow.platform.context import Context
from mangaflow.platform.errors import NotFound, ValidationError
from mangaflow.platform.requests import lifecycle as status
from mangaflow.platform.requests.model import GenerationRequest, utcnow

BatchStatus = Literal["PENDING", "PROCESSING", "COMPLETED", "PARTIAL", "FAILED"]
BATCH_TERMINAL: frozenset[str] = frozenset({"COMPLETED", "PARTIAL", "FAILED"})
MAX_BATCH = 10


# ------------------------------------------------------------------------- continue
def continue_story(c: Context, user_id: str, story_id: str) -> GenerationRequest:
    """Request the next episode of a story. ``NotFound`` for an unknown story or one of another
    user. The episode number is claimed here, so simultaneous calls get N and N+1; the
    ``generate_episode`` flow then writes it from the story bible, the earlier episodes'
    summaries and the story's original preferences."""
    repo(c).get_story(story_id, user_id=user_id)
    number = repo(c).claim_episode_number(story_id, user_id)
    req = GenerationRequest(
        request_id=uuid.uuid4().hex, user_id=user_id, type="EPISODE", story_id=story_id,
        episode_number=number,
    )  # fmt: skip
    repo(c).create_request(req)
    c.bus.publish(EpisodeGenerationRequested(
        userId=user_id, requestId=req.request_id, storyId=story_id, episodeNumber=number,
        storyS3Key=keys.story_md(user_id, story_id),
    ))  # fmt: skip
    return req


# ---------------------------------------------------------------------- regenerate
def publish_regeneration(c: Context, req: GenerationRequest) -> None:
    """Publish ``Panel Regeneration Requested`` for a request made by ``start_regeneration``."""
    assert req.episode_id is not None
    c.bus.publish(PanelRegenerationRequested(
        userId=req.user_id, requestId=req.request_id, episodeId=req.episode_id,
        panel=int(req.params["panel"]),
    ))  # fmt: skip


# ------------------------------------------------------------------------- batches
def start_batch(c: Context, user_id: str, number_of_stories: int) -> dict[str, Any]:
    """Store a batch of ``number_of_stories`` stories made from the user's latest preferences
    and publish ``Batch Workflow Requested``; returns the 202 body. ``ValidationError`` naming
    ``preferences`` when the user never stored any, ``numberOfStories`` when out of range."""
    if not 1 <= number_of_stories <= MAX_BATCH:
        raise ValidationError(
            f"a batch has 1-{MAX_BATCH} stories, not {number_of_stories}",
            details=[{"field": "numberOfStories", "message": f"between 1 and {MAX_BATCH}"}],
        )
    prefs = repo(c).latest_preferences(user_id)
    if prefs is None:
        raise ValidationError(
            "no stored preferences to make the batch's stories from",
            details=[{"field": "preferences",
                      "message": "store preferences first with POST /preferences"}],
        )  # fmt: skip
    batch_id = uuid.uuid4().hex
    repo(c).create_batch(user_id, batch_id, {
        "numberOfStories": number_of_stories, "preferences": prefs.wire(),
        "seed": int(batch_id[:6], 16),
    })  # fmt: skip
    c.bus.publish(BatchWorkflowRequested(userId=user_id, requestId=batch_id, batchId=batch_id,
                                         numberOfStories=number_of_stories))  # fmt: skip
    return {"batchId": batch_id, "requestId": batch_id, "status": "PENDING",
            "statusUrl": f"/status/{batch_id}", "numberOfStories": number_of_stories}  # fmt: skip


def get_batch(c: Context, batch_id: str, user_id: str) -> dict[str, Any]:
    """A batch and each story's outcome in order; ``NotFound`` for an unknown batch or one of
    another user."""
    from mangaflow.manga.services.queries import episode_links

    batch = repo(c).get_batch(batch_id, user_id=user_id)
    stories = []
    for outcome in batch.get("stories", []):
        story = dict(outcome)
        if story.get("status") == "COMPLETED" and story.get("episodeId"):
            story["links"] = episode_links(story["episodeId"])
        stories.append(story)
    return {
        "batchId": batch_id, "requestId": batch_id, "type": "BATCH", "status": batch["status"],
        "numberOfStories": batch["numberOfStories"], "stories": stories,
        "error": batch.get("error"), "createdAt": batch["createdAt"],
        "updatedAt": batch["updatedAt"],
    }  # fmt: skip


def batch_status(outcomes: list[dict[str, Any]]) -> BatchStatus:
    """The final status of a batch whose stories ended with ``outcomes``."""
    completed = sum(1 for o in outcomes if o.get("status") == "COMPLETED")
    if outcomes and completed == len(outcomes):
        return "COMPLETED"
    return "PARTIAL" if completed else "FAILED"


def begin_batch(c: Context, batch_id: str) -> dict[str, Any]:
    """Mark a batch PROCESSING (a redelivered batch resumes after its finished stories)."""
    return repo(c).update_batch(batch_id, status="PROCESSING", error=None)


def batch_preferences(c: Context, batch: dict[str, Any]) -> Preferences:
    """The preferences that were latest when the batch was requested."""
    if batch.get("preferences"):
        return Preferences.model_validate(batch["preferences"])
    prefs = repo(c).latest_preferences(batch["userId"])
    if prefs is None:
        raise NotFound(f"user {batch['userId']} has no stored preferences")
    return prefs


def story_started(c: Context, batch_id: str, index: int, request_id: str) -> dict[str, Any]:
    outcome = {"index": index, "requestId": request_id, "storyId": None, "episodeId": None,
               "status": "PROCESSING", "error": None, "startedAt": utcnow(), "finishedAt": None}  # fmt: skip
    repo(c).update_batch(batch_id, story=outcome)
    return outcome


def story_finished(c: Context, batch_id: str, outcome: dict[str, Any]) -> dict[str, Any]:
    """Record how a story ended, from its request (a request still running is failed)."""
    req = c.requests.get_request(outcome["requestId"])
    if not req.finished:
        req = status.fail(c, req.request_id, "the story's flows ended without finishing it") or req
    done = {**outcome, "storyId": req.story_id, "episodeId": req.episode_id,
            "status": req.status, "error": req.error, "finishedAt": utcnow()}  # fmt: skip
    repo(c).update_batch(batch_id, story=done)
    return done


def finish_batch(c: Context, batch_id: str) -> dict[str, Any]:
    batch = repo(c).get_batch(batch_id)
    return repo(c).update_batch(batch_id, status=batch_status(batch.get("stories", [])))


def fail_batch(c: Context, batch_id: str, error: str) -> dict[str, Any] | None:
    """Mark a batch FAILED (unless it already finished), with the story in flight."""
    try:
        batch = repo(c).get_batch(batch_id)
    except NotFound:
        return None
    if batch["status"] in BATCH_TERMINAL:
        return batch
    for outcome in batch.get("stories", []):
        if outcome.get("status") not in ("COMPLETED", "FAILED"):
            status.fail(c, outcome["requestId"], error)
            repo(c).update_batch(batch_id, story={**outcome, "status": "FAILED",
                                                 "error": error[:2000], "finishedAt": utcnow()})  # fmt: skip
    return repo(c).update_batch(batch_id, status="FAILED", error=error[:2000])
