"""``support-ingest``: one uploaded document version is extracted, chunked, embedded and
indexed in its tenant's scope (a retried task; a failure leaves it FAILED with the reason
and nothing half-indexed), then the run waits — paused, up to
``MANGAFLOW_SUPPORT_APPROVAL_WAIT_SECONDS`` — for an admin's decision; 0 (the local default)
leaves it PENDING_APPROVAL and the decision applies when it comes. ``support-document-decided``
resumes the waiting run."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from prefect import flow, get_run_logger, task
from prefect.context import FlowRunContext
from prefect.exceptions import FlowPauseTimeout, NotPausedError, ObjectNotFound
from prefect.flow_runs import pause_flow_run, resume_flow_run

from mangaflow.bootstrap import get_context
from mangaflow.support import ingest as ingestion
from mangaflow.support.documents import DocStatus
from mangaflow.support.events import SupportDocumentDecided, SupportDocumentUploaded
from mangaflow.support.service import support
from mangaflow.support.workflow import system
from tasks.policy import retry_transient


@task(name="support-ingest-version", retries=2, retry_delay_seconds=5,
      retry_condition_fn=retry_transient)  # fmt: skip
def ingest_task(tenant_id: str, doc_id: str, version: int) -> dict[str, Any]:
    v = ingestion.ingest(support(get_context()).desk, system(tenant_id), doc_id, version)
    return {"status": v.status.value, "chunks": v.chunks}


@flow(name="support-ingest")
def support_ingest(event: dict[str, Any]) -> dict[str, Any]:
    ev = SupportDocumentUploaded.model_validate(event)
    log = get_run_logger()
    sup = support(get_context())
    result = ingest_task(ev.tenant_id, ev.doc_id, ev.version)
    log.info("%s v%d of %s: %s, %d chunks", ev.doc_id, ev.version, ev.tenant_id,
             result["status"], result["chunks"])  # fmt: skip
    wait = int(sup.desk.settings.support_approval_wait_seconds)
    ctx = FlowRunContext.get()
    if wait <= 0 or ctx is None or ctx.flow_run is None:
        return {**result, "approval": "pending"}
    store = sup.desk.store
    v = store.get_version(ev.tenant_id, ev.doc_id, ev.version)
    if v.status != DocStatus.PENDING_APPROVAL:  # decided already (or failed)
        return {**result, "approval": v.status.value}
    store.put_version(v.model_copy(update={"flow_run_id": str(ctx.flow_run.id)}), was=v.status)
    try:
        pause_flow_run(timeout=wait, poll_interval=10)
    except FlowPauseTimeout:
        log.warning("no decision on %s v%d within %d s; it stays PENDING_APPROVAL",
                    ev.doc_id, ev.version, wait)  # fmt: skip
        return {**result, "approval": "pending"}
    v = store.get_version(ev.tenant_id, ev.doc_id, ev.version)
    log.info("%s v%d %s by %s", ev.doc_id, ev.version, v.status.value, v.decided_by)
    return {**result, "approval": v.status.value}


@flow(name="support-document-decided")
def document_decided(event: dict[str, Any]) -> dict[str, Any]:
    """The decision is already applied; resume the ingestion run that waits for it."""
    ev = SupportDocumentDecided.model_validate(event)
    if not ev.flow_run_id:
        return {"resumed": False}
    try:
        resume_flow_run(UUID(ev.flow_run_id))
    except (NotPausedError, ObjectNotFound, ValueError):
        return {"resumed": False}
    return {"resumed": True}
