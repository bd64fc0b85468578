"""Uploading and ingesting a tenant's documents.

:func:`upload` (admins) checks everything it can before writing anything — type by
extension AND content, size (:data:`~mangaflow.support.extract.MAX_BYTES`, 10 MB), readable
text, prompt-injection screening, at most :data:`~mangaflow.support.extract.MAX_CHUNKS`
(2,000) chunks — so a refused file leaves no record, blob or vector behind. It then records
the new version (``UPLOADED``), stores the bytes under
``blob_prefix(tenant)/documents/<doc_id>/v<n>/<filename>`` and, unless told to leave it to the
ingestion flow, runs :func:`ingest`: chunks are embedded and indexed with
``approved: false`` and the version waits in ``PENDING_APPROVAL`` for an admin
(:mod:`mangaflow.support.approval`). An ingestion that fails (e.g. the embedder is down) takes
its points and chunk records away again and leaves the version ``FAILED`` with the reason;
:func:`ingest` may be run again.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from dataclasses import dataclass
from typing import Any

from mangaflow.platform.errors import ConditionFailed, Conflict, MangaFlowError, ValidationError
from mangaflow.platform.ports import VectorPoint
from mangaflow.platform.requests.model import utcnow
from mangaflow.support.documents import Chunk, DocStatus, Document, DocumentVersion, Kind
from mangaflow.support.extract import (
    CONTENT_TYPES,
    MAX_CHUNKS,
    Piece,
    chunk_blocks,
    extract,
    screen,
    screen_title,
    sniff,
)
from mangaflow.support.parts import COLLECTION, Desk
from mangaflow.support.tenancy import Principal, blob_prefix, require

log = logging.getLogger(__name__)
MAX_TITLE = 200
EMBED_BATCH = 64


@dataclass(frozen=True)
class Prepared:
    """A checked upload, ready to store: its name, kind, title and passages."""

    filename: str
    kind: Kind
    title: str
    pieces: list[Piece]
    words: int


def prepare(filename: str, data: bytes, title: str | None = None) -> Prepared:
    """Check and read an upload in memory; every problem is a ``ValidationError``."""
    if title is not None and (not title.strip() or len(title) > MAX_TITLE):
        raise ValidationError(f"a title of 1-{MAX_TITLE} characters is required",
                              details=[{"field": "title", "message": "1-200 characters"}])  # fmt: skip
    name, kind, text = sniff(filename, data)
    out = extract(name, kind, bytes(data), text)
    screen(name, out)
    pieces = chunk_blocks(out.blocks)
    if len(pieces) > MAX_CHUNKS:
        raise ValidationError(
            f"{name} makes {len(pieces):,} passages; the limit is {MAX_CHUNKS:,} — split it",
            details=[{"field": "file", "message": f"at most {MAX_CHUNKS} chunks"}],
        )
    stem = name.rsplit(".", 1)[0].replace("_", " ").strip()
    doc_title = " ".join((title or out.title or stem).split())[:MAX_TITLE]
    screen_title(name, doc_title)  # the model sees titles beside every passage
    return Prepared(name, kind, doc_title, pieces, out.words)


def _chunks(v: DocumentVersion, prepared: Prepared) -> list[Chunk]:
    return [Chunk(tenant_id=v.tenant_id, doc_id=v.doc_id, version=v.version, chunk=i,
                  title=v.title, heading=p.heading, text=p.text, words=p.words)
            for i, p in enumerate(prepared.pieces)]  # fmt: skip


def upload(
    desk: Desk, principal: Principal, filename: str, data: bytes, *, title: str | None = None,
    doc_id: str | None = None, run_ingest: bool = True,
) -> DocumentVersion:  # fmt: skip
    """Add a document (or, with ``doc_id``, a new version of one) for the principal's tenant.
    Returns the version: ``PENDING_APPROVAL`` after ingestion, ``UPLOADED`` with
    ``run_ingest=False`` (the ingestion flow takes it from there)."""
    require(principal, "admin", "uploading documents")
    prepared = prepare(filename, data, title)
    tenant = principal.tenant_id
    store = desk.store
    now = utcnow()
    if doc_id is None:
        doc = Document(tenant_id=tenant, doc_id=uuid.uuid4().hex[:16], title=prepared.title,
                       created_by=principal.user_id, created_at=now, updated_at=now)  # fmt: skip
        previous = None
    else:
        previous = store.get_document(tenant, doc_id)  # NotFound for another tenant's id
        doc = previous.model_copy(update={"updated_at": now,
                                          "title": title or previous.title})  # fmt: skip
    n = doc.latest_version + 1
    doc = doc.model_copy(update={"latest_version": n})
    key = f"{blob_prefix(tenant)}documents/{doc.doc_id}/v{n}/{prepared.filename}"
    v = DocumentVersion(
        tenant_id=tenant, doc_id=doc.doc_id, version=n, title=doc.title,
        filename=prepared.filename, kind=prepared.kind, size=len(data),
        sha256=hashlib.sha256(data).hexdigest(), blob_key=key, uploaded_by=principal.user_id,
        words=prepared.words, created_at=now, updated_at=now,
    )  # fmt: skip
    ops = [
        store.document_put(doc, new=previous is None,
                           expect_latest=previous.latest_version if previous else None),
        store.version_put(v, new=True),
    ]  # fmt: skip
    try:
        store.table.transact(ops)
    except ConditionFailed as exc:
        raise Conflict(f"document {doc.doc_id!r} changed while uploading; upload again") from exc
    try:
        desk.blobs.put(key, bytes(data), CONTENT_TYPES[prepared.kind])
    except BaseException:
        _unreserve(desk, doc, previous, n)
        raise
    log.info("support upload tenant=%s doc=%s v%d %s (%d bytes, %d chunks)", tenant,
             doc.doc_id, n, prepared.kind, len(data), len(prepared.pieces))  # fmt: skip
    if not run_ingest:
        return v
    return ingest(desk, principal, doc.doc_id, n, prepared=prepared)


def _unreserve(desk: Desk, doc: Document, previous: Document | None, n: int) -> None:
    """Take back the records of a version whose bytes could not be stored."""
    store = desk.store
    undo = [store.version_delete(doc.tenant_id, doc.doc_id, n),
            store.document_delete(doc.tenant_id, doc.doc_id) if previous is None
            else store.document_put(previous, expect_latest=n)]  # fmt: skip
    try:
        store.table.transact(undo)
    except MangaFlowError:
        log.exception("could not take back document %s v%d", doc.doc_id, n)


def ingest(
    desk: Desk, principal: Principal, doc_id: str, version: int, *,
    prepared: Prepared | None = None,
) -> DocumentVersion:  # fmt: skip
    """Chunk, embed and index an ``UPLOADED`` (or ``FAILED``) version of the principal's
    tenant: ``INGESTING`` → ``PENDING_APPROVAL``; on failure nothing stays indexed and the
    version is ``FAILED`` with the reason (the error is raised again)."""
    require(principal, "admin", "ingesting documents")
    store = desk.store
    v = store.get_version(principal.tenant_id, doc_id, version)
    was = v.status
    v = v.moved(DocStatus.INGESTING, reason="")
    try:
        store.put_version(v, was=was)
    except ConditionFailed as exc:
        raise Conflict(f"document {doc_id!r} version {version} is already being ingested") from exc
    chunks: list[Chunk] = []
    try:
        if prepared is None:
            prepared = prepare(v.filename, desk.blobs.get(v.blob_key), v.title)
        chunks = _chunks(v, prepared)
        vectors: list[Any] = []
        for start in range(0, len(chunks), EMBED_BATCH):
            batch = chunks[start : start + EMBED_BATCH]
            vectors.extend(desk.embedder.embed([c.embed_text() for c in batch]).vectors)
        points = [VectorPoint(c.point_id, vec.tolist(), c.payload(approved=False))
                  for c, vec in zip(chunks, vectors, strict=True)]  # fmt: skip
        desk.index.upsert(COLLECTION, points)
        store.put_chunks(chunks)
        done = v.moved(DocStatus.PENDING_APPROVAL, chunks=len(chunks), words=prepared.words)
        store.put_version(done, was=DocStatus.INGESTING)
        return done
    except BaseException as exc:
        _undo_ingest(desk, v, chunks, exc)
        raise


def _undo_ingest(desk: Desk, v: DocumentVersion, chunks: list[Chunk], exc: BaseException) -> None:
    reason = str(exc).splitlines()[0][:300] if str(exc) else type(exc).__name__
    try:
        if chunks:
            desk.index.delete(COLLECTION, [c.point_id for c in chunks])
            desk.store.delete_chunks(v.tenant_id, v.doc_id, v.version, len(chunks))
        desk.store.put_version(v.moved(DocStatus.FAILED, reason=reason), was=DocStatus.INGESTING)
    except Exception:
        log.exception("could not clean up after failed ingestion of %s v%d", v.doc_id, v.version)
    log.warning("support ingestion failed tenant=%s doc=%s v%d: %s", v.tenant_id, v.doc_id,
                v.version, reason)  # fmt: skip
