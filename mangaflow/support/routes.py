"""The support product's event routes."""

from __future__ import annotations

from mangaflow.platform.routes import Route
from mangaflow.support.events import SupportDocumentDecided, SupportDocumentUploaded

ROUTES = (
    Route(SupportDocumentUploaded, "support-ingest", "ingest",
          "flows/support/ingest.py:support_ingest"),
    Route(SupportDocumentDecided, "support-document-decided", "decided",
          "flows/support/ingest.py:document_decided"),
)  # fmt: skip
