"""``catalog-enrich``: a new entry's enrichment steps run in parallel as tasks (images, each
configured enricher), the entry is assembled and queued for review, and the flow run waits
for the reviewer's :class:`ReviewDecision` (Prefect's pause with typed input) — up to
``MANGAFLOW_CATALOG_REVIEW_WAIT_SECONDS``; 0 (the local default) queues it without waiting and
the decision is applied when it comes. ``catalog-review-decided`` delivers a decision to the
waiting run, or applies it when no run waits any more."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from prefect import flow, get_run_logger, task
from prefect.context import FlowRunContext
from prefect.exceptions import FlowPauseTimeout, NotPausedError, ObjectNotFound
from prefect.flow_runs import pause_flow_run, resume_flow_run

from mangaflow.bootstrap import get_context
from mangaflow.catalog.domain import AnimeEntry, ImageRef, ReviewDecision
from mangaflow.catalog.events import CatalogEntryDiscovered, CatalogReviewDecided
from mangaflow.catalog.parts import catalog
from mangaflow.catalog.services import enrich, review
from tasks.policy import retry_transient


@task(name="catalog-images", retries=2, retry_delay_seconds=5)
def images_task(entry: dict[str, Any]) -> dict[str, Any]:
    refs = enrich.image_step(catalog(get_context()), AnimeEntry.model_validate(entry))
    return {k: v.model_dump(mode="json") for k, v in refs.items()}


@task(name="catalog-enricher", retries=2, retry_delay_seconds=5, retry_condition_fn=retry_transient)
def enricher_task(name: str, entry: dict[str, Any]) -> dict[str, Any]:
    return enrich.enricher_step(catalog(get_context()), name, AnimeEntry.model_validate(entry))


@flow(name="catalog-enrich")
def catalog_enrich(event: dict[str, Any]) -> dict[str, Any]:
    """``event``: the detail of ``catalog.entry.discovered``."""
    ev = CatalogEntryDiscovered.model_validate(event)
    log = get_run_logger()
    cat = catalog(get_context())
    base = enrich.base_entry(ev.anime_id, ev.entry)
    wire = base.model_dump(mode="json")
    images = images_task.submit(wire)
    extra = {name: enricher_task.submit(name, wire) for name in enrich.enricher_names(cat)}
    candidate = enrich.assemble(
        base,
        {k: ImageRef.model_validate(v) for k, v in images.result().items()},
        {name: f.result() for name, f in extra.items()},
    )
    wait = int(cat.settings.catalog_review_wait_seconds)
    ctx = FlowRunContext.get()
    run_id = str(ctx.flow_run.id) if wait > 0 and ctx and ctx.flow_run else None
    enrich.queue_for_review(cat, candidate, run_id)
    log.info("%s (%s) assembled and queued for review", ev.anime_id, candidate.title)
    if run_id is None:
        return {"anime_id": ev.anime_id, "review": "queued"}
    try:
        decision = pause_flow_run(
            wait_for_input=ReviewDecision, timeout=wait,
            poll_interval=int(cat.settings.catalog_review_poll_seconds), key=f"review-{ev.anime_id}",
        )  # fmt: skip
    except FlowPauseTimeout:
        # Nobody decided in time: the review stays queued and is applied when decided.
        item = cat.store.get_review(ev.anime_id)
        if item is not None:
            item.flow_run_id = None
            cat.store.put_review(item)
        log.info("no decision on %s within %d s; it stays in the review queue", ev.anime_id, wait)
        return {"anime_id": ev.anime_id, "review": "queued"}
    log.info("reviewer %s: %s", decision.reviewer, decision.action)
    return review.apply_decision(cat, ev.anime_id, ReviewDecision.model_validate(decision.model_dump()))


@flow(name="catalog-review-decided")
def deliver_review(event: dict[str, Any]) -> dict[str, Any]:
    """Hand a decision to the enrichment run waiting for it; apply it here if none waits."""
    ev = CatalogReviewDecided.model_validate(event)
    log = get_run_logger()
    try:
        resume_flow_run(UUID(ev.flow_run_id), run_input=ev.decision)
        log.info("decision on %s delivered to flow run %s", ev.anime_id, ev.flow_run_id)
        return {"anime_id": ev.anime_id, "delivered_to": ev.flow_run_id}
    except (NotPausedError, FlowPauseTimeout, ObjectNotFound) as exc:  # no run waits any more
        log.info("flow run %s does not wait (%s); applying the decision here", ev.flow_run_id, exc)
    return review.apply_decision(catalog(get_context()), ev.anime_id,
                                 ReviewDecision.model_validate(ev.decision))  # fmt: skip
