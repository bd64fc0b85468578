"""The support product's routes: a tenant's documents (upload, review, approval), knowledge
search with citations, the agent's chat (streamed as Server-Sent Events), conversations,
tickets, the escalation queue and the agent's configuration.

Every route acts for a :class:`~mangaflow.support.tenancy.Principal` built from the token's
claims (:data:`SupportPrincipal`): its tenant scopes every read and write, its roles decide
what it may do (403 otherwise). Another tenant's ids answer 404, as ids that do not exist do.
A token that names no tenant is refused with 403.

Uploads are multipart (``file`` plus optional ``title`` and ``doc_id``); the API's body limit
is raised for this one path to :data:`UPLOAD_BODY_BYTES` (a 10 MB document and its form
fields), and a file over :data:`~mangaflow.support.extract.MAX_BYTES` answers 413 naming
``file``. The upload is checked and stored in the request; ingestion (extract, chunk, embed,
index) runs in the flow the bus starts. Handlers run in the thread pool (search embeds the
query; chat calls a model). The support modules are imported in the handlers: the phone
number rules and PDF reader load on a support request, not on every cold start."""

from __future__ import annotations

import json
from collections.abc import Iterator
from itertools import chain
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, File, Form, Query, UploadFile
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from mangaflow.api.auth import subject
from mangaflow.api.deps import Claims, Ctx
from mangaflow.api.errors import ApiError
from mangaflow.platform.context import Context
from mangaflow.platform.errors import MangaFlowError, ValidationError
from mangaflow.support.extract import MAX_BYTES as MAX_UPLOAD_BYTES
from mangaflow.support.tenancy import Principal, from_claims

router = APIRouter(prefix="/support", tags=["support"])

#: The body limit of the upload path: the largest file plus the multipart framing and fields.
UPLOAD_BODY_BYTES = MAX_UPLOAD_BYTES + 256 * 1024
#: Paths whose bodies may be larger than the API's MANGAFLOW_API_MAX_BODY_BYTES.
LARGE_BODIES = {"/support/documents": UPLOAD_BODY_BYTES}


def support_principal(claims: Claims) -> Principal:
    """The caller as a support principal: tenant and roles from the token's claims."""
    try:
        return from_claims(claims, subject(claims))
    except ValidationError as exc:
        raise ApiError(403, "this token names no support tenant (a 'tenant' claim or a "
                       "'tenant:<id>' group is needed): " + exc.message,
                       code="forbidden", details=exc.details) from None  # fmt: skip


SupportPrincipal = Annotated[Principal, Depends(support_principal)]


def _sup(c: Context) -> Any:
    from mangaflow.support.service import support

    return support(c)


def _version(v: Any) -> dict[str, Any]:
    out: dict[str, Any] = v.model_dump(mode="json", exclude={"blob_key", "sha256"})
    return out


# ---------------------------------------------------------------------------- documents
@router.post("/documents", status_code=202, summary="Upload a document version (admins)",
             responses={413: {"description": "The file is over 10 MB"}})  # fmt: skip
def post_document(
    who: SupportPrincipal, c: Ctx,
    file: Annotated[UploadFile, File(description="PDF, Markdown, HTML or plain text, ≤ 10 MB.")],
    title: Annotated[str | None, Form(max_length=200, description="Title (default: the "
                                      "document's own or its file name).")] = None,
    doc_id: Annotated[str | None, Form(max_length=64, description="A new version of this "
                                       "document (default: a new document).")] = None,
) -> dict[str, Any]:  # fmt: skip
    """Checked here (type by extension and content, size, readable text, instructions aimed
    at the agent), stored, and handed to the ingestion flow; nothing is stored when it is
    refused. The version waits for an admin's decision before it serves answers."""
    from mangaflow.support.workflow import submit

    data = file.file.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise ApiError(413, f"{file.filename or 'the file'} is over the limit of "
                       f"{MAX_UPLOAD_BYTES:,} bytes (10 MB)", details=[
                           {"field": "file", "message": f"at most {MAX_UPLOAD_BYTES} bytes"}])  # fmt: skip
    v = submit(_sup(c), who, file.filename or "", data, title=title or None,
               doc_id=doc_id or None)  # fmt: skip
    return {**_version(v), "documentUrl": f"/support/documents/{v.doc_id}"}


@router.get("/documents", summary="The tenant's documents, newest first (agents)")
def list_documents(who: SupportPrincipal, c: Ctx) -> dict[str, Any]:
    from mangaflow.support import approval

    docs = approval.documents(_sup(c).desk, who)
    return {"documents": [d.model_dump(mode="json") for d in docs]}


