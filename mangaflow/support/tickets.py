"""Tickets and conversations of the support product, on the platform's :class:`ItemTable`.
The only code that knows their keys; every key starts with the tenant's scope
(:func:`~mangaflow.support.tenancy.scoped`), so no query can reach another tenant's items.

=============  =================================  ======================================  =====================================
item           PK | SK                            GSI1PK | GSI1SK                         GSI2PK | GSI2SK
=============  =================================  ======================================  =====================================
ticket         T#TICKETS | TICKET#id              T#TICKETS#STATUS#s | updated#id          T#TICKETS#CUSTOMER#u | created#id
conversation   T#CONV#id | CONV                   T#CONVS#USER#u | updated#id             T#CONVS#STATUS#s | updated#id
message        T#CONV#id | MSG#000001
escalation     T#ESCALATIONS | at#ticket_id
=============  =================================  ======================================  =====================================

(``T`` is ``TENANT#<tenant_id>``.) Ids are time-ordered (``tk``/``cv`` + milliseconds + random),
so a tenant's tickets read newest first straight from the table. Message text, tool arguments
and tool results are stored PII-redacted (:func:`~mangaflow.support.guardrails.redact_pii`);
ticket subjects and descriptions too. A customer sees only their own tickets and
conversations; another customer's, like another tenant's, are simply not found.
"""

from __future__ import annotations

import re
import secrets
import threading
import time
from datetime import UTC, datetime
from typing import Any, Literal

import pydantic
from pydantic import BaseModel, ConfigDict, Field

from mangaflow.platform.errors import ConditionFailed, Conflict, NotFound, ValidationError, invalid
from mangaflow.platform.ports import ItemTable, Put
from mangaflow.platform.requests.model import to_ts
from mangaflow.platform.requests.store import strip_keys
from mangaflow.support.guardrails import redact_pii
from mangaflow.support.tenancy import Principal, require, scoped

TicketStatus = Literal["open", "pending", "escalated", "resolved", "closed"]
TICKET_STATUSES: tuple[TicketStatus, ...] = ("open", "pending", "escalated", "resolved", "closed")
Priority = Literal["low", "normal", "high", "urgent"]
ConversationStatus = Literal["active", "escalated", "closed"]
MessageRole = Literal["user", "assistant", "tool"]
TICKET_ID = r"^tk[0-9a-f]{20}$"
CONVERSATION_ID = r"^cv[0-9a-f]{20}$"


_clock_lock = threading.Lock()
_last_ms = 0


def _tick_ms() -> int:
    """Epoch milliseconds, strictly increasing within the process (two records made in one
    millisecond still sort in the order they were made)."""
    global _last_ms
    with _clock_lock:
        _last_ms = max(int(time.time() * 1000), _last_ms + 1)
        return _last_ms


def stamp() -> str:
    """Now as a stored timestamp (ISO 8601 UTC, milliseconds), strictly increasing."""
    return to_ts(datetime.fromtimestamp(_tick_ms() / 1000, UTC))


def new_id(prefix: str) -> str:
    """``prefix`` + 12 hex digits of epoch milliseconds + 8 random hex digits (time-ordered)."""
    return f"{prefix}{_tick_ms():012x}{secrets.token_hex(4)}"


def _check_id(value: str, pattern: str, field: str) -> str:
    if not isinstance(value, str) or not re.match(pattern, value):
        raise ValidationError(f"invalid {field} {value!r}",
                              details=[{"field": field, "message": f"must match {pattern}"}])  # fmt: skip
    return value


def redact_value(value: Any, region: str) -> Any:
    """``value`` with PII redacted in every string it holds (dicts and lists recursively)."""
    if isinstance(value, str):
        return redact_pii(value, region)
    if isinstance(value, dict):
        return {k: redact_value(v, region) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact_value(v, region) for v in value]
    return value


class _TicketChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: TicketStatus | None = None
    priority: Priority | None = None


class Ticket(BaseModel):
    ticket_id: str
    tenant_id: str
    customer_id: str
    subject: str
    description: str = ""
    status: TicketStatus = "open"
    priority: Priority = "normal"
    conversation_id: str | None = None
    created_at: str
    updated_at: str
    rev: int = 0


class Citation(BaseModel):
    """A passage an answer cites as ``[n]``."""

    n: int
    doc_id: str
    version: int
    title: str
    chunk: int
    score: float


