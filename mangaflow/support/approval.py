"""The admin's review of ingested versions, and reads of a tenant's documents.

:func:`approve` makes a ``PENDING_APPROVAL`` version the one that answers: its points get
``approved: true`` and the previously approved version's points ``approved: false``
(that version becomes ``SUPERSEDED``; its points stay for the record). :func:`reject`
deletes the version's points and chunk records and keeps the version ``REJECTED`` with the
reason. Records change first, under a condition on the version's status (two admins
deciding at once: one wins, the other gets a ``Conflict``); the index follows.
"""

from __future__ import annotations

import logging

from mangaflow.platform.errors import ConditionFailed, Conflict, ValidationError
from mangaflow.platform.ports import Delete, Put
from mangaflow.platform.requests.model import utcnow
from mangaflow.support.documents import DocStatus, Document, DocumentVersion
from mangaflow.support.parts import COLLECTION, Desk
from mangaflow.support.tenancy import Principal, require

log = logging.getLogger(__name__)
MAX_REASON = 500


def approve(desk: Desk, principal: Principal, doc_id: str, version: int) -> DocumentVersion:
    """Let ``version`` of ``doc_id`` serve answers (admins)."""
    require(principal, "admin", "approving documents")
    store, tenant = desk.store, principal.tenant_id
    doc = store.get_document(tenant, doc_id)
    v = store.get_version(tenant, doc_id, version)
    done = v.moved(DocStatus.APPROVED, decided_by=principal.user_id, reason="")
    old: DocumentVersion | None = None
    if doc.approved_version is not None and doc.approved_version != version:
        old = store.get_version(tenant, doc_id, doc.approved_version)
    new_doc = doc.model_copy(update={"approved_version": version, "updated_at": utcnow()})
    ops: list[Put | Delete] = [store.version_put(done, was=v.status),
           store.document_put(new_doc, expect_latest=doc.latest_version)]  # fmt: skip
    if old is not None:
        ops.append(store.version_put(old.moved(DocStatus.SUPERSEDED), was=old.status))
    _decide(desk, ops, doc_id, version)
    # The new version answers before the old one stops (never a moment with neither).
    desk.index.set_payload(COLLECTION, done.point_ids(), {"approved": True})
    if old is not None:
        desk.index.set_payload(COLLECTION, old.point_ids(), {"approved": False})
    log.info("support approve tenant=%s doc=%s v%d by %s", tenant, doc_id, version,
             principal.user_id)  # fmt: skip
    return done


def reject(
    desk: Desk, principal: Principal, doc_id: str, version: int, reason: str
) -> DocumentVersion:
    """Refuse ``version`` of ``doc_id`` (admins): it is taken out of the index."""
    require(principal, "admin", "rejecting documents")
    if not isinstance(reason, str) or not reason.strip() or len(reason) > MAX_REASON:
        raise ValidationError("a reason of 1-500 characters is required to reject a document",
                              details=[{"field": "reason", "message": "1-500 characters"}])  # fmt: skip
    store, tenant = desk.store, principal.tenant_id
    store.get_document(tenant, doc_id)
    v = store.get_version(tenant, doc_id, version)
    done = v.moved(DocStatus.REJECTED, decided_by=principal.user_id, reason=reason.strip())
    _decide(desk, [store.version_put(done, was=v.status)], doc_id, version)
    desk.index.delete(COLLECTION, v.point_ids())
    store.delete_chunks(tenant, doc_id, version, v.chunks)
    log.info("support reject tenant=%s doc=%s v%d by %s", tenant, doc_id, version,
             principal.user_id)  # fmt: skip
    return done


def _decide(desk: Desk, ops: list[Put | Delete], doc_id: str, version: int) -> None:
    try:
        desk.store.table.transact(ops)
    except ConditionFailed as exc:
        raise Conflict(f"document {doc_id!r} version {version} changed meanwhile (another "
                       "admin's decision or a new upload); reload and try again") from exc  # fmt: skip


# -------------------------------------------------------------------- reads


def pending(desk: Desk, principal: Principal) -> list[DocumentVersion]:
    """The tenant's versions waiting for an admin, oldest first."""
    require(principal, "admin", "reviewing documents")
    return desk.store.versions_in(principal.tenant_id, DocStatus.PENDING_APPROVAL)


def documents(desk: Desk, principal: Principal) -> list[Document]:
    """The tenant's documents, newest first (agents and admins)."""
    require(principal, "agent", "listing documents")
    return desk.store.documents(principal.tenant_id)


def document(
    desk: Desk, principal: Principal, doc_id: str
) -> tuple[Document, list[DocumentVersion]]:
    """One of the tenant's documents with its versions (``NotFound`` for another tenant's)."""
    require(principal, "agent", "reading documents")
    doc = desk.store.get_document(principal.tenant_id, doc_id)
    return doc, desk.store.versions(principal.tenant_id, doc_id)
