"""The support agent's tools: each a name, a pydantic argument model (its JSON schema is what a
real model sees), the role it needs and a function ``(principal, args, ctx) -> ToolResult``.

Built-in tools: ``search_knowledge`` (the tenant's approved knowledge, through a
:class:`~mangaflow.support.passages.Searcher`), ``create_ticket``, ``get_ticket`` (customers:
their own tickets; agents: any of the tenant's) and ``escalate`` (marks the ticket escalated,
queues it for a human and tells the :class:`Escalator`). Safe actions
(:mod:`mangaflow.support.actions`) are tools too, flagged ``action``: they run only when the
tenant's :class:`~mangaflow.support.config.AgentConfig` allow-lists them.

:meth:`ToolRegistry.call` refuses before anything runs: an unknown or disabled tool
(``ValidationError`` on ``tool``), bad arguments (``ValidationError`` naming ``args.<field>``;
unknown fields are refused too) or a role too low (``Forbidden``).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

import pydantic
from pydantic import BaseModel, ConfigDict, Field

from mangaflow.platform.errors import ValidationError
from mangaflow.support.guardrails import injection_phrases
from mangaflow.support.passages import Passage, Searcher
from mangaflow.support.tenancy import Principal, Role, require
from mangaflow.support.tickets import TICKET_ID, Priority, Ticket, TicketStore


@dataclass(frozen=True)
class CallContext:
    """What a tool call knows beyond its arguments: the conversation it runs in and the
    tenant's phone region (for redaction)."""

    conversation_id: str | None = None
    region: str = "US"


@dataclass(frozen=True)
class ToolResult:
    """What a tool returns: JSON-able ``data`` for the model and the transcript, and the
    passages a search found (the only passages an answer may cite)."""

    data: dict[str, Any]
    passages: tuple[Passage, ...] = ()


ToolFn = Callable[[Principal, Any, CallContext], ToolResult]


@dataclass(frozen=True)
class Tool:
    name: str
    description: str
    args: type[BaseModel]
    role: Role
    run: ToolFn
    action: bool = False

    def spec(self) -> dict[str, Any]:
        """The tool as a real model sees it (name, description, JSON schema of arguments)."""
        return {"name": self.name, "description": self.description,
                "parameters": self.args.model_json_schema()}  # fmt: skip


