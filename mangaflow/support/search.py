"""Searching a tenant's knowledge: passages with citations, ALWAYS filtered by the caller's
tenant and (unless an admin asks for drafts) by approval."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from mangaflow.platform.errors import ValidationError
from mangaflow.platform.ports import VectorFilter
from mangaflow.support.parts import COLLECTION, Desk
from mangaflow.support.tenancy import Principal, require

MAX_QUERY = 2_000
MAX_K = 50


class Passage(BaseModel):
    """A retrieved passage and where it comes from."""

    doc_id: str
    version: int
    title: str
    chunk: int
    score: float
    text: str
    heading: str = ""
    approved: bool = True

    def citation(self) -> dict[str, Any]:
        return {"doc_id": self.doc_id, "version": self.version, "title": self.title,
                "chunk": self.chunk}  # fmt: skip


def tenant_filter(tenant_id: str, *, approved_only: bool = True) -> VectorFilter:
    equals: dict[str, str | int | bool] = {"tenant": tenant_id}
    if approved_only:
        equals["approved"] = True
    return VectorFilter(equals=equals)


def search(desk: Desk, principal: Principal, query: str, k: int = 5, *,
           include_unapproved: bool = False) -> list[Passage]:  # fmt: skip
    """The ``k`` passages of the principal's tenant closest to ``query``, best first
    (customers and up; ``include_unapproved`` — drafts awaiting approval too — is for admins)."""
    require(principal, "customer", "searching the knowledge base")
    if include_unapproved:
        require(principal, "admin", "searching unapproved documents")
    if not isinstance(query, str) or not query.strip() or len(query) > MAX_QUERY:
        raise ValidationError(f"a query of 1-{MAX_QUERY:,} characters is required",
                              details=[{"field": "query", "message": "1-2000 characters"}])  # fmt: skip
    if not isinstance(k, int) or isinstance(k, bool) or not 1 <= k <= MAX_K:
        raise ValidationError(f"k must be 1-{MAX_K} (got {k!r})",
                              details=[{"field": "k", "message": f"1-{MAX_K}"}])  # fmt: skip
    vector = desk.embedder.embed([query.strip()]).vectors[0]
    flt = tenant_filter(principal.tenant_id, approved_only=not include_unapproved)
    hits = desk.index.search(COLLECTION, vector.tolist(), limit=k, filter=flt)
    out = []
    for hit in hits:
        p = hit.payload
        if p.get("tenant") != principal.tenant_id:  # the filter's job; never trust it blindly
            continue
        out.append(Passage(doc_id=p["doc_id"], version=int(p["version"]), title=p["title"],
                           chunk=int(p["chunk"]), score=round(float(hit.score), 4),
                           text=p["text"], heading=p.get("heading", ""),
                           approved=bool(p.get("approved"))))  # fmt: skip
    return out
