"""Support knowledge: documents, their versions and chunks.

A :class:`Document` is a tenant's piece of knowledge under a stable ``doc_id``; each upload
makes a new :class:`DocumentVersion` that moves through

    UPLOADED → INGESTING → PENDING_APPROVAL → APPROVED | REJECTED
                    ↘ FAILED (reason; ingestion may be retried)   APPROVED → SUPERSEDED

Only an APPROVED version serves answers; approving a newer version supersedes the older one.
A :class:`Chunk` is a passage of a version's text, indexed as one vector point.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, Field

from mangaflow.platform.errors import Conflict
from mangaflow.platform.requests.model import utcnow
from mangaflow.support.tenancy import scoped

Kind = Literal["pdf", "md", "html", "txt"]


class DocStatus(StrEnum):
    UPLOADED = "UPLOADED"
    INGESTING = "INGESTING"
    PENDING_APPROVAL = "PENDING_APPROVAL"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"
    SUPERSEDED = "SUPERSEDED"
    FAILED = "FAILED"


#: Which status may follow which (anything else is a :class:`Conflict`).
TRANSITIONS: dict[DocStatus, frozenset[DocStatus]] = {
    DocStatus.UPLOADED: frozenset({DocStatus.INGESTING}),
    DocStatus.INGESTING: frozenset({DocStatus.PENDING_APPROVAL, DocStatus.FAILED}),
    DocStatus.FAILED: frozenset({DocStatus.INGESTING}),
    DocStatus.PENDING_APPROVAL: frozenset({DocStatus.APPROVED, DocStatus.REJECTED}),
    DocStatus.APPROVED: frozenset({DocStatus.SUPERSEDED}),
    DocStatus.SUPERSEDED: frozenset(),
    DocStatus.REJECTED: frozenset(),
}


class Document(BaseModel):
    """A tenant's document: its title and which versions exist / serve answers."""

    tenant_id: str
    doc_id: str
    title: str
    created_by: str
    created_at: str = Field(default_factory=utcnow)
    updated_at: str = Field(default_factory=utcnow)
    latest_version: int = 0
    approved_version: int | None = None


class DocumentVersion(BaseModel):
    """One upload of a document: its file, where the bytes live and where it stands."""

    tenant_id: str
    doc_id: str
    version: int
    title: str
    filename: str
    kind: Kind
    size: int
    sha256: str
    blob_key: str
    uploaded_by: str
    status: DocStatus = DocStatus.UPLOADED
    reason: str = ""  # why it FAILED or was REJECTED
    chunks: int = 0
    words: int = 0
    decided_by: str = ""  # the admin who approved or rejected it
    flow_run_id: str = ""  # the ingestion run waiting for the decision, if any
    created_at: str = Field(default_factory=utcnow)
    updated_at: str = Field(default_factory=utcnow)

    def moved(self, status: DocStatus, **changes: object) -> DocumentVersion:
        """A copy in ``status`` (checked against :data:`TRANSITIONS`)."""
        if status not in TRANSITIONS[self.status]:
            raise Conflict(
                f"document {self.doc_id!r} version {self.version} is {self.status.value}; "
                f"it cannot become {status.value}",
                details=[{"field": "status", "message": f"allowed next: "
                          f"{sorted(s.value for s in TRANSITIONS[self.status]) or 'none'}"}],
            )  # fmt: skip
        return self.model_copy(update={"status": status, "updated_at": utcnow(), **changes})

    def point_ids(self) -> list[str]:
        return [point_id(self.tenant_id, self.doc_id, self.version, i) for i in range(self.chunks)]


class Chunk(BaseModel):
    """A passage of a version's text (``chunk`` counts from 0 within the version)."""

    tenant_id: str
    doc_id: str
    version: int
    chunk: int
    title: str
    heading: str = ""
    text: str
    words: int

    @property
    def point_id(self) -> str:
        return point_id(self.tenant_id, self.doc_id, self.version, self.chunk)

    def payload(self, approved: bool = False) -> dict[str, object]:
        """The vector point's payload (the tenant is in every one)."""
        return {
            "tenant": self.tenant_id, "doc_id": self.doc_id, "version": self.version,
            "chunk": self.chunk, "title": self.title, "heading": self.heading,
            "text": self.text, "approved": approved,
        }  # fmt: skip

    def embed_text(self) -> str:
        """What is embedded: the passage under its document title and heading."""
        return "\n".join(p for p in (self.title, self.heading, self.text) if p)


def point_id(tenant_id: str, doc_id: str, version: int, chunk: int) -> str:
    """The vector point id of a chunk (tenant-scoped like every key)."""
    return scoped(tenant_id, "DOC", doc_id, f"V{version}", f"C{chunk}")