class Args(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class SearchArgs(Args):
    query: str = Field(min_length=1, max_length=500, description="what to look for")
    k: int = Field(default=5, ge=1, le=10, description="how many passages")


class CreateTicketArgs(Args):
    subject: str = Field(min_length=3, max_length=200)
    description: str = Field(default="", max_length=4000)
    priority: Priority = "normal"


class GetTicketArgs(Args):
    ticket_id: str = Field(pattern=TICKET_ID)


class EscalateArgs(Args):
    reason: str = Field(min_length=3, max_length=500)
    ticket_id: str | None = Field(default=None, pattern=TICKET_ID,
                                  description="the ticket to escalate; none opens one")  # fmt: skip


class Escalator(Protocol):
    """Tells humans about an escalated ticket (an SNS topic on AWS)."""

    def escalate(self, principal: Principal, ticket: Ticket, reason: str) -> None: ...


def ticket_view(ticket: Ticket) -> dict[str, Any]:
    return ticket.model_dump(mode="json", exclude={"rev", "tenant_id"})


@dataclass
class ToolRegistry:
    """The tools a support agent may call, by name."""

    tools: dict[str, Tool] = field(default_factory=dict)

    def add(self, tool: Tool) -> None:
        self.tools[tool.name] = tool

    @property
    def names(self) -> frozenset[str]:
        return frozenset(self.tools)

    @property
    def action_names(self) -> frozenset[str]:
        return frozenset(n for n, t in self.tools.items() if t.action)

    def specs(self, enabled: Collection[str]) -> list[dict[str, Any]]:
        return [t.spec() for n, t in sorted(self.tools.items()) if n in enabled]

    def check(self, principal: Principal, name: str, raw_args: Any,
              enabled: Collection[str]) -> tuple[Tool, BaseModel]:  # fmt: skip
        """The tool and its validated arguments, or the refusal (nothing has run)."""
        tool = self.tools.get(name) if isinstance(name, str) else None
        if tool is None:
            raise ValidationError(f"unknown tool {name!r}", details=[{
                "field": "tool", "message": f"one of {sorted(n for n in self.tools if n in enabled)}"}])  # fmt: skip
        if name not in enabled:
            raise ValidationError(f"tool {name!r} is not enabled for this tenant", details=[
                {"field": "tool", "message": "not in the tenant's enabled tools or actions"}])  # fmt: skip
        require(principal, tool.role, f"the tool {name}")
        if not isinstance(raw_args, dict):
            raise ValidationError(f"arguments of {name} must be an object",
                                  details=[{"field": "args", "message": "a JSON object"}])  # fmt: skip
        try:
            args = tool.args.model_validate(raw_args)
        except pydantic.ValidationError as exc:
            details = [{"field": "args." + ".".join(str(p) for p in e["loc"]), "message": e["msg"]}
                       for e in exc.errors()]  # fmt: skip
            raise ValidationError(f"invalid arguments for {name}: " + "; ".join(
                f"{d['field']}: {d['message']}" for d in details[:5]), details=details) from None  # fmt: skip
        return tool, args

    def call(self, principal: Principal, name: str, raw_args: Any, enabled: Collection[str],
             ctx: CallContext | None = None) -> ToolResult:  # fmt: skip
        tool, args = self.check(principal, name, raw_args, enabled)
        return tool.run(principal, args, ctx or CallContext())


def builtin_tools(tickets: TicketStore, searcher: Searcher,
                  escalator: Escalator | None = None) -> list[Tool]:  # fmt: skip
    """search_knowledge, create_ticket, get_ticket and escalate over these parts."""

    def search(p: Principal, a: SearchArgs, ctx: CallContext) -> ToolResult:
        found = searcher.search(p, a.query, a.k)
        # Defence in depth: ingestion refuses such documents; a passage that still tries to
        # instruct the agent is withheld from the model (and so can never be cited).
        clean = tuple(x for x in found
                      if not injection_phrases(x.text) and not injection_phrases(x.title))  # fmt: skip
        return ToolResult({"found": len(clean), "withheld": len(found) - len(clean),
                           "passages": [x.cite() for x in clean]}, clean)  # fmt: skip

    def create(p: Principal, a: CreateTicketArgs, ctx: CallContext) -> ToolResult:
        t = tickets.create_ticket(p, a.subject, a.description, priority=a.priority,
                                  conversation_id=ctx.conversation_id, region=ctx.region)  # fmt: skip
        return ToolResult({"ticket": ticket_view(t)})

    def get(p: Principal, a: GetTicketArgs, ctx: CallContext) -> ToolResult:
        return ToolResult({"ticket": ticket_view(tickets.get_ticket(p, a.ticket_id))})

    def escalate(p: Principal, a: EscalateArgs, ctx: CallContext) -> ToolResult:
        ticket_id = a.ticket_id or tickets.create_ticket(
            p, "Escalated conversation", a.reason, priority="high",
            conversation_id=ctx.conversation_id, region=ctx.region).ticket_id  # fmt: skip
        ticket = tickets.escalate_ticket(p, ticket_id, a.reason, region=ctx.region)
        if escalator is not None:
            escalator.escalate(p, ticket, a.reason)
        return ToolResult({"ticket": ticket_view(ticket), "escalated": True})

    return [
        Tool("search_knowledge", "Search the tenant's approved knowledge base; cite results "
             "as [n].", SearchArgs, "customer", search),
        Tool("create_ticket", "Open a support ticket for the user.", CreateTicketArgs,
             "customer", create),
        Tool("get_ticket", "Read a ticket (customers: only their own).", GetTicketArgs,
             "customer", get),
        Tool("escalate", "Hand the conversation to a human: escalates the ticket (opening "
             "one when none is given).", EscalateArgs, "customer", escalate),
    ]  # fmt: skip


BUILTIN_TOOLS: tuple[str, ...] = ("search_knowledge", "create_ticket", "get_ticket", "escalate")


def registry_of(tools: Iterable[Tool]) -> ToolRegistry:
    reg = ToolRegistry()
    for tool in tools:
        reg.add(tool)
    return reg