class ToolCallRecord(BaseModel):
    """A tool call the model asked for and what became of it (``refused``: nothing ran)."""

    name: str
    args: dict[str, Any] = Field(default_factory=dict)
    status: Literal["ok", "refused", "error"]
    result: dict[str, Any] | None = None
    error: str | None = None


class Message(BaseModel):
    seq: int
    role: MessageRole
    text: str
    citations: list[Citation] = Field(default_factory=list)
    tool_calls: list[ToolCallRecord] = Field(default_factory=list)
    at: str


class Conversation(BaseModel):
    conversation_id: str
    tenant_id: str
    user_id: str
    status: ConversationStatus = "active"
    ticket_ids: list[str] = Field(default_factory=list)
    created_at: str
    updated_at: str
    messages: list[Message] = Field(default_factory=list)


def _is_staff(principal: Principal) -> bool:
    return principal.has("agent")


class TicketStore:
    """Tickets, conversations and escalations of every tenant, always read through a
    :class:`Principal` (its tenant scopes every key; its roles decide what it may see)."""

    def __init__(self, table: ItemTable) -> None:
        self.table = table

    # ------------------------------------------------------------------ tickets
    def _put_ticket(
        self, ticket: Ticket, *, new: bool = False, prev_rev: int | None = None
    ) -> None:
        t = ticket.tenant_id
        item = {
            "PK": scoped(t, "TICKETS"), "SK": f"TICKET#{ticket.ticket_id}",
            "GSI1PK": scoped(t, "TICKETS", "STATUS", ticket.status),
            "GSI1SK": f"{ticket.updated_at}#{ticket.ticket_id}",
            "GSI2PK": scoped(t, "TICKETS", "CUSTOMER", ticket.customer_id),
            "GSI2SK": f"{ticket.created_at}#{ticket.ticket_id}",
            **ticket.model_dump(mode="json"),
        }  # fmt: skip
        cond = None if prev_rev is None else {"rev": prev_rev}
        self.table.put(Put(item, if_not_exists=new, if_equals=cond))

    def create_ticket(self, principal: Principal, subject: str, description: str = "", *,
                      priority: Priority = "normal", conversation_id: str | None = None,
                      customer_id: str | None = None, region: str = "US") -> Ticket:  # fmt: skip
        """Open a ticket for the caller (agents may open one for ``customer_id``)."""
        require(principal, "customer", "opening a ticket")
        if customer_id not in (None, principal.user_id):
            require(principal, "agent", "opening a ticket for another customer")
        if conversation_id is not None:
            self.get_conversation(principal, conversation_id, with_messages=False)
        now = stamp()
        ticket = Ticket(
            ticket_id=new_id("tk"), tenant_id=principal.tenant_id,
            customer_id=customer_id or principal.user_id,
            subject=redact_pii(subject, region), description=redact_pii(description, region),
            priority=priority, conversation_id=conversation_id, created_at=now, updated_at=now,
        )  # fmt: skip
        self._put_ticket(ticket, new=True)
        if conversation_id is not None:
            self._link_ticket(principal, conversation_id, ticket.ticket_id)
        return ticket

    def get_ticket(self, principal: Principal, ticket_id: str) -> Ticket:
        """The ticket, if the caller's tenant has it and the caller may see it (customers:
        their own); otherwise ``NotFound``."""
        _check_id(ticket_id, TICKET_ID, "ticket_id")
        item = self.table.get(scoped(principal.tenant_id, "TICKETS"), f"TICKET#{ticket_id}")
        if item is None or (not _is_staff(principal) and item["customer_id"] != principal.user_id):
            raise NotFound(f"no ticket {ticket_id!r}")
        return Ticket.model_validate(strip_keys(item))

    def tickets(self, principal: Principal, limit: int = 50) -> list[Ticket]:
        """Every ticket of the tenant, newest first (agents)."""
        require(principal, "agent", "listing all tickets")
        rows = self.table.query(scoped(principal.tenant_id, "TICKETS"), "TICKET#",
                                descending=True, limit=limit)  # fmt: skip
        return [Ticket.model_validate(strip_keys(r)) for r in rows]

    def tickets_by_status(self, principal: Principal, status: TicketStatus,
                          limit: int = 50) -> list[Ticket]:  # fmt: skip
        """The tenant's tickets in ``status``, most recently updated first (agents)."""
        require(principal, "agent", "listing tickets by status")
        if status not in TICKET_STATUSES:
            raise ValidationError(f"unknown ticket status {status!r}",
                                  details=[{"field": "status", "message": f"one of {TICKET_STATUSES}"}])  # fmt: skip
        rows = self.table.query(scoped(principal.tenant_id, "TICKETS", "STATUS", status),
                                index="GSI1", descending=True, limit=limit)  # fmt: skip
        return [Ticket.model_validate(strip_keys(r)) for r in rows]

    def tickets_of(self, principal: Principal, customer_id: str | None = None,
                   limit: int = 50) -> list[Ticket]:  # fmt: skip
        """A customer's tickets, newest first: one's own, or any customer's for agents."""
        customer_id = customer_id or principal.user_id
        if customer_id != principal.user_id:
            require(principal, "agent", "listing another customer's tickets")
        rows = self.table.query(scoped(principal.tenant_id, "TICKETS", "CUSTOMER", customer_id),
                                index="GSI2", descending=True, limit=limit)  # fmt: skip
        return [Ticket.model_validate(strip_keys(r)) for r in rows]

    def update_ticket(self, principal: Principal, ticket_id: str, *,
                      status: TicketStatus | None = None, priority: Priority | None = None) -> Ticket:  # fmt: skip
        """Change a ticket's status or priority (agents; customers may only escalate their
        own, through :meth:`escalate_ticket`). A closed ticket stays closed."""
        require(principal, "agent", "changing a ticket")
        return self._change(principal, ticket_id, status=status, priority=priority)

    def escalate_ticket(self, principal: Principal, ticket_id: str, reason: str,
                        region: str = "US") -> Ticket:  # fmt: skip
        """Mark a ticket the caller may see as escalated and queue it for a human."""
        current = self.get_ticket(principal, ticket_id).priority
        priority = current if current in ("high", "urgent") else "high"
        ticket = self._change(principal, ticket_id, status="escalated", priority=priority)
        self.table.put(Put({
            "PK": scoped(principal.tenant_id, "ESCALATIONS"),
            "SK": f"{ticket.updated_at}#{ticket.ticket_id}", "ticket_id": ticket.ticket_id,
            "customer_id": ticket.customer_id, "reason": redact_pii(reason, region),
            "by": principal.user_id, "at": ticket.updated_at,
        }))  # fmt: skip
        if ticket.conversation_id:
            self._set_conversation_status(principal, ticket.conversation_id, "escalated")
        return ticket

    def escalations(self, principal: Principal, limit: int = 50) -> list[dict[str, Any]]:
        """The tenant's escalation queue, newest first (agents)."""
        require(principal, "agent", "reading the escalation queue")
        rows = self.table.query(scoped(principal.tenant_id, "ESCALATIONS"), "",
                                descending=True, limit=limit)  # fmt: skip
        return [strip_keys(r) for r in rows]

    def _change(self, principal: Principal, ticket_id: str, **changes: Any) -> Ticket:
        changes = {k: v for k, v in changes.items() if v is not None}
        try:  # a bad status or priority is refused before anything is read or written
            _TicketChange.model_validate(changes)
        except pydantic.ValidationError as exc:
            raise invalid(exc, "ticket change") from None
        for _ in range(20):
            ticket = self.get_ticket(principal, ticket_id)
            if ticket.status == "closed":
                raise Conflict(f"ticket {ticket_id} is closed; open a new one")
            new = ticket.model_copy(
                update={**changes, "updated_at": stamp(), "rev": ticket.rev + 1}
            )
            try:  # same PK/SK: the item is replaced and its index keys move with it
                self._put_ticket(new, prev_rev=ticket.rev)
            except ConditionFailed:
                continue  # another writer changed it: read again
            return new
        raise ConditionFailed(f"ticket {ticket_id} kept changing; try again")

    # ------------------------------------------------------------ conversations
    def _put_conversation(self, conv: Conversation, *, new: bool = False) -> None:
        t = conv.tenant_id
        self.table.put(Put({
            "PK": scoped(t, "CONV", conv.conversation_id), "SK": "CONV",
            "GSI1PK": scoped(t, "CONVS", "USER", conv.user_id),
            "GSI1SK": f"{conv.updated_at}#{conv.conversation_id}",
            "GSI2PK": scoped(t, "CONVS", "STATUS", conv.status),
            "GSI2SK": f"{conv.updated_at}#{conv.conversation_id}",
            **conv.model_dump(mode="json", exclude={"messages"}),
        }, if_not_exists=new))  # fmt: skip

    def start_conversation(self, principal: Principal) -> Conversation:
        require(principal, "customer", "starting a conversation")
        now = stamp()
        conv = Conversation(conversation_id=new_id("cv"), tenant_id=principal.tenant_id,
                            user_id=principal.user_id, created_at=now, updated_at=now)  # fmt: skip
        self._put_conversation(conv, new=True)
        return conv

    def get_conversation(self, principal: Principal, conversation_id: str, *,
                         with_messages: bool = True) -> Conversation:  # fmt: skip
        """The conversation (its stored, redacted messages in order) if the caller may see it."""
        _check_id(conversation_id, CONVERSATION_ID, "conversation_id")
        pk = scoped(principal.tenant_id, "CONV", conversation_id)
        rows = (
            self.table.query(pk)
            if with_messages
            else [i for i in [self.table.get(pk, "CONV")] if i]
        )
        head = next((r for r in rows if r["SK"] == "CONV"), None)
        if head is None or (not _is_staff(principal) and head["user_id"] != principal.user_id):
            raise NotFound(f"no conversation {conversation_id!r}")
        conv = Conversation.model_validate(strip_keys(head))
        conv.messages = [Message.model_validate(strip_keys(r)) for r in rows
                         if r["SK"].startswith("MSG#")]  # fmt: skip
        return conv

    def conversations_of(self, principal: Principal, user_id: str | None = None,
                         limit: int = 50) -> list[Conversation]:  # fmt: skip
        """A user's conversations, most recently active first (others' need the agent role)."""
        user_id = user_id or principal.user_id
        if user_id != principal.user_id:
            require(principal, "agent", "listing another user's conversations")
        rows = self.table.query(scoped(principal.tenant_id, "CONVS", "USER", user_id),
                                index="GSI1", descending=True, limit=limit)  # fmt: skip
        return [Conversation.model_validate(strip_keys(r)) for r in rows]

    def conversations_by_status(self, principal: Principal, status: ConversationStatus,
                                limit: int = 50) -> list[Conversation]:  # fmt: skip
        require(principal, "agent", "listing conversations by status")
        rows = self.table.query(scoped(principal.tenant_id, "CONVS", "STATUS", status),
                                index="GSI2", descending=True, limit=limit)  # fmt: skip
        return [Conversation.model_validate(strip_keys(r)) for r in rows]

    def append_message(self, principal: Principal, conversation_id: str, role: MessageRole,
                       text: str, *, citations: list[Citation] | None = None,
                       tool_calls: list[ToolCallRecord] | None = None,
                       region: str = "US") -> Message:  # fmt: skip
        """Store one message, PII-redacted, as the conversation's next one (a concurrent
        writer never overwrites it: the sequence number is claimed with a condition)."""
        conv = self.get_conversation(principal, conversation_id, with_messages=False)
        pk = scoped(principal.tenant_id, "CONV", conversation_id)
        calls = [ToolCallRecord.model_validate(redact_value(c.model_dump(mode="json"), region))
                 for c in tool_calls or []]  # fmt: skip
        for _ in range(20):
            last = self.table.query(pk, "MSG#", descending=True, limit=1)
            seq = int(last[0]["seq"]) + 1 if last else 1
            msg = Message(seq=seq, role=role, text=redact_pii(text, region),
                          citations=list(citations or []), tool_calls=calls, at=stamp())  # fmt: skip
            try:
                self.table.put(Put({"PK": pk, "SK": f"MSG#{seq:06d}", **msg.model_dump(mode="json")},
                                   if_not_exists=True))  # fmt: skip
            except ConditionFailed:
                continue
            conv.updated_at = msg.at
            self._put_conversation(conv)
            return msg
        raise ConditionFailed(f"conversation {conversation_id} kept changing; try again")

    def _link_ticket(self, principal: Principal, conversation_id: str, ticket_id: str) -> None:
        conv = self.get_conversation(principal, conversation_id, with_messages=False)
        if ticket_id not in conv.ticket_ids:
            conv.ticket_ids.append(ticket_id)
            conv.updated_at = stamp()
            self._put_conversation(conv)

    def _set_conversation_status(self, principal: Principal, conversation_id: str,
                                 status: ConversationStatus) -> None:  # fmt: skip
        conv = self.get_conversation(principal, conversation_id, with_messages=False)
        conv.status, conv.updated_at = status, stamp()
        self._put_conversation(conv)
