"""``mangaflow support``: a tenant's knowledge (upload, review, approve, search), the agent's
chat (streamed), tickets and the agent configuration, as one local user.

Local use acts as ``MANGAFLOW_USER_ID`` in tenant ``--tenant`` (default ``local``) with the
role ``--as`` (default ``admin``, who may do everything); the API takes both from the token
instead. With the in-process bus (the local default) an upload's ingestion flow runs here,
under a local Prefect server started for the command."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from mangaflow.cli.common import build_context, console, fail, load_settings, local_prefect, styled
from mangaflow.platform.errors import MangaFlowError

support_app = typer.Typer(
    help="Support agents: upload, docs, pending, approve, reject, search, chat, tickets, config.",
    no_args_is_help=True,
)
Opt = typer.Option
_WHO: dict[str, str] = {"tenant": "local", "role": "admin"}


@support_app.callback()
def _options(
    tenant: Annotated[str, Opt(help="The tenant to act in (local use).")] = "local",
    as_: Annotated[str, Opt("--as", help="Your role: admin, agent or customer.")] = "admin",
) -> None:
    """Support agents of a tenant: its documents, the agent's chat, tickets, configuration."""
    _WHO.update(tenant=tenant, role=as_)


def _principal(settings: Any) -> Any:
    from mangaflow.support.tenancy import Principal

    try:
        return Principal(_WHO["tenant"], settings.user_id, frozenset({_WHO["role"]}))
    except MangaFlowError as exc:
        field = exc.details[0]["field"] if exc.details else ""
        fail(f"--{'as' if field == 'roles' else 'tenant'}: {exc.message}", 2)


def _session() -> tuple[Any, Any]:
    """The support product of this process and who the caller is."""
    from mangaflow.support.service import support

    settings = load_settings()
    who = _principal(settings)
    return support(build_context(settings)), who


def _run(call: Any) -> Any:
    try:
        return call()
    except MangaFlowError as exc:
        fields = [d["field"] for d in exc.details or [] if isinstance(d, dict) and "field" in d]
        fail(f"{', '.join(dict.fromkeys(fields))}: {exc.message}" if fields else exc.message)


def _deliver(sup: Any) -> None:
    """Run the flows of the events just published, here, when the bus is the in-process one."""
    c = sup.desk.c
    if getattr(c.bus, "in_process", False):
        from flows.platform.dispatch import HANDLERS

        with local_prefect(c.settings):
            _run(lambda: c.bus.drain(HANDLERS))


def _versions(rows: list[Any], title: str) -> None:
    table = Table(title=title, header_style="bold")
    for col in ("doc", "version", "title", "file", "status", "chunks", "by", "updated"):
        table.add_column(col)
    for v in rows:
        table.add_row(v.doc_id, str(v.version), v.title, v.filename, v.status.value,
                      str(v.chunks), v.uploaded_by, v.updated_at[:19])  # fmt: skip
    console.print(table)


@support_app.command()
def upload(
    file: Annotated[Path, typer.Argument(help="A PDF, Markdown, HTML or text file (≤ 10 MB).")],
    title: Annotated[str | None, Opt(help="Title (default: the document's own).")] = None,
    doc: Annotated[str | None, Opt(help="Upload a new version of this document.")] = None,
) -> None:
    """Upload a document (admins): checked, stored, ingested; then it waits for approval."""
    if not file.is_file():
        fail(f"file: no such file {file}", 2)
    from mangaflow.support.workflow import submit

    sup, who = _session()
    v = _run(lambda: submit(sup, who, file.name, file.read_bytes(), title=title, doc_id=doc))
    console.print(styled("Stored [bold]{doc}[/bold] version {n} ({title}).", doc=v.doc_id,
                         n=v.version, title=v.title))  # fmt: skip
    _deliver(sup)
    v = sup.desk.store.get_version(who.tenant_id, v.doc_id, v.version)
    console.print(styled("Status: [bold]{s}[/bold] ({chunks} passages){why}", s=v.status.value,
                         chunks=v.chunks, why=f": {v.reason}" if v.reason else ""))  # fmt: skip
    if v.status.value == "PENDING_APPROVAL":
        console.print(f"Approve it with: mangaflow support --tenant {who.tenant_id} --as admin "
                      f"approve {v.doc_id} {v.version}")  # fmt: skip


@support_app.command()
def docs() -> None:
    """The tenant's documents (agents and admins)."""
    from mangaflow.support import approval

    sup, who = _session()
    found = _run(lambda: approval.documents(sup.desk, who))
    if not found:
        console.print("No documents yet: upload one with `mangaflow support upload FILE`.")
        return
    table = Table(header_style="bold")
    for col in ("doc", "title", "latest", "approved", "updated"):
        table.add_column(col)
    for d in found:
        table.add_row(d.doc_id, d.title, str(d.latest_version),
                      str(d.approved_version or "-"), d.updated_at[:19])  # fmt: skip
    console.print(table)


@support_app.command()
def pending() -> None:
    """Versions waiting for an admin's decision."""
    from mangaflow.support import approval

    sup, who = _session()
    found = _run(lambda: approval.pending(sup.desk, who))
    if not found:
        console.print("Nothing waits for a decision.")
        return
    _versions(found, "Waiting for approval")


