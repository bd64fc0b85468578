"""Tenant isolation, property-tested: over random tenants, documents (from a small shared
vocabulary, so every query matches text of every tenant) and users, no search by a principal
of one tenant returns another tenant's passage, and no read, approval or new version by id
reaches across tenants."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mangaflow.platform.errors import NotFound
from mangaflow.platform.ports import Embedder, EmbedResult
from mangaflow.support import approval, ingest
from mangaflow.support.documents import Chunk
from mangaflow.support.parts import Desk
from mangaflow.support.search import search
from mangaflow.support.tenancy import Principal
from tests.support.conftest import make_desk, new_tenant

PRODUCTS = ["kettle", "blender", "toaster", "router", "printer"]
FACTS = ["ships in {n} days", "has a {n} year warranty", "weighs {n} kilograms",
         "costs {n} dollars", "supports {n} users"]  # fmt: skip
QUERIES = [f"How much does the {p} {w}?" for p in PRODUCTS for w in ("weigh", "cost")] + [
    "warranty", "shipping time", "users supported"]  # fmt: skip


def _pool() -> list[str]:
    """Fifteen documents over the same five products (so every query matches every tenant)."""
    out = []
    for i in range(15):
        p = PRODUCTS[i % 5]
        facts = [FACTS[(i + k) % 5].format(n=(i * 7 + k) % 9 + 1) for k in range(1 + i % 3)]
        out.append(f"The {p}\n\n" + " ".join(f"The {p} {f}." for f in facts))
    return out


POOL = _pool()
document = st.sampled_from(POOL)
tenant_plan = st.fixed_dictionaries({
    # look-alike ids: one tenant's id is often a prefix of another's
    "stem": st.sampled_from(["acme", "acme-1", "ac", "globex"]),
    "docs": st.lists(st.tuples(document, st.booleans()), min_size=1, max_size=2),  # (text, approve)
    "users": st.lists(st.sampled_from(["admin", "agent", "customer"]), min_size=1, max_size=3),
})  # fmt: skip


class MemoEmbedder(Embedder):
    """The real embedder, computing each distinct text once (the queries repeat)."""

    def __init__(self, real: Embedder) -> None:
        self.real, self.memo = real, {}
        self.name, self.model, self.dim = real.name, real.model, real.dim

    def embed(self, texts: Sequence[str]) -> EmbedResult:
        todo = [t for t in dict.fromkeys(texts) if t not in self.memo]
        if todo:
            self.memo.update(zip(todo, self.real.embed(todo).vectors, strict=True))
        vectors = np.stack([self.memo[t] for t in texts]) if texts else np.zeros((0, self.dim))
        return EmbedResult(vectors.astype(np.float32), self.real.name, self.real.model)


@pytest.fixture(scope="module")
def shared_desk(tmp_path_factory: pytest.TempPathFactory, embedder: Any, index: Any) -> Desk:
    """A desk whose embedder has every pool passage and query embedded in one batch."""
    memo = MemoEmbedder(embedder)
    texts = list(QUERIES)
    for text in POOL:
        prepared = ingest.prepare("doc.txt", text.encode())
        texts += [Chunk(tenant_id="warm", doc_id="d", version=1, chunk=i, title=prepared.title,
                        heading=p.heading, text=p.text, words=p.words).embed_text()
                  for i, p in enumerate(prepared.pieces)]  # fmt: skip
    memo.embed(texts)
    home = Path(tmp_path_factory.mktemp("iso")) / "home"
    return make_desk(home, memo, index)


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])  # fmt: skip
@given(plans=st.lists(tenant_plan, min_size=2, max_size=3),
       queries=st.lists(st.sampled_from(QUERIES), min_size=1, max_size=3))  # fmt: skip
def test_no_route_reaches_another_tenants_knowledge(shared_desk: Desk, plans: list[dict[str, Any]],
                                                     queries: list[str]) -> None:  # fmt: skip
    d = shared_desk
    owned: dict[str, dict[str, bool]] = {}  # tenant -> doc_id -> approved
    users: list[Principal] = []
    for i, plan in enumerate(plans):
        tenant = new_tenant(plan["stem"])
        admin = Principal(tenant, f"admin{i}", frozenset({"admin"}))
        owned[tenant] = {}
        for j, (text, approve) in enumerate(plan["docs"]):
            v = ingest.upload(d, admin, f"doc{j}.txt", text.encode())
            if approve:
                approval.approve(d, admin, v.doc_id, 1)
            owned[tenant][v.doc_id] = approve
        users += [Principal(tenant, f"u{i}-{k}", frozenset({role}))
                  for k, role in enumerate(plan["users"])]  # fmt: skip
        users.append(admin)

    for user in users:
        mine = owned[user.tenant_id]
        for q in queries:
            for p in search(d, user, q, k=10):
                assert p.doc_id in mine and mine[p.doc_id], (user, p)  # own and approved
            if user.has("admin"):
                drafts = search(d, user, q, k=10, include_unapproved=True)
                assert {p.doc_id for p in drafts} <= set(mine)
                assert drafts  # every tenant has a document, and any query finds something
        for tenant, docs in owned.items():
            if tenant == user.tenant_id:
                continue
            for doc_id in docs:
                with pytest.raises(NotFound):
                    d.store.get_document(user.tenant_id, doc_id)
                with pytest.raises(NotFound):
                    d.store.get_version(user.tenant_id, doc_id, 1)
                with pytest.raises(NotFound):
                    d.store.get_chunk(user.tenant_id, doc_id, 1, 0)
                if user.has("agent"):
                    with pytest.raises(NotFound):
                        approval.document(d, user, doc_id)
                if user.has("admin"):
                    with pytest.raises(NotFound):
                        approval.approve(d, user, doc_id, 1)
                    with pytest.raises(NotFound):
                        approval.reject(d, user, doc_id, 1, "not yours")
                    with pytest.raises(NotFound):
                        ingest.upload(d, user, "x.txt", b"The kettle ships in 2 days.",
                                      doc_id=doc_id)  # fmt: skip
        if user.has("agent"):
            assert {doc.doc_id for doc in approval.documents(d, user)} == set(mine)
