"""The support pages on a store with one approved and one pending document in tenant
``local``, a customer's conversation (with a phone number, stored redacted) and an escalated
ticket: approving and rejecting from the page, the tenant picker scoping every page, the
transcript with its citations, tickets by status and the escalation queue."""

from __future__ import annotations

from typing import Any

import pytest

from mangaflow.platform.context import Context
from mangaflow.support.ingest import ingest
from mangaflow.support.service import support
from mangaflow.support.tenancy import Principal
from mangaflow.support.workflow import decide, submit, system
from tests.dashboard.conftest import open_page, texts

DOCS, CONVS, TICKETS = ("pages/support/documents.py", "pages/support/conversations.py",
                        "pages/support/tickets.py")  # fmt: skip
ADMIN = Principal("local", "local", frozenset({"admin"}))
CY = Principal("local", "cy", frozenset({"customer"}))


@pytest.fixture
def seeded(store: Context) -> dict[str, Any]:
    sup = support(store)
    ids = {}
    for name, text in (("refunds.md", "# Refund policy\n\nRefunds are paid back to the card "
                        "within 5 business days.\n"),
                       ("shipping.md", "# Shipping\n\nExpress parcels arrive the next day.\n")):  # fmt: skip
        v = submit(sup, ADMIN, name, text.encode())
        ingest(sup.desk, system("local"), v.doc_id, v.version)
        ids[name] = v.doc_id
    decide(sup, ADMIN, ids["refunds.md"], 1, "approve")
    final = list(sup.agent.chat(CY, "How long do refunds take? My number is +1 415 555 0134"))[-1]
    ticket = sup.tickets.create_ticket(
        CY, "Refund missing", "Still waiting", conversation_id=final.conversation_id
    )  # type: ignore[union-attr]
    sup.tickets.escalate_ticket(CY, ticket.ticket_id, "waited two weeks")
    return {"sup": sup, "ids": ids, "ticket": ticket.ticket_id, "conv": final.conversation_id}  # type: ignore[union-attr]


def _ok(at: Any) -> None:
    assert not at.exception, [e.value for e in at.exception]


def test_documents_page_approves_and_rejects_pending_versions(seeded: dict[str, Any]) -> None:
    at = open_page(DOCS)
    _ok(at)
    shipping = seeded["ids"]["shipping.md"]
    assert f"version 1 of `{shipping}`" in texts(at)
    docs = at.dataframe[0].value
    assert set(docs["doc"]) == set(seeded["ids"].values())
    assert docs.set_index("doc").loc[seeded["ids"]["refunds.md"], "approved version"] == 1

    at.button(key=f"sup_no_{shipping}_1").click().run()  # no reason: refused, named
    _ok(at)
    assert "**reason**" in texts(at)
    at.text_input(key=f"sup_reason_{shipping}_1").input("outdated").run()
    at.button(key=f"sup_no_{shipping}_1").click().run()
    _ok(at)
    assert "Nothing waits for a decision." in texts(at)
    assert seeded["sup"].desk.store.get_version("local", shipping, 1).reason == "outdated"


def test_the_tenant_picker_scopes_every_page(seeded: dict[str, Any]) -> None:
    for page, empty in ((DOCS, "No documents yet"), (CONVS, "No active conversations"),
                        (TICKETS, "No tickets.")):  # fmt: skip
        at = open_page(page)
        at.sidebar.text_input(key="sup_tenant_input").input("globex").run()
        _ok(at)
        assert empty in texts(at) and seeded["ticket"] not in str(
            at.dataframe and at.dataframe[0].value
        )
    at = open_page(DOCS)
    at.sidebar.text_input(key="sup_tenant_input").input("Not A Tenant").run()
    assert "**tenant**" in texts(at)


def test_conversations_page_shows_the_redacted_transcript_with_citations(
    seeded: dict[str, Any],
) -> None:
    at = open_page(CONVS)
    _ok(at)
    at.segmented_control(key="sup_conv_status").set_value("escalated").run()
    _ok(at)
    assert list(at.dataframe[0].value["conversation"]) == [seeded["conv"]]
    shown = "\n".join(str(t.value) for t in at.text) + texts(at)
    assert "[REDACTED PHONE]" in shown and "555 0134" not in shown
    assert "5 business days" in shown
    assert f"[1] Refund policy — {seeded['ids']['refunds.md']} v1" in shown
    assert "tool search_knowledge: ok" in shown


def test_tickets_page_lists_by_status_and_the_escalation_queue(seeded: dict[str, Any]) -> None:
    at = open_page(TICKETS)
    _ok(at)
    assert list(at.dataframe[0].value["ticket"]) == [seeded["ticket"]]
    assert list(at.dataframe[1].value["reason"]) == ["waited two weeks"]
    at.selectbox(key="sup_ticket_status").set_value("open").run()
    _ok(at)
    assert "No open tickets." in texts(at)
    at.selectbox(key="sup_ticket_status").set_value("escalated").run()
    assert list(at.dataframe[0].value["status"]) == ["escalated"]
