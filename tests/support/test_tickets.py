"""Tickets, conversations and agent configuration on a real SQLite item table: roles,
status and time indexes, redacted storage, and tenant isolation over random tenants/users."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mangaflow.platform.errors import Conflict, NotFound, ValidationError
from mangaflow.support.tenancy import Forbidden
from mangaflow.support.tickets import Citation, ToolCallRecord
from tests.support.agent_parts import Parts, make_parts, who

ALICE, BOB = who("acme", "alice"), who("acme", "bob")
AGENT, ADMIN = who("acme", "ann", "agent"), who("acme", "root", "admin")
EVE = who("globex", "eve", "agent")


@pytest.fixture
def parts(tmp_path: Path) -> Parts:
    return make_parts(tmp_path)


def test_a_customer_opens_and_reads_own_tickets_newest_first(parts: Parts) -> None:
    s = parts.tickets
    first = s.create_ticket(ALICE, "Parcel missing", "Order ORD-1001 never came")
    second = s.create_ticket(ALICE, "Wrong size", priority="low")
    assert s.get_ticket(ALICE, first.ticket_id).subject == "Parcel missing"
    assert [t.ticket_id for t in s.tickets_of(ALICE)] == [second.ticket_id, first.ticket_id]
    assert (second.status, second.priority, second.customer_id) == ("open", "low", "alice")


def test_customers_cannot_see_each_others_tickets(parts: Parts) -> None:
    s = parts.tickets
    ticket = s.create_ticket(ALICE, "Parcel missing")
    with pytest.raises(NotFound):
        s.get_ticket(BOB, ticket.ticket_id)
    with pytest.raises(Forbidden):
        s.tickets_of(BOB, "alice")
    with pytest.raises(Forbidden):
        s.tickets_by_status(BOB, "open")
    assert s.get_ticket(AGENT, ticket.ticket_id).ticket_id == ticket.ticket_id
    assert [t.ticket_id for t in s.tickets_of(AGENT, "alice")] == [ticket.ticket_id]


def test_another_tenant_finds_nothing_even_as_agent(parts: Parts) -> None:
    ticket = parts.tickets.create_ticket(ALICE, "Parcel missing")
    with pytest.raises(NotFound):
        parts.tickets.get_ticket(EVE, ticket.ticket_id)
    assert parts.tickets.tickets(EVE) == []
    assert parts.tickets.tickets_by_status(EVE, "open") == []


def test_status_index_moves_with_the_ticket_most_recent_first(parts: Parts) -> None:
    s = parts.tickets
    a, b, c = (s.create_ticket(ALICE, f"Issue {i}") for i in range(3))
    s.update_ticket(AGENT, a.ticket_id, status="pending")
    s.update_ticket(AGENT, c.ticket_id, status="pending")
    assert [t.ticket_id for t in s.tickets_by_status(AGENT, "pending")] == [
        c.ticket_id,
        a.ticket_id,
    ]
    assert [t.ticket_id for t in s.tickets_by_status(AGENT, "open")] == [b.ticket_id]
    assert [t.ticket_id for t in s.tickets(AGENT)] == [c.ticket_id, b.ticket_id, a.ticket_id]


def test_ticket_changes_need_an_agent_and_closed_stays_closed(parts: Parts) -> None:
    s = parts.tickets
    t = s.create_ticket(ALICE, "Parcel missing")
    with pytest.raises(Forbidden):
        s.update_ticket(ALICE, t.ticket_id, status="resolved")
    with pytest.raises(ValidationError) as err:
        s.update_ticket(AGENT, t.ticket_id, status="done")  # type: ignore[arg-type]
    assert err.value.fields == ["status"]
    s.update_ticket(AGENT, t.ticket_id, status="closed")
    with pytest.raises(Conflict):
        s.update_ticket(AGENT, t.ticket_id, status="open")
    assert s.get_ticket(ALICE, t.ticket_id).status == "closed"


def test_escalation_queues_the_ticket_for_a_human(parts: Parts) -> None:
    s = parts.tickets
    conv = s.start_conversation(ALICE)
    t = s.create_ticket(ALICE, "Charged twice", conversation_id=conv.conversation_id)
    s.escalate_ticket(ALICE, t.ticket_id, "call me on 415 555 0132")
    assert s.get_ticket(AGENT, t.ticket_id).status == "escalated"
    queue = s.escalations(AGENT)
    assert [(e["ticket_id"], e["reason"]) for e in queue] == [
        (t.ticket_id, "call me on [REDACTED PHONE]")
    ]
    got = s.get_conversation(AGENT, conv.conversation_id)
    assert (got.status, got.ticket_ids) == ("escalated", [t.ticket_id])
    assert [c.conversation_id for c in s.conversations_by_status(AGENT, "escalated")] == [
        conv.conversation_id
    ]
    with pytest.raises(NotFound):
        s.escalate_ticket(BOB, t.ticket_id, "not mine")


def test_bad_ids_name_the_field(parts: Parts) -> None:
    with pytest.raises(ValidationError) as err:
        parts.tickets.get_ticket(ALICE, "../../etc")
    assert err.value.fields == ["ticket_id"]
    with pytest.raises(ValidationError) as err:
        parts.tickets.get_conversation(ALICE, "cv-nope")
    assert err.value.fields == ["conversation_id"]


def test_messages_are_stored_redacted_in_order(parts: Parts) -> None:
    s = parts.tickets
    conv = s.start_conversation(ALICE)
    cid = conv.conversation_id
    s.append_message(ALICE, cid, "user", "I am jane@example.com, card 4111-1111-1111-1111")
    call = ToolCallRecord(name="update_contact_preference", args={"note": "mail jane@example.com"},
                          status="ok", result={"echo": "+1 415 555 0132"})  # fmt: skip
    s.append_message(ALICE, cid, "tool", "{}", tool_calls=[call])
    cite = Citation(n=1, doc_id="refunds", version=1, title="Refunds", chunk=0, score=0.8)
    s.append_message(ALICE, cid, "assistant", "Refunds take 5 days. [1]", citations=[cite])
    got = s.get_conversation(ALICE, cid)
    assert [m.seq for m in got.messages] == [1, 2, 3]
    assert got.messages[0].text == "I am [REDACTED EMAIL], card [REDACTED CARD]"
    assert got.messages[1].tool_calls[0].args == {"note": "mail [REDACTED EMAIL]"}
    assert got.messages[1].tool_calls[0].result == {"echo": "[REDACTED PHONE]"}
    assert got.messages[2].citations == [cite]
    with pytest.raises(NotFound):
        s.get_conversation(BOB, cid)
    assert [c.conversation_id for c in s.conversations_of(ALICE)] == [cid]
    assert s.conversations_of(BOB) == []


# ------------------------------------------------------------------------ agent configuration
def test_defaults_until_an_admin_saves_a_config(parts: Parts) -> None:
    config = parts.configs.for_tenant("acme")
    assert config.model == "offline" and "search_knowledge" in config.tools
    assert config.actions == [] and {t.name for t in config.denied_topics} >= {"self_harm"}
    saved = parts.configs.update(ADMIN, {"actions": ["check_order_status"], "max_turns": 3})
    assert parts.configs.for_tenant("acme").actions == ["check_order_status"]
    assert (saved.rev, saved.updated_by) == (1, "root")
    assert parts.configs.for_tenant("globex").actions == []  # another tenant keeps defaults


def test_only_admins_manage_the_config(parts: Parts) -> None:
    with pytest.raises(Forbidden):
        parts.configs.update(AGENT, {"max_turns": 2})
    with pytest.raises(Forbidden):
        parts.configs.get(ALICE)


@pytest.mark.parametrize(("change", "field"), [
    ({"tools": ["search_knowledge", "rm_rf"]}, "tools[1]"),
    ({"actions": ["refund_everything"]}, "actions[0]"),
    ({"model": "gpt-9000"}, "model"),
    ({"max_turns": 0}, "max_turns"),
    ({"colour": "red"}, "colour"),
    ({"rev": 7}, "rev"),
    ({"denied_topics": [{"name": "x", "phrases": ["a"]}]}, "denied_topics[0].name"),
])  # fmt: skip
def test_bad_config_names_the_field_and_saves_nothing(
    parts: Parts, change: dict, field: str
) -> None:
    with pytest.raises(ValidationError) as err:
        parts.configs.update(ADMIN, change)
    assert field in err.value.fields
    assert parts.table.get("TENANT#acme#AGENT", "CONFIG") is None


# -------------------------------------------------------------------------------- isolation
_tenant = st.sampled_from(["acme", "globex", "initech", "umbrella"])
_user = st.sampled_from(["u1", "u2", "u3"])
_role = st.sampled_from(["customer", "agent", "admin"])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records=st.lists(st.tuples(_tenant, _user), min_size=1, max_size=8),
       readers=st.lists(st.tuples(_tenant, _user, _role), min_size=1, max_size=4))  # fmt: skip
def test_no_store_read_returns_another_tenants_ticket(records: list, readers: list) -> None:
    with tempfile.TemporaryDirectory() as home:
        s = make_parts(Path(home)).tickets
        made = []
        for tenant, user in records:
            p = who(tenant, user)
            conv = s.start_conversation(p)
            made.append(s.create_ticket(p, f"help {user}", conversation_id=conv.conversation_id))
            s.append_message(p, conv.conversation_id, "user", f"secret of {tenant}")
        for tenant, user, role in readers:
            p = who(tenant, user, role)
            seen = list(s.tickets_of(p))
            if p.has("agent"):
                seen += s.tickets(p) + s.tickets_by_status(p, "open")
                seen += [t for u in ("u1", "u2", "u3") for t in s.tickets_of(p, u)]
            for t in made:
                try:
                    seen.append(s.get_ticket(p, t.ticket_id))
                except NotFound:
                    assert t.tenant_id != tenant or (not p.has("agent") and t.customer_id != user)
                if t.conversation_id:
                    try:
                        conv = s.get_conversation(p, t.conversation_id)
                    except NotFound:
                        continue
                    assert conv.tenant_id == tenant
                    assert all(m.text == f"secret of {tenant}" for m in conv.messages)
            assert {x.tenant_id for x in seen} <= {tenant}
            if not p.has("agent"):
                assert {x.customer_id for x in seen} <= {user}
