"""The catalog's routes: semantic search with filters, get by id with field projection,
"similar to", the review queue and decisions, syncs and snapshots. Orphaned entries are hidden
unless ``include_orphaned=true``. Every answer carries the source's attribution (ODbL).

Search embeds the query (CPU work of ~10-30 ms), so these handlers run in the thread pool."""

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from mangaflow.api.deps import Ctx, User
from mangaflow.catalog.domain import ATTRIBUTION
from mangaflow.catalog.events import CatalogSnapshotRequested, CatalogSyncRequested
from mangaflow.catalog.parts import catalog
from mangaflow.catalog.services import review, search

router = APIRouter(prefix="/catalog", tags=["catalog"])
Fields = Annotated[list[str], Query(description="Only these fields (repeat).")]


@router.get("/search")
def get_search(
    user: User, c: Ctx,
    q: Annotated[str, Query(description="What to look for, in words.")],
    type: Annotated[list[str], Query()] = [],  # noqa: A002, B006
    status: Annotated[list[str], Query()] = [],  # noqa: B006
    year_from: int | None = None, year_to: int | None = None,
    tags: Annotated[list[str], Query()] = [],  # noqa: B006
    studios: Annotated[list[str], Query()] = [],  # noqa: B006
    include_orphaned: bool = False, limit: int = 10,
    fields: Fields = [],  # noqa: B006
) -> dict[str, Any]:  # fmt: skip
    query = search.parse_query({
        "query": q, "type": type, "status": status, "year_from": year_from, "year_to": year_to,
        "tags": tags, "studios": studios, "include_orphaned": include_orphaned, "limit": limit,
        "fields": fields})  # fmt: skip
    return {**search.search(catalog(c), query), "attribution": ATTRIBUTION}


@router.get("/anime/{anime_id}")
def get_anime(anime_id: str, user: User, c: Ctx, fields: Fields = [],  # noqa: B006
              include_orphaned: bool = False) -> dict[str, Any]:  # fmt: skip
    return {"anime": search.get(catalog(c), anime_id, fields, include_orphaned),
            "attribution": ATTRIBUTION}  # fmt: skip


@router.get("/anime/{anime_id}/similar")
def get_similar(anime_id: str, user: User, c: Ctx, limit: int = Query(10, ge=1, le=100),
                include_orphaned: bool = False, fields: Fields = []) -> dict[str, Any]:  # noqa: B006  # fmt: skip
    return {**search.similar(catalog(c), anime_id, limit, include_orphaned, fields),
            "attribution": ATTRIBUTION}  # fmt: skip


@router.get("/reviews")
def get_reviews(user: User, c: Ctx) -> dict[str, Any]:
    return {"reviews": [r.model_dump(mode="json") for r in review.queue(catalog(c))]}


class ReviewIn(BaseModel):
    """A reviewer's decision (the reviewer is the caller)."""

    model_config = ConfigDict(extra="forbid")
    action: Literal["approve", "edit", "reject"]
    edits: dict[str, Any] = Field(default_factory=dict)
    note: str = Field(default="", max_length=2000)


class SyncIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    force: bool = False


@router.post("/reviews/{anime_id}")
def post_review(anime_id: str, body: ReviewIn, user: User, c: Ctx) -> dict[str, Any]:
    """Approve, edit (``edits``: field → value) or reject the entry waiting for review."""
    decision = review.parse_decision({**body.model_dump(), "reviewer": user})
    return review.decide(catalog(c), anime_id, decision)


@router.get("/syncs")
def get_syncs(user: User, c: Ctx) -> dict[str, Any]:
    cat = catalog(c)
    return {"syncs": [s.model_dump(mode="json") for s in cat.store.syncs()],
            "source": cat.store.source_version(), "attribution": ATTRIBUTION}  # fmt: skip


@router.post("/syncs", status_code=202)
def post_sync(user: User, c: Ctx, body: SyncIn | None = None) -> dict[str, Any]:
    """Start a sync of the configured source (``force``: even if unchanged); the bus runs it."""
    event = CatalogSyncRequested(userId=user, requestId="api", force=bool(body and body.force))
    c.bus.publish(event)
    return {"accepted": event.detail_type, "eventId": event.event_id}


@router.post("/snapshots", status_code=202)
def post_snapshot(user: User, c: Ctx) -> dict[str, Any]:
    event = CatalogSnapshotRequested(userId=user, requestId="api")
    c.bus.publish(event)
    return {"accepted": event.detail_type, "eventId": event.event_id}
