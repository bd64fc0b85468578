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
from mangaflow.manga.domain.records import BatchOutcome, BatchRecord
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
    repo(c).create_batch(BatchRecord(
        batch_id=batch_id, user_id=user_id, number_of_stories=number_of_stories,
        preferences=prefs, seed=int(batch_id[:6], 16),
    ))  # fmt: skip
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
    for outcome in batch.stories:
        story = outcome.item()
        if outcome.status == "COMPLETED" and outcome.episode_id:
            story["links"] = episode_links(outcome.episode_id)
        stories.append(story)
    return {
        "batchId": batch_id, "requestId": batch_id, "type": "BATCH", "status": batch.status,
        "numberOfStories": batch.number_of_stories, "stories": stories, "error": batch.error,
        "createdAt": batch.created_at, "updatedAt": batch.updated_at,
    }  # fmt: skip


def batch_status(outcomes: list[BatchOutcome]) -> BatchStatus:
    """The final status of a batch whose stories ended with ``outcomes``."""
    completed = sum(1 for o in outcomes if o.status == "COMPLETED")
    if outcomes and completed == len(outcomes):
        return "COMPLETED"
    return "PARTIAL" if completed else "FAILED"


def begin_batch(c: Context, batch_id: str) -> BatchRecord:
    """Mark a batch PROCESSING (a redelivered batch resumes after its finished stories)."""
    return repo(c).update_batch(batch_id, status="PROCESSING", error=None)


def batch_preferences(c: Context, batch: BatchRecord) -> Preferences:
    """The preferences that were latest when the batch was requested."""
    if batch.preferences is not None:
        return batch.preferences
    prefs = repo(c).latest_preferences(batch.user_id)
    if prefs is None:
        raise NotFound(f"user {batch.user_id} has no stored preferences")
    return prefs


def story_started(c: Context, batch_id: str, index: int, request_id: str) -> BatchOutcome:
    outcome = BatchOutcome(index=index, request_id=request_id, story_id=None, episode_id=None,
                           status="PROCESSING", error=None, started_at=utcnow(),
                           finished_at=None)  # fmt: skip
    repo(c).update_batch(batch_id, story=outcome)
    return outcome


def story_finished(c: Context, batch_id: str, outcome: BatchOutcome) -> BatchOutcome:
    """Record how a story ended, from its request (a request still running is failed)."""
    req = c.requests.get_request(outcome.request_id)
    if not req.finished:
        req = status.fail(c, req.request_id, "the story's flows ended without finishing it") or req
    done = outcome.changed(story_id=req.story_id, episode_id=req.episode_id, status=req.status,
                           error=req.error, finished_at=utcnow())  # fmt: skip
    repo(c).update_batch(batch_id, story=done)
    return done


def finish_batch(c: Context, batch_id: str) -> BatchRecord:
    batch = repo(c).get_batch(batch_id)
    return repo(c).update_batch(batch_id, status=batch_status(batch.stories))


def fail_batch(c: Context, batch_id: str, error: str) -> BatchRecord | None:
    """Mark a batch FAILED (unless it already finished), with the story in flight."""
    try:
        batch = repo(c).get_batch(batch_id)
    except NotFound:
        return None
    if batch.status in BATCH_TERMINAL:
        return batch
    for outcome in batch.stories:
        if not outcome.finished:
            status.fail(c, outcome.request_id, error)
            repo(c).update_batch(batch_id, story=outcome.changed(
                status="FAILED", error=error[:2000], finished_at=utcnow()))  # fmt: skip
    return repo(c).update_batch(batch_id, status="FAILED", error=error[:2000])
