"""Human review: the queue, and applying a reviewer's decision. Approval (or an edit) commits
the entry to the item store and the vector index and writes an audit copy
``processed/updated-entries/<id>.json``; rejection drops a new entry (or keeps ours for a
changed one). A decision for an entry whose enrichment flow is waiting is delivered to that
flow run (which then calls :func:`apply_decision`); otherwise it is applied here."""

from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError as PydanticValidationError

from mangaflow.catalog.domain import AnimeEntry, ReviewDecision, ReviewItem
from mangaflow.catalog.events import CatalogReviewDecided
from mangaflow.catalog.parts import Catalog
from mangaflow.catalog.services import index
from mangaflow.platform.errors import Conflict, NotFound, ValidationError
from mangaflow.platform.requests.model import utcnow


def queue(cat: Catalog, limit: int | None = None) -> list[ReviewItem]:
    return cat.store.reviews(limit)


def parse_decision(data: dict[str, Any]) -> ReviewDecision:
    try:
        return ReviewDecision.model_validate(data)
    except PydanticValidationError as exc:
        details = [{"field": ".".join(str(p) for p in e["loc"]) or "decision",
                    "message": e["msg"]} for e in exc.errors()]  # fmt: skip
        raise ValidationError("invalid review decision: " + "; ".join(
            f"{d['field']}: {d['message']}" for d in details), details=details) from exc


def _edited(candidate: AnimeEntry, edits: dict[str, Any]) -> AnimeEntry:
    unknown = sorted(set(edits) - set(AnimeEntry.model_fields))
    if unknown:
        raise ValidationError(f"edits: unknown field(s) {', '.join(unknown)}",
                              details=[{"field": f"edits.{f}", "message": "unknown field"}
                                       for f in unknown])  # fmt: skip
    try:
        return AnimeEntry.model_validate({**candidate.model_dump(mode="json"), **edits})
    except PydanticValidationError as exc:
        details = [{"field": "edits." + ".".join(str(p) for p in e["loc"]), "message": e["msg"]}
                   for e in exc.errors()]  # fmt: skip
        raise ValidationError("invalid edits: " + "; ".join(
            f"{d['field']}: {d['message']}" for d in details), details=details) from exc


def decide(cat: Catalog, anime_id: str, decision: ReviewDecision) -> dict[str, Any]:
    """A reviewer's decision from the dashboard, the API or the CLI."""
    review = cat.store.get_review(anime_id)
    if review is None:
        raise NotFound(f"no review is waiting for anime {anime_id!r}")
    if decision.action == "edit":
        _edited(review.candidate, decision.edits)  # refuse bad edits before anything moves
    if review.flow_run_id:
        cat.c.bus.publish(CatalogReviewDecided(
            userId=decision.reviewer, requestId=anime_id, animeId=anime_id,
            flowRunId=review.flow_run_id, decision=decision.model_dump(mode="json"),
        ))  # fmt: skip
        return {"anime_id": anime_id, "action": decision.action, "delivered_to": review.flow_run_id}
    return apply_decision(cat, anime_id, decision)


def apply_decision(cat: Catalog, anime_id: str, decision: ReviewDecision) -> dict[str, Any]:
    review = cat.store.get_review(anime_id)
    if review is None:
        raise Conflict(f"the review of {anime_id!r} was already decided")
    now = utcnow()
    if decision.action == "reject":
        cat.store.commit_review(anime_id, None)
        if review.kind == "new":
            cat.store.release_lock(anime_id)
        return {"anime_id": anime_id, "action": "reject", "committed": False}
    entry = review.candidate if decision.action == "approve" else _edited(review.candidate, decision.edits)
    entry.updated_at = now
    entry.created_at = entry.created_at or now
    index.index_entries(cat, [entry])
    cat.store.commit_review(anime_id, entry)
    audit = {"entry": entry.model_dump(mode="json"), "review": {
        "kind": review.kind, "reasons": [r.model_dump(mode="json") for r in review.reasons],
        "action": decision.action, "reviewer": decision.reviewer, "note": decision.note,
        "decided_at": now}}  # fmt: skip
    cat.c.blobs.put(f"processed/updated-entries/{anime_id}.json",
                    json.dumps(audit, indent=2).encode(), "application/json")  # fmt: skip
    if review.kind == "new":
        cat.store.release_lock(anime_id)
    cat.store.bump_generation()
    return {"anime_id": anime_id, "action": decision.action, "committed": True}
