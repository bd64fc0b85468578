"""The support product assembled per context: the knowledge desk, tickets and conversations,
per-tenant agent configuration, the tools (knowledge search, tickets, escalation, safe
actions) and the agent. The one place the parts are wired; the API, CLI, flows and dashboard
all come through :func:`support`."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any

from mangaflow.platform.context import Context
from mangaflow.support import search as knowledge
from mangaflow.support.actions import OrderBook, action_tools
from mangaflow.support.agent import SupportAgent, registry_models
from mangaflow.support.config import AgentConfigStore
from mangaflow.support.parts import Desk, desk
from mangaflow.support.passages import Passage
from mangaflow.support.tenancy import Principal
from mangaflow.support.tickets import Ticket, TicketStore
from mangaflow.support.tools import ToolRegistry, builtin_tools, registry_of

log = logging.getLogger(__name__)


@dataclass
class DeskSearcher:
    """The agent's knowledge search: the desk's tenant-scoped, approved-only search."""

    desk: Desk

    def search(self, principal: Principal, query: str, k: int) -> list[Passage]:
        return [Passage(p.doc_id, p.version, p.title, p.chunk, p.score, p.text)
                for p in knowledge.search(self.desk, principal, query, k)]  # fmt: skip


@dataclass
class NotifyEscalator:
    """Escalations go to SNS (``MANGAFLOW_SUPPORT_ESCALATION_TOPIC_ARN``) when configured;
    the ticket itself is marked escalated either way (the agents' queue)."""

    settings: Any

    def escalate(self, principal: Principal, ticket: Ticket, reason: str) -> None:
        arn = self.settings.support_escalation_topic_arn
        if not arn:
            log.warning("ticket %s of %s escalated: %s", ticket.ticket_id, principal.tenant_id,
                        reason)  # fmt: skip
            return
        from mangaflow.platform.adapters.aws import make_client

        make_client("sns", self.settings.aws_region).publish(
            TopicArn=arn, Subject=f"Escalated ticket {ticket.ticket_id}"[:100],
            Message=f"tenant {principal.tenant_id}: {ticket.subject}\nreason: {reason}",
            MessageAttributes={"tenant": {"DataType": "String",
                                          "StringValue": principal.tenant_id}},
        )  # fmt: skip


@dataclass
class Support:
    desk: Desk
    tickets: TicketStore
    configs: AgentConfigStore
    orders: OrderBook
    tools: ToolRegistry
    agent: SupportAgent


_SUPPORT: dict[int, Support] = {}
_GUARD = threading.Lock()


def support(c: Context, **parts: Any) -> Support:
    """The support product of this context (made once per context)."""
    with _GUARD:
        found = _SUPPORT.get(id(c))
        if found is not None and found.desk.c is c:
            return found
        d = desk(c, **parts)
        tickets, orders = TicketStore(c.table), OrderBook(c.table)
        escalator = NotifyEscalator(c.settings)
        tools = registry_of([*builtin_tools(tickets, DeskSearcher(d), escalator),
                             *action_tools(orders)])  # fmt: skip
        from mangaflow.platform.registry import load_registry

        configs = AgentConfigStore(c.table, models=tuple(sorted(load_registry().text)))
        agent = SupportAgent(tickets=tickets, configs=configs, tools=tools,
                             models=registry_models(c.settings), escalator=escalator,
                             repair_attempts=c.settings.repair_attempts)  # fmt: skip
        found = Support(d, tickets, configs, orders, tools, agent)
        _SUPPORT[id(c)] = found
        return found