def _decide(doc: str, version: int, decision: str, reason: str) -> None:
    from mangaflow.support.workflow import decide

    sup, who = _session()
    v = _run(lambda: decide(sup, who, doc, version, decision, reason))  # type: ignore[arg-type]
    console.print(styled("{doc} version {n}: [bold]{s}[/bold].", doc=doc, n=version,
                         s=v.status.value))  # fmt: skip
    if v.flow_run_id:  # an ingestion run waits for this decision: resume it
        _deliver(sup)


@support_app.command()
def approve(doc: str, version: int) -> None:
    """Let a version serve answers (admins); the previous approved version is superseded."""
    _decide(doc, version, "approve", "")


@support_app.command()
def reject(
    doc: str, version: int,
    reason: Annotated[str, Opt(help="Why (1-500 characters; required).")],
) -> None:  # fmt: skip
    """Refuse a version (admins): it is taken out of the index."""
    _decide(doc, version, "reject", reason)


@support_app.command()
def search(
    query: str,
    k: Annotated[int, Opt(help="How many passages (1-50).")] = 5,
    as_json: Annotated[bool, Opt("--json", help="Print JSON.")] = False,
) -> None:
    """Search the tenant's approved knowledge: passages with their citations."""
    from mangaflow.support import search as knowledge

    sup, who = _session()
    found = _run(lambda: knowledge.search(sup.desk, who, query, k))
    if as_json:
        console.print_json(json.dumps([p.model_dump(mode="json") for p in found]))
        return
    if not found:
        console.print("No approved passage matches.")
        return
    for i, p in enumerate(found, 1):
        console.print(styled("[bold][{i}] {title}[/bold] (doc {doc} v{v}, passage {c}, score "
                             "{s})", i=i, title=p.title, doc=p.doc_id, v=p.version, c=p.chunk,
                             s=f"{p.score:.2f}"))  # fmt: skip
        console.print(p.text[:400] + ("…" if len(p.text) > 400 else ""))


@support_app.command()
def chat(
    message: str,
    conversation: Annotated[str | None, Opt(help="Continue this conversation.")] = None,
) -> None:
    """Ask the tenant's support agent; the answer streams, then its sources."""
    from mangaflow.support.agent import Chunk, Final, ToolEvent

    sup, who = _session()

    def reply() -> Any:
        final = None
        for ev in sup.agent.chat(who, message, conversation):
            if isinstance(ev, ToolEvent):
                error = f" ({ev.error})" if ev.error else ""
                console.print(styled("[dim]· {name}: {status}{error}[/dim]", name=ev.name,
                                     status=ev.status, error=error))  # fmt: skip
            elif isinstance(ev, Chunk):
                console.print(ev.text, end="", soft_wrap=True)
            elif isinstance(ev, Final):
                final = ev
        return final

    final = _run(reply)
    console.print()
    assert final is not None
    if final.citations:
        console.print(styled("[bold]Sources[/bold]"))
        for cit in final.citations:
            console.print(f"[{cit.n}] {cit.title} (doc {cit.doc_id} v{cit.version}, "
                          f"passage {cit.chunk})")  # fmt: skip
    if final.escalated_ticket:
        console.print(f"Escalated: ticket {final.escalated_ticket}")
    console.print(styled("[dim]conversation {cid}[/dim]", cid=final.conversation_id))


@support_app.command()
def tickets(
    status: Annotated[str | None, Opt(help="open, pending, escalated, resolved, closed.")] = None,
) -> None:
    """Tickets: all of the tenant's (agents) or your own (customers)."""
    sup, who = _session()
    store = sup.tickets
    if not who.has("agent"):
        found = _run(lambda: store.tickets_of(who))
        found = [t for t in found if status is None or t.status == status]
    elif status is not None:
        found = _run(lambda: store.tickets_by_status(who, status))
    else:
        found = _run(lambda: store.tickets(who))
    if not found:
        console.print("No tickets.")
        return
    table = Table(header_style="bold")
    for col in ("ticket", "status", "priority", "customer", "subject", "updated"):
        table.add_column(col)
    for t in found:
        table.add_row(t.ticket_id, t.status, t.priority, t.customer_id, t.subject,
                      t.updated_at[:19])  # fmt: skip
    console.print(table)


@support_app.command()
def ticket(ticket_id: str) -> None:
    """One ticket as JSON."""
    sup, who = _session()
    found = _run(lambda: sup.tickets.get_ticket(who, ticket_id))
    console.print_json(found.model_dump_json())


@support_app.command()
def config(
    set_: Annotated[list[str] | None, Opt("--set", help="FIELD=VALUE (JSON values, e.g. "
                                          "max_turns=3 tools='[\"search_knowledge\"]'; repeat).")] = None,
) -> None:  # fmt: skip
    """Show the agent configuration (admins), or change fields of it with --set."""
    sup, who = _session()
    if not set_:
        console.print_json(_run(lambda: sup.configs.get(who)).model_dump_json())
        return
    changes: dict[str, Any] = {}
    for item in set_:
        name, sep, raw = item.partition("=")
        if not sep or not name.strip():
            fail(f"--set: expected FIELD=VALUE, got {item!r}", 2)
        try:
            changes[name.strip()] = json.loads(raw)
        except ValueError:
            changes[name.strip()] = raw  # a plain string (instructions, model)
    saved = _run(lambda: sup.configs.update(who, changes))
    console.print_json(saved.model_dump_json())
