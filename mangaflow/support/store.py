"""The support knowledge records on the platform's :class:`ItemTable` (single-table keys). The
only code that knows their keys; every key starts with the tenant's partition
(:func:`~mangaflow.support.tenancy.scoped`), so a read with another tenant's id finds nothing.

=================  ========================================  ===================================
item               PK | SK                                   GSI1PK | GSI1SK
=================  ========================================  ===================================
document           TENANT#t#DOC#doc_id | DOC                 TENANT#t#DOCS | created_at#doc_id
version            TENANT#t#DOC#doc_id | VER#000001          TENANT#t#VSTATUS#<status> |
                                                             updated_at#doc_id#000001
chunk              TENANT#t#DOC#doc_id | CHUNK#000001#00000
=================  ========================================  ===================================

Tickets and conversations live in their own store (``mangaflow.support.tickets``) with keys of
their own under the same ``TENANT#t#`` partitions.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mangaflow.platform.errors import NotFound
from mangaflow.platform.ports import Delete, ItemTable, Put
from mangaflow.platform.requests.store import strip_keys
from mangaflow.support.documents import Chunk, DocStatus, Document, DocumentVersion
from mangaflow.support.tenancy import scoped

BATCH = 25  # writes per transaction (DynamoDB allows 100 ops per transaction)


def _doc_pk(tenant_id: str, doc_id: str) -> str:
    return scoped(tenant_id, "DOC", doc_id)


def _ver_sk(version: int) -> str:
    return f"VER#{version:06d}"


def _chunk_sk(version: int, chunk: int | None = None) -> str:
    return f"CHUNK#{version:06d}#" + ("" if chunk is None else f"{chunk:05d}")


def document_item(doc: Document) -> dict[str, Any]:
    return {
        "PK": _doc_pk(doc.tenant_id, doc.doc_id), "SK": "DOC",
        "GSI1PK": scoped(doc.tenant_id, "DOCS"), "GSI1SK": f"{doc.created_at}#{doc.doc_id}",
        **doc.model_dump(mode="json"),
    }  # fmt: skip


def version_item(v: DocumentVersion) -> dict[str, Any]:
    return {
        "PK": _doc_pk(v.tenant_id, v.doc_id), "SK": _ver_sk(v.version),
        "GSI1PK": scoped(v.tenant_id, "VSTATUS", v.status.value),
        "GSI1SK": f"{v.updated_at}#{v.doc_id}#{v.version:06d}",
        **v.model_dump(mode="json"),
    }  # fmt: skip


def chunk_item(c: Chunk) -> dict[str, Any]:
    return {"PK": _doc_pk(c.tenant_id, c.doc_id), "SK": _chunk_sk(c.version, c.chunk),
            **c.model_dump(mode="json")}  # fmt: skip


class SupportStore:
    """Reads and writes documents, versions and chunk records of every tenant; each call
    names the tenant, and an id of another tenant is :class:`NotFound`."""

    def __init__(self, table: ItemTable) -> None:
        self.table = table

    # --------------------------------------------------------------- documents
    def find_document(self, tenant_id: str, doc_id: str) -> Document | None:
        item = self.table.get(_doc_pk(tenant_id, doc_id), "DOC")
        return Document.model_validate(strip_keys(item)) if item else None

    def get_document(self, tenant_id: str, doc_id: str) -> Document:
        doc = self.find_document(tenant_id, doc_id)
        if doc is None:
            raise NotFound(f"no document {doc_id!r}",
                           details=[{"field": "doc_id", "message": "not found"}])  # fmt: skip
        return doc

    def documents(self, tenant_id: str, limit: int | None = None) -> list[Document]:
        rows = self.table.query(scoped(tenant_id, "DOCS"), "", index="GSI1", descending=True,
                                limit=limit)  # fmt: skip
        return [Document.model_validate(strip_keys(r)) for r in rows]

    # ---------------------------------------------------------------- versions
    def get_version(self, tenant_id: str, doc_id: str, version: int) -> DocumentVersion:
        item = self.table.get(_doc_pk(tenant_id, doc_id), _ver_sk(version))
        if item is None:
            raise NotFound(f"no version {version} of document {doc_id!r}",
                           details=[{"field": "version", "message": "not found"}])  # fmt: skip
        return DocumentVersion.model_validate(strip_keys(item))

    def versions(self, tenant_id: str, doc_id: str) -> list[DocumentVersion]:
        rows = self.table.query(_doc_pk(tenant_id, doc_id), "VER#")
        return [DocumentVersion.model_validate(strip_keys(r)) for r in rows]

    def versions_in(
        self, tenant_id: str, status: DocStatus, limit: int | None = None
    ) -> list[DocumentVersion]:
        """A tenant's versions in ``status``, oldest change first (the approval queue)."""
        rows = self.table.query(scoped(tenant_id, "VSTATUS", status.value), "", index="GSI1",
                                limit=limit)  # fmt: skip
        return [DocumentVersion.model_validate(strip_keys(r)) for r in rows]

    def put_version(self, v: DocumentVersion, *, was: DocStatus | None = None,
                    also: Sequence[Put | Delete] = ()) -> None:  # fmt: skip
        """Write ``v`` (only while it is still ``was``, when given) with ``also`` in the same
        transaction."""
        cond = {"status": was.value} if was is not None else None
        self.table.transact([Put(version_item(v), if_equals=cond), *also])

    # ------------------------------------------------------------------ chunks
    def put_chunks(self, chunks: Sequence[Chunk]) -> None:
        for start in range(0, len(chunks), BATCH):
            self.table.transact([Put(chunk_item(c)) for c in chunks[start : start + BATCH]])

    def chunks(self, tenant_id: str, doc_id: str, version: int) -> list[Chunk]:
        rows = self.table.query(_doc_pk(tenant_id, doc_id), _chunk_sk(version))
        return [Chunk.model_validate(strip_keys(r)) for r in rows]

    def get_chunk(self, tenant_id: str, doc_id: str, version: int, chunk: int) -> Chunk:
        item = self.table.get(_doc_pk(tenant_id, doc_id), _chunk_sk(version, chunk))
        if item is None:
            raise NotFound(f"no chunk {chunk} of document {doc_id!r} version {version}",
                           details=[{"field": "chunk", "message": "not found"}])  # fmt: skip
        return Chunk.model_validate(strip_keys(item))

    def delete_chunks(self, tenant_id: str, doc_id: str, version: int, count: int) -> None:
        pk = _doc_pk(tenant_id, doc_id)
        keys = [Delete(pk, _chunk_sk(version, i)) for i in range(count)]
        for start in range(0, len(keys), BATCH):
            self.table.transact(keys[start : start + BATCH])

    # --------------------------------------------------------------- raw ops
    @staticmethod
    def document_put(doc: Document, *, expect_latest: int | None = None, new: bool = False) -> Put:
        """A write of ``doc`` for a transaction: ``new`` (must not exist) or only while its
        ``latest_version`` is still ``expect_latest``."""
        cond = {"latest_version": expect_latest} if expect_latest is not None else None
        return Put(document_item(doc), if_not_exists=new, if_equals=cond)

    @staticmethod
    def version_put(v: DocumentVersion, *, was: DocStatus | None = None, new: bool = False) -> Put:
        cond = {"status": was.value} if was is not None else None
        return Put(version_item(v), if_not_exists=new, if_equals=cond)

    @staticmethod
    def document_delete(tenant_id: str, doc_id: str) -> Delete:
        return Delete(_doc_pk(tenant_id, doc_id), "DOC")

    @staticmethod
    def version_delete(tenant_id: str, doc_id: str, version: int) -> Delete:
        return Delete(_doc_pk(tenant_id, doc_id), _ver_sk(version))
