"""``run_batch``: a batch of stories from the user's latest preferences, ONE AFTER ANOTHER.

Each story is a new request (seed = the batch's seed + its index, so stories differ) taken
through story → episode 1 → images to the end before the next one starts. A failed story is
recorded on the batch and the batch goes on; the batch ends COMPLETED, PARTIAL or FAILED
(see :mod:`mangaflow.manga.services.batches`).

The stage flows still publish their follow-up events. On the inline bus the batch runs those
very events itself through ``run_once``, which claims their ids (a failed one is claimed
again), so when the bus delivers them later they do nothing: a story is never generated
twice, nor alongside the next one.
"""

from __future__ import annotations

from typing import Any

from prefect import flow, get_run_logger

from flows.platform.hooks import error_text
from mangaflow.bootstrap import get_context
from mangaflow.manga.domain.events import (
    BatchWorkflowRequested,
    EpisodeGenerationRequested,
    ImageGenerationRequested,
    StoryGenerationRequested,
)
from mangaflow.manga.domain.preferences import Preferences
from mangaflow.manga.domain.records import BatchOutcome
from mangaflow.manga.services import batches as workflows
from mangaflow.manga.services.submit import submit_preferences
from mangaflow.platform.adapters.events.inline import InlineEventBus, in_process_bus
from mangaflow.platform.context import Context
from mangaflow.platform.events import DomainEvent
from mangaflow.platform.requests import lifecycle as status

# The event each stage publishes for the next one (images publishes only its completion).
_NEXT = {
    StoryGenerationRequested.detail_type: EpisodeGenerationRequested.detail_type,
    EpisodeGenerationRequested.detail_type: ImageGenerationRequested.detail_type,
}


def mark_batch_failed(flow: Any, flow_run: Any, state: Any) -> None:
    """``on_failure`` / ``on_crashed`` hook: the batch (and the story in flight) FAILED."""
    event = flow_run.parameters.get("event") or {}
    batch_id = event.get("batchId") if isinstance(event, dict) else None
    if batch_id:
        workflows.fail_batch(get_context(), batch_id, error_text(state))


@flow(name="run-batch", on_failure=[mark_batch_failed], on_crashed=[mark_batch_failed])
def run_batch(event: dict[str, Any]) -> dict[str, Any]:
    """``event``: the detail of ``Batch Workflow Requested``. Returns the finished batch."""
    ev = BatchWorkflowRequested.model_validate(event)
    c = get_context()
    bus = in_process_bus(c.bus, "run_batch")
    log = get_run_logger()
    batch = workflows.begin_batch(c, ev.batch_id)
    prefs = workflows.batch_preferences(c, batch)
    finished = {s.index for s in batch.stories if s.finished}
    for index in range(1, ev.number_of_stories + 1):
        if index in finished:
            continue  # a redelivered batch keeps the stories it already finished
        outcome = _run_story(c, bus, ev, index, prefs, batch.seed + index)
        log.info("batch %s story %d/%d: %s", ev.batch_id, index, ev.number_of_stories,
                 outcome.status)  # fmt: skip
    done = workflows.finish_batch(c, ev.batch_id)
    log.info("batch %s %s", ev.batch_id, done.status)
    return workflows.get_batch(c, ev.batch_id, ev.user_id)


def _run_story(
    c: Context, bus: InlineEventBus, ev: BatchWorkflowRequested, index: int,
    prefs: Preferences, seed: int,
) -> BatchOutcome:  # fmt: skip
    """One story to the end (or to its failure); returns its recorded outcome."""
    from flows.platform.dispatch import run_once  # dispatch imports this module

    req = submit_preferences(c, ev.user_id, prefs, seed=seed, publish=False)
    outcome = workflows.story_started(c, ev.batch_id, index, req.request_id)
    event: DomainEvent | None = StoryGenerationRequested(
        userId=ev.user_id, requestId=req.request_id, seed=seed
    )
    try:
        while event is not None:
            run_once(event)
            event = _follow_up(bus, event)
    except Exception as exc:
        # run_once released the failed event's claim; take it back so the bus's own copy of a
        # follow-up event cannot rerun the stage after the batch recorded the story as failed.
        if event is not None:
            c.requests.claim_event(event.event_id, event.detail_type)
        status.fail(c, req.request_id, f"{type(exc).__name__}: {exc}")  # the hook did already
    return workflows.story_finished(c, ev.batch_id, outcome)


def _follow_up(bus: InlineEventBus, after: DomainEvent) -> DomainEvent | None:
    """The event the stage that handled ``after`` published for the same request."""
    wanted = _NEXT.get(after.detail_type)
    if wanted is None:
        return None
    for event in reversed(bus.published[:]):
        if event.detail_type == wanted and event.request_id == after.request_id:
            return event
    return None
