"""The support product's domain events."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from mangaflow.platform.events import DomainEvent


class SupportDocumentUploaded(DomainEvent):
    """Version ``version`` of a tenant's document was stored: ingest it (extract, chunk,
    embed, index) and wait for an admin's decision."""

    detail_type: ClassVar[str] = "support.document.uploaded"
    source: ClassVar[str] = "mangaflow.support"
    tenant_id: str = Field(alias="tenantId")
    doc_id: str = Field(alias="docId")
    version: int = Field(ge=1)


class SupportDocumentDecided(DomainEvent):
    """An admin approved or rejected a version; a waiting ingestion run (``flowRunId``)
    resumes with it."""

    detail_type: ClassVar[str] = "support.document.decided"
    source: ClassVar[str] = "mangaflow.support"
    tenant_id: str = Field(alias="tenantId")
    doc_id: str = Field(alias="docId")
    version: int = Field(ge=1)
    decision: Literal["approve", "reject"]
    flow_run_id: str = Field(default="", alias="flowRunId")
