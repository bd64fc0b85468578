"""Documents through the event bus: an upload stores the file and publishes
``support.document.uploaded`` (the ingestion flow extracts, chunks, embeds and indexes it,
then waits for an admin); a decision applies at once and publishes
``support.document.decided`` so a waiting ingestion run resumes."""

from __future__ import annotations

from typing import Literal

from mangaflow.platform.errors import ValidationError
from mangaflow.support import approval
from mangaflow.support.documents import DocumentVersion
from mangaflow.support.events import SupportDocumentDecided, SupportDocumentUploaded
from mangaflow.support.ingest import upload
from mangaflow.support.service import Support
from mangaflow.support.tenancy import Principal

#: Who the ingestion flow acts as: an admin of the document's tenant, and no one else's.
SYSTEM_USER = "system:ingest"


def system(tenant_id: str) -> Principal:
    return Principal(tenant_id, SYSTEM_USER, frozenset({"admin"}))


def submit(
    sup: Support, principal: Principal, filename: str, data: bytes, *, title: str | None = None,
    doc_id: str | None = None,
) -> DocumentVersion:  # fmt: skip
    """Store an upload (refused with the reason, nothing stored, when it is too big, of the
    wrong type, unreadable or carries instructions for the agent) and start its ingestion."""
    v = upload(sup.desk, principal, filename, data, title=title, doc_id=doc_id, run_ingest=False)
    sup.desk.c.bus.publish(SupportDocumentUploaded(
        userId=principal.user_id, requestId=f"{v.doc_id}-v{v.version}", tenantId=v.tenant_id,
        docId=v.doc_id, version=v.version,
    ))  # fmt: skip
    return v


def decide(
    sup: Support, principal: Principal, doc_id: str, version: int,
    decision: Literal["approve", "reject"], reason: str = "",
) -> DocumentVersion:  # fmt: skip
    """Approve or reject a version (admins) and tell a waiting ingestion run."""
    if decision == "approve":
        v = approval.approve(sup.desk, principal, doc_id, version)
    elif decision == "reject":
        v = approval.reject(sup.desk, principal, doc_id, version, reason or "rejected")
    else:
        raise ValidationError(f"unknown decision {decision!r}",
                              details=[{"field": "decision", "message": "approve or reject"}])  # fmt: skip
    sup.desk.c.bus.publish(SupportDocumentDecided(
        userId=principal.user_id, requestId=f"{doc_id}-v{version}", tenantId=v.tenant_id,
        docId=doc_id, version=version, decision=decision, flowRunId=v.flow_run_id,
    ))  # fmt: skip
    return v
