"""Support fixtures: a desk on SQLite and local blobs, the real MiniLM embedder (loaded once)
and one embedded Qdrant index for the session (every test uses tenants of its own), plus
documents made for real: PDFs by fpdf2, Markdown, HTML, text."""

from __future__ import annotations

import itertools
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fpdf import FPDF

from mangaflow.bootstrap import build
from mangaflow.platform.adapters.vector.qdrant import QdrantVectorIndex
from mangaflow.platform.ports import VectorFilter
from mangaflow.support.parts import COLLECTION, Desk, desk
from mangaflow.support.tenancy import Principal
from tests.conftest import make_settings

_COUNTER = itertools.count()


@pytest.fixture(scope="session")
def embedder() -> Any:
    from mangaflow.platform.registry import build_embedder

    return build_embedder(make_settings(Path("/nonexistent")))


@pytest.fixture(scope="session")
def index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[QdrantVectorIndex]:
    idx = QdrantVectorIndex(path=str(tmp_path_factory.mktemp("support-qdrant")))
    yield idx
    idx.close()


def make_desk(home: Path, embedder: Any, index: Any) -> Desk:
    return desk(build(make_settings(home)), embedder=embedder, index=index)


@pytest.fixture
def d(tmp_path: Path, embedder: Any, index: Any) -> Desk:
    return make_desk(tmp_path / "home", embedder, index)


def new_tenant(stem: str = "t") -> str:
    """A tenant id no other test uses (the session index is shared)."""
    return f"{stem}-{next(_COUNTER)}-{uuid.uuid4().hex[:6]}"


def people(tenant: str) -> tuple[Principal, Principal, Principal]:
    """An admin, an agent and a customer of ``tenant``."""
    return (Principal(tenant, "ada", frozenset({"admin"})),
            Principal(tenant, "abe", frozenset({"agent"})),
            Principal(tenant, "cy", frozenset({"customer"})))  # fmt: skip


def snapshot(d: Desk, tenant: str) -> tuple[list[tuple[str, str]], list[str], int]:
    """Everything stored anywhere: table rows (all tenants), the tenant's blobs, its points."""
    with sqlite3.connect(d.c.table.path) as conn:  # type: ignore[attr-defined]
        rows = sorted(conn.execute("SELECT pk, sk FROM items").fetchall())
    blobs = d.blobs.list("support/")
    points = d.index.count(COLLECTION, VectorFilter(equals={"tenant": tenant}))
    return rows, blobs, points


def pdf_bytes(paragraphs: list[str], *, title: str = "", encrypt: bool = False,
              text: bool = True) -> bytes:  # fmt: skip
    pdf = FPDF()
    pdf.add_page()
    if title:
        pdf.set_title(title)
    pdf.set_font("helvetica", size=11)
    if text:
        for p in paragraphs:
            pdf.multi_cell(0, 6, p)
            pdf.ln(4)
    else:
        pdf.rect(20, 20, 80, 40, style="F")  # a "scan": marks, no text
    if encrypt:
        pdf.set_encryption(owner_password="owner", user_password="user")
    return bytes(pdf.output())


def words(n: int, topic: str = "widget") -> str:
    """A paragraph of ``n`` words, sentences of ten."""
    vocab = ["the", topic, "ships", "with", "a", "manual", "and", "spare", "parts", "today"]
    out = [vocab[i % 10] for i in range(n)]
    sentences = [" ".join(out[i : i + 10]).capitalize() + "." for i in range(0, n, 10)]
    return " ".join(sentences)
