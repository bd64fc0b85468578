"""Approval: only approved versions answer customers; a newer approved version replaces the
older one; rejected versions leave the index."""

from __future__ import annotations

import pytest

from mangaflow.platform.errors import Conflict, ValidationError
from mangaflow.platform.ports import VectorFilter
from mangaflow.support import approval, ingest
from mangaflow.support.documents import DocStatus
from mangaflow.support.parts import COLLECTION, Desk
from mangaflow.support.search import search
from mangaflow.support.tenancy import Forbidden
from tests.support.conftest import new_tenant, people

V1 = "Warranty\n\nThe Quillo blender warranty lasts twelve months from the date of purchase."
V2 = "Warranty\n\nThe Quillo blender warranty lasts twenty-four months from the date of purchase."
Q = "How long is the blender warranty?"


def test_a_document_answers_customers_only_after_approval(d: Desk) -> None:
    admin, agent, customer = people(new_tenant())
    v = ingest.upload(d, admin, "warranty.txt", V1.encode())
    assert search(d, customer, Q) == []
    assert [p.doc_id for p in approval.pending(d, admin)] == [v.doc_id]
    with pytest.raises(Forbidden):
        approval.approve(d, agent, v.doc_id, 1)
    done = approval.approve(d, admin, v.doc_id, 1)
    assert done.status is DocStatus.APPROVED and done.decided_by == admin.user_id
    (hit,) = search(d, customer, Q, k=5)
    assert "twelve months" in hit.text and hit.approved
    assert hit.citation() == {"doc_id": v.doc_id, "version": 1, "title": "Warranty", "chunk": 0}
    assert approval.pending(d, admin) == []
    with pytest.raises(Conflict, match="is APPROVED"):
        approval.approve(d, admin, v.doc_id, 1)


def test_a_new_version_replaces_the_old_one_only_once_approved(d: Desk) -> None:
    admin, agent, customer = people(new_tenant())
    v1 = ingest.upload(d, admin, "warranty.txt", V1.encode())
    approval.approve(d, admin, v1.doc_id, 1)
    v2 = ingest.upload(d, admin, "warranty-2025.txt", V2.encode(), doc_id=v1.doc_id)
    assert (v2.doc_id, v2.version) == (v1.doc_id, 2)
    assert v2.blob_key.endswith(f"/documents/{v1.doc_id}/v2/warranty-2025.txt")
    assert [(p.version, "twelve" in p.text) for p in search(d, customer, Q)] == [(1, True)]
    approval.approve(d, admin, v1.doc_id, 2)
    assert [(p.version, "twenty-four" in p.text) for p in search(d, customer, Q)] == [(2, True)]
    doc, versions = approval.document(d, agent, v1.doc_id)
    assert (doc.latest_version, doc.approved_version) == (2, 2)
    assert [v.status for v in versions] == [DocStatus.SUPERSEDED, DocStatus.APPROVED]
    assert d.blobs.exists(v1.blob_key) and d.blobs.exists(v2.blob_key)  # history kept
    # admins still see the superseded draft when they ask for unapproved passages
    assert {p.version for p in search(d, admin, Q, include_unapproved=True)} == {1, 2}


def test_rejection_removes_the_version_from_the_index(d: Desk) -> None:
    admin, _, customer = people(new_tenant())
    v = ingest.upload(d, admin, "warranty.txt", V1.encode())
    with pytest.raises(ValidationError) as err:
        approval.reject(d, admin, v.doc_id, 1, "  ")
    assert err.value.fields == ["reason"]
    done = approval.reject(d, admin, v.doc_id, 1, "outdated terms")
    assert (done.status, done.reason) == (DocStatus.REJECTED, "outdated terms")
    assert d.index.count(COLLECTION, VectorFilter(equals={"tenant": admin.tenant_id})) == 0
    assert d.store.chunks(admin.tenant_id, v.doc_id, 1) == []
    assert search(d, admin, Q, include_unapproved=True) == []
    assert search(d, customer, Q) == []
    with pytest.raises(Conflict, match="REJECTED"):
        approval.approve(d, admin, v.doc_id, 1)


def test_search_checks_its_inputs_and_roles(d: Desk) -> None:
    admin, agent, customer = people(new_tenant())
    with pytest.raises(Forbidden, match="admin"):
        search(d, customer, Q, include_unapproved=True)
    with pytest.raises(Forbidden, match="admin"):
        search(d, agent, Q, include_unapproved=True)
    for bad, name in [({"query": " "}, "query"), ({"query": "x" * 2001}, "query"),
                      ({"k": 0}, "k"), ({"k": 51}, "k")]:  # fmt: skip
        with pytest.raises(ValidationError) as err:
            search(d, customer, **{"query": Q, **bad})  # type: ignore[arg-type]
        assert err.value.fields == [name]