@router.get("/documents/pending", summary="Versions waiting for a decision (admins)")
def list_pending(who: SupportPrincipal, c: Ctx) -> dict[str, Any]:
    from mangaflow.support import approval

    return {"pending": [_version(v) for v in approval.pending(_sup(c).desk, who)]}


@router.get("/documents/{doc_id}", summary="A document and its versions (agents)")
def get_document(doc_id: str, who: SupportPrincipal, c: Ctx) -> dict[str, Any]:
    from mangaflow.support import approval

    doc, versions = approval.document(_sup(c).desk, who, doc_id)
    return {"document": doc.model_dump(mode="json"), "versions": [_version(v) for v in versions]}


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "examples": [{"decision": "approve"}, {"decision": "reject", "reason": "outdated"}]})  # fmt: skip
    decision: Literal["approve", "reject"]
    reason: str = Field(default="", max_length=500, description="Required to reject.")


@router.post("/documents/{doc_id}/versions/{version}/decision",
             summary="Approve or reject a version (admins)")  # fmt: skip
def post_decision(
    doc_id: str, version: int, body: DecisionIn, who: SupportPrincipal, c: Ctx
) -> dict[str, Any]:
    """Approving makes the version the one that answers (the previous one is superseded);
    rejecting takes it out of the index. 409 when it is not waiting for a decision."""
    from mangaflow.support.workflow import decide

    if body.decision == "reject" and not body.reason.strip():
        raise ValidationError("a reason is required to reject a version",
                              details=[{"field": "reason", "message": "1-500 characters"}])  # fmt: skip
    return _version(decide(_sup(c), who, doc_id, version, body.decision, body.reason))


# ---------------------------------------------------------------------------- search
class SearchIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "examples": [{"query": "how long does a refund take", "k": 5}]})  # fmt: skip
    query: str = Field(min_length=1, max_length=2000)
    k: int = Field(default=5, ge=1, le=50)
    include_unapproved: bool = Field(default=False, description="Drafts too (admins).")


@router.post("/search", summary="Search the tenant's approved knowledge, with citations")
def post_search(body: SearchIn, who: SupportPrincipal, c: Ctx) -> dict[str, Any]:
    from mangaflow.support import search

    found = search.search(_sup(c).desk, who, body.query, body.k,
                          include_unapproved=body.include_unapproved)  # fmt: skip
    return {"results": [{**p.model_dump(mode="json"), "citation": p.citation()} for p in found]}


# ---------------------------------------------------------------------------- chat
class ChatIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "examples": [{"message": "How long does a refund take?"}]})  # fmt: skip
    message: str = Field(min_length=1, max_length=4000)
    conversation_id: str | None = Field(default=None, max_length=22,
                                        description="Continue this conversation.")  # fmt: skip


def sse(event: str, data: Any) -> str:
    """One Server-Sent Event (``data`` as one line of JSON)."""
    return f"event: {event}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n"


def _event(ev: Any) -> tuple[str, dict[str, Any]]:
    from mangaflow.support.agent import Chunk, Final, ToolEvent

    if isinstance(ev, ToolEvent):
        return "tool", {"name": ev.name, "status": ev.status, "error": ev.error}
    if isinstance(ev, Chunk):
        return "chunk", {"text": ev.text}
    assert isinstance(ev, Final)
    return "final", {
        "conversation_id": ev.conversation_id, "answer": ev.answer,
        "citations": [x.model_dump(mode="json") for x in ev.citations],
        "tool_calls": [x.model_dump(mode="json") for x in ev.tool_calls],
        "refused_topic": ev.refused_topic, "escalated_ticket": ev.escalated_ticket,
        "turns": ev.turns,
    }  # fmt: skip


@router.post(
    "/chat", summary="Talk to the tenant's support agent (Server-Sent Events)",
    responses={200: {"content": {"text/event-stream": {}, "application/json": {}},
                     "description": "`event: tool` per tool call, `event: chunk` per piece "
                     "of the answer, then `event: final` (answer, citations, conversation "
                     "id); with stream=false only the final object, as JSON."}},
)  # fmt: skip
def post_chat(
    body: ChatIn,
    who: SupportPrincipal,
    c: Ctx,
    stream: Annotated[bool, Query(description="false: one JSON answer.")] = True,
) -> Any:
    """Bad input (an empty message, another tenant's conversation) is refused before the
    stream starts; an error during the reply ends the stream with ``event: error``."""
    events = _sup(c).agent.chat(who, body.message, body.conversation_id)
    first = next(events)  # runs up to the first event: refusals raise here, as 4xx
    if not stream:
        final = [e for e in chain([first], events) if _event(e)[0] == "final"]
        return _event(final[-1])[1]

    def lines() -> Iterator[str]:
        try:
            for ev in chain([first], events):
                yield sse(*_event(ev))
        except MangaFlowError as exc:
            yield sse("error", {"code": exc.code, "message": exc.message})

    return StreamingResponse(lines(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})  # fmt: skip


