"""Parts for the support agent tests: a SQLite item table, an in-memory knowledge searcher
(word overlap, per tenant, approved documents only), a scripted text model and a recording
escalator. Imported explicitly by the agent, ticket and guardrail tests."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mangaflow.platform.adapters.storage.sqlite import SqliteItemTable
from mangaflow.platform.ports import TextModel, TextRequest, TextResult, Usage
from mangaflow.support.actions import OrderBook, action_tools
from mangaflow.support.agent import SupportAgent, registry_models
from mangaflow.support.config import AgentConfigStore
from mangaflow.support.passages import Passage
from mangaflow.support.tenancy import Principal
from mangaflow.support.tickets import Ticket, TicketStore
from mangaflow.support.tools import ToolRegistry, builtin_tools, registry_of
from tests.conftest import make_settings

_WORDS = re.compile(r"[a-z0-9]+")


def who(tenant: str, user: str, *roles: str) -> Principal:
    return Principal(tenant, user, frozenset(roles or ("customer",)))


@dataclass
class Doc:
    doc_id: str
    title: str
    text: str
    approved: bool = True
    version: int = 1


@dataclass
class MemorySearcher:
    """Each tenant's documents in memory; one chunk per paragraph; the score is the share of
    the query's words the chunk holds (0..1). Only approved documents are searched."""

    docs: dict[str, list[Doc]] = field(default_factory=dict)
    queries: list[tuple[str, str]] = field(default_factory=list)

    def add(self, tenant: str, doc: Doc) -> None:
        self.docs.setdefault(tenant, []).append(doc)

    def search(self, principal: Principal, query: str, k: int) -> list[Passage]:
        self.queries.append((principal.tenant_id, query))
        asked = set(_WORDS.findall(query.lower()))
        found = []
        for doc in self.docs.get(principal.tenant_id, []):
            if not doc.approved:
                continue
            for i, para in enumerate(p for p in doc.text.split("\n\n") if p.strip()):
                score = len(asked & set(_WORDS.findall(para.lower()))) / max(len(asked), 1)
                if score > 0:
                    found.append(Passage(doc.doc_id, doc.version, doc.title, i, score, para))
        return sorted(found, key=lambda p: -p.score)[:k]


class ScriptedModel(TextModel):
    """Answers each step with the next scripted JSON object; keeps every request."""

    name = "scripted"

    def __init__(self, *steps: dict[str, Any] | str) -> None:
        self.steps = list(steps)
        self.requests: list[TextRequest] = []

    def complete(self, request: TextRequest) -> TextResult:
        self.requests.append(request)
        step = self.steps.pop(0) if self.steps else {"answer": "done"}
        text = step if isinstance(step, str) else json.dumps(step)
        return TextResult(text, self.name, "scripted-1", Usage(calls=1))


@dataclass
class RecordingEscalator:
    calls: list[tuple[str, str, str]] = field(default_factory=list)

    def escalate(self, principal: Principal, ticket: Ticket, reason: str) -> None:
        self.calls.append((principal.tenant_id, ticket.ticket_id, reason))


@dataclass
class Parts:
    table: SqliteItemTable
    tickets: TicketStore
    configs: AgentConfigStore
    orders: OrderBook
    searcher: MemorySearcher
    escalator: RecordingEscalator
    tools: ToolRegistry
    home: Path

    def agent(self, model: TextModel | None = None) -> SupportAgent:
        """The agent with ``model`` for every tenant, or the registry's models (``offline``)."""
        models = (lambda name: model) if model is not None else registry_models(
            make_settings(self.home))  # fmt: skip
        return SupportAgent(tickets=self.tickets, configs=self.configs, tools=self.tools,
                            models=models, escalator=self.escalator)  # fmt: skip


def make_parts(home: Path) -> Parts:
    table = SqliteItemTable(home / "support.db")
    tickets, orders = TicketStore(table), OrderBook(table)
    searcher, escalator = MemorySearcher(), RecordingEscalator()
    tools = registry_of([*builtin_tools(tickets, searcher, escalator), *action_tools(orders)])
    configs = AgentConfigStore(table, models=("offline", "bedrock", "openai"))
    return Parts(table, tickets, configs, orders, searcher, escalator, tools, home)


KNOWLEDGE = {
    "acme": [
        Doc("refunds", "Refund policy",
            "Refunds are paid back to the original card within 5 business days. "
            "A refund starts when the returned parcel reaches our warehouse.\n\n"
            "Gift cards cannot be refunded."),
        Doc("shipping", "Shipping times",
            "Standard shipping takes 3 to 5 days inside the country. "
            "Express shipping arrives the next working day when ordered before noon."),
        Doc("draft", "Unapproved draft", "Refunds are paid in cash at the counter.",
            approved=False),
    ],
    "globex": [
        Doc("warranty", "Warranty", "Every Globex device has a warranty of 2 years. "
            "Refunds for faulty devices are paid within 30 days."),
    ],
}  # fmt: skip


def with_knowledge(parts: Parts) -> Parts:
    for tenant, docs in KNOWLEDGE.items():
        for doc in docs:
            parts.searcher.add(tenant, doc)
    return parts
