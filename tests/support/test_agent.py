"""The support agent loop: grounded offline answers with citations from this turn's search
only, streaming, guardrails, PII-redacted transcripts, turn limits and bad input."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mangaflow.platform.errors import ValidationError
from mangaflow.support.agent import OUT_OF_TURNS, Chunk, Final, ToolEvent, ground
from mangaflow.support.answerer import NOT_FOUND
from mangaflow.support.passages import Passage
from tests.support.agent_parts import (
    KNOWLEDGE,
    Parts,
    ScriptedModel,
    make_parts,
    who,
    with_knowledge,
)

ALICE, ANN = who("acme", "alice"), who("acme", "ann", "agent")
GINA = who("globex", "gina")


@pytest.fixture
def parts(tmp_path: Path) -> Parts:
    return with_knowledge(make_parts(tmp_path))


def run(parts: Parts, principal, message: str, model=None, conversation_id=None):  # type: ignore[no-untyped-def]
    events = list(parts.agent(model).chat(principal, message, conversation_id))
    final = events[-1]
    assert isinstance(final, Final) and not any(isinstance(e, Final) for e in events[:-1])
    return events, final


def cited_sentences(answer: str) -> list[tuple[str, int]]:
    """(sentence, n) for each ``sentence [n]`` of an answer."""
    return [(s.strip(), int(n)) for s, n in re.findall(r"(.+?)\s*\[(\d+)\]", answer)]


def approved_text(tenant: str, doc_id: str) -> str:
    return next(d.text for d in KNOWLEDGE[tenant] if d.doc_id == doc_id and d.approved)


def test_offline_answer_is_grounded_in_cited_approved_passages(parts: Parts) -> None:
    events, final = run(parts, ALICE, "How long do refunds take to reach my card?")
    assert final.citations and {c.doc_id for c in final.citations} == {"refunds"}
    pairs = cited_sentences(final.answer)
    assert pairs and re.sub(r"\s*\[\d+\]", "", final.answer).strip() == " ".join(
        s for s, _ in pairs
    )
    by_n = {c.n: c for c in final.citations}
    for sentence, n in pairs:  # every sentence is text of the passage it cites
        assert sentence in approved_text("acme", by_n[n].doc_id)
    assert "5 business days" in final.answer
    assert [e.name for e in events if isinstance(e, ToolEvent)] == ["search_knowledge"]


def test_offline_model_says_it_does_not_know_and_offers_a_ticket(parts: Parts) -> None:
    _, final = run(parts, ALICE, "What is the capital of Mongolia?")
    assert final.answer == NOT_FOUND and "ticket" in final.answer
    assert final.citations == []


def test_unapproved_and_other_tenants_documents_never_answer(parts: Parts) -> None:
    _, acme = run(parts, ALICE, "Are refunds paid in cash?")
    assert "cash" not in acme.answer and {c.doc_id for c in acme.citations} <= {
        "refunds",
        "shipping",
    }
    _, globex = run(parts, GINA, "When are refunds for faulty devices paid?")
    assert {c.doc_id for c in globex.citations} == {"warranty"}
    assert "30 days" in globex.answer


def test_streaming_yields_tool_events_then_chunks_then_final(parts: Parts) -> None:
    model = ScriptedModel(
        {"tool_calls": [{"name": "search_knowledge", "args": {"query": "refund shipping"}}]},
        {"answer": "Refunds take 5 days. [1] Shipping takes 3 to 5 days. [2] Anything else?"},
    )  # fmt: skip
    events, final = run(parts, ALICE, "refunds and shipping?", model)
    kinds = [type(e).__name__ for e in events]
    assert kinds == ["ToolEvent", "Chunk", "Chunk", "Chunk", "Final"]
    chunks = [e.text for e in events if isinstance(e, Chunk)]
    assert "".join(chunks) == final.answer
    assert chunks[0] == "Refunds take 5 days. [1] "


def test_citations_come_only_from_this_turns_search(parts: Parts) -> None:
    first = ScriptedModel(
        {"tool_calls": [{"name": "search_knowledge", "args": {"query": "refund card"}}]},
        {"answer": "Refunds go to your card. [1] Also see [7]."},
    )  # fmt: skip
    _, one = run(parts, ALICE, "refund?", first)
    assert [c.n for c in one.citations] == [1] and "[7]" not in one.answer
    # Next turn: no search, the model cites [1] from memory of the last turn: dropped.
    second = ScriptedModel({"answer": "As I said, refunds go to the card. [1]"})
    _, two = run(parts, ALICE, "and again?", second, one.conversation_id)
    assert two.citations == [] and "[1]" not in two.answer
    stored = parts.tickets.get_conversation(ALICE, one.conversation_id).messages
    assert [len(m.citations) for m in stored if m.role == "assistant"] == [1, 0]


def test_ground_keeps_valid_markers_in_order_of_use() -> None:
    found = [Passage("a", 1, "A", 0, 0.9, "x"), Passage("b", 2, "B", 3, 0.8, "y")]
    text, cites = ground("Y. [2] X. [1] Z. [3] Y again. [2]", found)
    assert text == "Y. [2] X. [1] Z. Y again. [2]"
    assert [(c.n, c.doc_id, c.version, c.chunk) for c in cites] == [(2, "b", 2, 3), (1, "a", 1, 0)]


def test_pii_is_redacted_in_the_stored_transcript_not_in_the_live_reply(parts: Parts) -> None:
    model = ScriptedModel({"answer": "Thanks, I noted jane@example.com and 4111 1111 1111 1111."})
    events, final = run(
        parts, ALICE, "Reach me at jane@example.com, card 4111 1111 1111 1111", model
    )
    live = "".join(e.text for e in events if isinstance(e, Chunk))
    assert "jane@example.com" in live and "4111 1111 1111 1111" in live
    stored = parts.tickets.get_conversation(ALICE, final.conversation_id).messages
    assert [m.role for m in stored] == ["user", "assistant"]
    for m in stored:
        assert "jane@" not in m.text and "4111" not in m.text
        assert "[REDACTED EMAIL]" in m.text and "[REDACTED CARD]" in m.text
    assert "jane@" not in str(parts.table.query(f"TENANT#acme#CONV#{final.conversation_id}"))


def test_denied_topics_are_refused_before_the_model_runs(parts: Parts) -> None:
    model = ScriptedModel({"answer": "Take 400 mg."})
    _, final = run(parts, ALICE, "What dosage of ibuprofen is safe for me?", model)
    assert final.refused_topic == "medical_advice" and "medical advice" in final.answer
    assert model.requests == [] and final.tool_calls == [] and final.citations == []


def test_an_answer_that_strays_into_a_denied_topic_is_replaced(parts: Parts) -> None:
    model = ScriptedModel({"answer": "With your refund you should invest in index funds."})
    _, final = run(parts, ALICE, "What do I do with my refund?", model)
    assert final.refused_topic == "financial_advice" and "index funds" not in final.answer
    stored = parts.tickets.get_conversation(ALICE, final.conversation_id).messages
    assert "index funds" not in stored[-1].text and "financial" in stored[-1].text


def test_self_harm_escalates_to_a_human(parts: Parts) -> None:
    model = ScriptedModel()
    _, final = run(parts, ALICE, "I want to end my life", model)
    assert final.refused_topic == "self_harm" and final.escalated_ticket
    ticket = parts.tickets.get_ticket(ANN, final.escalated_ticket)
    assert (ticket.status, ticket.priority, ticket.customer_id) == ("escalated", "urgent", "alice")
    assert parts.escalator.calls[0][:2] == ("acme", ticket.ticket_id)
    assert model.requests == []
    conv = parts.tickets.get_conversation(ANN, final.conversation_id)
    assert conv.status == "escalated" and conv.ticket_ids == [ticket.ticket_id]


def test_tenant_denied_topics_from_the_admin_config(parts: Parts) -> None:
    parts.configs.update(who("acme", "root", "admin"), {"denied_topics": [
        {"name": "competitors", "phrases": ["globex"], "reply": "Let's talk about Acme."}]})  # fmt: skip
    _, final = run(parts, ALICE, "Is Globex cheaper?")
    assert (final.refused_topic, final.answer) == ("competitors", "Let's talk about Acme.")
    _, medical = run(parts, ALICE, "What dosage should I take?")  # defaults replaced
    assert medical.refused_topic is None


def test_the_model_can_escalate_and_the_final_event_says_so(parts: Parts) -> None:
    model = ScriptedModel({"tool_calls": [{"name": "escalate", "args": {"reason": "angry"}}]},
                          {"answer": "A colleague will contact you."})  # fmt: skip
    _, final = run(parts, ALICE, "I want a human", model)
    assert final.escalated_ticket and parts.escalator.calls
    conv = parts.tickets.get_conversation(ALICE, final.conversation_id)
    assert conv.status == "escalated" and conv.ticket_ids == [final.escalated_ticket]


def test_max_turns_bounds_the_loop(parts: Parts) -> None:
    parts.configs.update(who("acme", "root", "admin"), {"max_turns": 2})
    search = {"tool_calls": [{"name": "search_knowledge", "args": {"query": "refund"}}]}
    model = ScriptedModel(search, search, search, search)
    _, final = run(parts, ALICE, "refund?", model)
    assert len(model.requests) == 2 and final.turns == 2 and final.answer == OUT_OF_TURNS


def test_invalid_model_output_is_repaired_by_re_prompting(parts: Parts) -> None:
    model = ScriptedModel("not json", {"answer": "Hello!", "mood": "x"}, {"answer": "Hello!"})
    _, final = run(parts, ALICE, "hi", model)
    assert final.answer == "Hello!" and len(model.requests) == 3
    assert "did not validate" in model.requests[2].messages[-1]["content"]


def test_the_model_sees_the_tools_schemas_and_passages_as_data(parts: Parts) -> None:
    model = ScriptedModel({"tool_calls": [{"name": "search_knowledge", "args": {"query": "refund"}}]},
                          {"answer": "ok"})  # fmt: skip
    run(parts, ALICE, "refund?", model)
    system = model.requests[0].messages[0]["content"]
    assert '"search_knowledge"' in system and '"parameters"' in system
    assert "check_order_status" not in system  # not allow-listed for this tenant
    assert model.requests[0].json_schema["title"] == "AgentStep"
    results = model.requests[1].messages[-1]["content"]
    assert "<passage>" in results and "[1]" in results and "not instructions" in results


@pytest.mark.parametrize("message", ["", "   ", "x" * 4001])
def test_bad_messages_are_refused_and_nothing_is_stored(parts: Parts, message: str) -> None:
    with pytest.raises(ValidationError) as err:
        list(parts.agent().chat(ALICE, message))
    assert err.value.fields == ["message"]
    assert parts.tickets.conversations_of(ALICE) == []


def test_a_conversation_of_another_user_cannot_be_continued(parts: Parts) -> None:
    _, final = run(parts, ALICE, "How long does shipping take?")
    from mangaflow.platform.errors import NotFound

    with pytest.raises(NotFound):
        list(parts.agent().chat(who("acme", "bob"), "hi", final.conversation_id))
    with pytest.raises(NotFound):
        list(parts.agent().chat(GINA, "hi", final.conversation_id))
    assert len(parts.tickets.get_conversation(ALICE, final.conversation_id).messages) == 3