@router.get("/conversations", summary="Your conversations (agents: ?user= for another's)")
def list_conversations(
    who: SupportPrincipal, c: Ctx,
    user: Annotated[str | None, Query(max_length=128, description="Another user (agents).")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> dict[str, Any]:  # fmt: skip
    convs = _sup(c).tickets.conversations_of(who, user or None, limit=limit)
    return {"conversations": [x.model_dump(mode="json", exclude={"messages"}) for x in convs]}


@router.get("/conversations/{conversation_id}", summary="A conversation's stored transcript")
def get_conversation(conversation_id: str, who: SupportPrincipal, c: Ctx) -> dict[str, Any]:
    """The messages as stored: PII redacted, with their citations and tool calls."""
    conv = _sup(c).tickets.get_conversation(who, conversation_id)
    out: dict[str, Any] = conv.model_dump(mode="json")
    return out


# ---------------------------------------------------------------------------- tickets
TicketStatusQ = Literal["open", "pending", "escalated", "resolved", "closed"]


@router.get("/tickets", summary="Tickets: the tenant's (agents) or your own (customers)")
def list_tickets(
    who: SupportPrincipal, c: Ctx,
    status: Annotated[TicketStatusQ | None, Query(description="Only this status (agents).")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> dict[str, Any]:  # fmt: skip
    store = _sup(c).tickets
    if not who.has("agent"):
        found = [t for t in store.tickets_of(who, limit=limit)
                 if status is None or t.status == status]  # fmt: skip
    elif status is not None:
        found = store.tickets_by_status(who, status, limit=limit)
    else:
        found = store.tickets(who, limit=limit)
    return {"tickets": [t.model_dump(mode="json") for t in found]}


@router.get("/tickets/{ticket_id}", summary="A ticket (customers: their own)")
def get_ticket(ticket_id: str, who: SupportPrincipal, c: Ctx) -> dict[str, Any]:
    out: dict[str, Any] = _sup(c).tickets.get_ticket(who, ticket_id).model_dump(mode="json")
    return out


class TicketChange(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "examples": [{"status": "resolved"}, {"priority": "high"}]})  # fmt: skip
    status: TicketStatusQ | None = None
    priority: Literal["low", "normal", "high", "urgent"] | None = None


@router.patch("/tickets/{ticket_id}", summary="Change a ticket's status or priority (agents)")
def patch_ticket(ticket_id: str, body: TicketChange, who: SupportPrincipal,
                 c: Ctx) -> dict[str, Any]:  # fmt: skip
    if body.status is None and body.priority is None:
        raise ValidationError("nothing to change: give status or priority",
                              details=[{"field": "body", "message": "status or priority"}])  # fmt: skip
    ticket = _sup(c).tickets.update_ticket(who, ticket_id, status=body.status,
                                           priority=body.priority)  # fmt: skip
    out: dict[str, Any] = ticket.model_dump(mode="json")
    return out


@router.get("/escalations", summary="The escalation queue, newest first (agents)")
def list_escalations(
    who: SupportPrincipal, c: Ctx, limit: Annotated[int, Query(ge=1, le=200)] = 50
) -> dict[str, Any]:
    return {"escalations": _sup(c).tickets.escalations(who, limit=limit)}


# ---------------------------------------------------------------------------- config
@router.get("/config", summary="The tenant's agent configuration (admins)")
def get_config(who: SupportPrincipal, c: Ctx) -> dict[str, Any]:
    out: dict[str, Any] = _sup(c).configs.get(who).model_dump(mode="json")
    return out


@router.put("/config", summary="Change fields of the agent configuration (admins)",
            openapi_extra={"requestBody": {"required": True, "content": {"application/json": {
                "schema": {"type": "object", "title": "AgentConfigChanges",
                           "examples": [{"max_turns": 3, "actions": ["check_order_status"]}]}}}}})  # fmt: skip
def put_config(body: Annotated[dict[str, Any], Body()], who: SupportPrincipal,
               c: Ctx) -> dict[str, Any]:  # fmt: skip
    """Any editable field (model, instructions, tools, actions, denied_topics, max_turns,
    min_score, phone_region); unknown fields, tools, actions or models are refused (422 names
    them) and nothing is saved; 409 when another admin saved meanwhile."""
    out: dict[str, Any] = _sup(c).configs.update(who, body).model_dump(mode="json")
    return out
