"""``mangaflow catalog``: sync the anime catalog, search it, review new and changed entries,
snapshot and restore it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from mangaflow.cli.common import build_context, console, fail, load_settings, local_prefect, styled
from mangaflow.platform.errors import MangaFlowError

catalog_app = typer.Typer(
    help="The anime catalog: sync from the anime-offline-database, search, review, snapshots.",
    no_args_is_help=True,
)
review_app = typer.Typer(help="Entries waiting for a reviewer.", no_args_is_help=True)
catalog_app.add_typer(review_app, name="review")

ATTRIBUTION_LINE = "Data: anime-offline-database (manami-project), ODbL 1.0."


def _catalog() -> Any:
    from mangaflow.catalog.parts import catalog

    return catalog(build_context(load_settings()))


def _deliver(c: Any) -> None:
    """Run the flows of the events just published, here, when the bus is the in-process one
    (new entries' enrichment after a sync, a decision for a waiting enrichment run)."""
    if getattr(c.bus, "in_process", False):
        from flows.platform.dispatch import HANDLERS

        _run(lambda: c.bus.drain(HANDLERS))


def _run(call: Any) -> Any:
    try:
        return call()
    except MangaFlowError as exc:
        fail(exc.message)


@catalog_app.command()
def sync(
    source: Annotated[str, typer.Argument(
        help="A release file or URL (.json, .jsonl, .zst); default MANGAFLOW_CATALOG_SOURCE.")] = "",
    force: Annotated[bool, typer.Option(help="Sync even if the source has not changed.")] = False,
) -> None:
    """Sync the catalog with a source release: import, review changes, orphan removals."""
    settings = load_settings()
    if source and not source.startswith(("http://", "https://")) and not Path(source).is_file():
        fail(f"source: no such file {source}")
    if source and not source.startswith(("http://", "https://")):
        # A broken file is refused here, before Prefect starts (the flow checks again).
        from mangaflow.catalog.source import SourceReader

        def check() -> None:
            for _ in SourceReader(source):
                pass

        _run(check)
    c = build_context(settings)
    from flows.catalog.sync import catalog_sync

    with local_prefect(settings):
        result = _run(lambda: catalog_sync({"userId": settings.user_id, "requestId": "cli",
                                            "location": source, "force": force}))  # fmt: skip
        _deliver(c)
    if result["skipped"]:
        console.print(styled("Source unchanged ({v}); nothing to do. Use --force to sync anyway.",
                             v=result["version"][:19]))  # fmt: skip
        return
    table = Table(title=f"Sync {result['sync_id']}: {result['entries']} entries in "
                  f"{result['seconds']:.1f} s", header_style="bold")  # fmt: skip
    table.add_column("outcome")
    table.add_column("count", justify="right")
    from mangaflow.catalog.domain import SyncReport
    from mangaflow.catalog.services.sync import sync_counts

    for row in sync_counts(SyncReport.model_validate(result)):
        table.add_row(row["outcome"], str(row["count"]))
    console.print(table)
    console.print(ATTRIBUTION_LINE)


def _print_rows(rows: list[dict[str, Any]], as_json: bool) -> None:
    if as_json:
        console.print_json(json.dumps(rows))
        return
    if not rows:
        console.print("No matches.")
        return
    table = Table(header_style="bold")
    for col in ("similarity", "anime_id", "title", "type", "year", "status", "tags"):
        table.add_column(col, overflow="fold")
    for r in rows:
        table.add_row(str(r.get("similarity", "")), r["anime_id"], str(r.get("title", "")),
                      str(r.get("type", "")), str(r.get("year", "")), str(r.get("status", "")),
                      ", ".join(r.get("tags", [])[:6]))  # fmt: skip
    console.print(table)


@catalog_app.command()
def search(
    query: Annotated[str, typer.Argument(help="What you are looking for, in words.")],
    type_: Annotated[list[str], typer.Option("--type", help="TV, MOVIE, OVA, ONA, SPECIAL (repeat).")] = [],  # noqa: B006
    status: Annotated[list[str], typer.Option(help="FINISHED, ONGOING, UPCOMING (repeat).")] = [],  # noqa: B006
    year_from: Annotated[int | None, typer.Option(help="First year.")] = None,
    year_to: Annotated[int | None, typer.Option(help="Last year.")] = None,
    tag: Annotated[list[str], typer.Option(help="A tag every result has (repeat).")] = [],  # noqa: B006
    studio: Annotated[list[str], typer.Option(help="A studio (repeat: any of them).")] = [],  # noqa: B006
    include_orphaned: Annotated[bool, typer.Option(help="Include entries gone from the source.")] = False,
    limit: Annotated[int, typer.Option(help="Results.")] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Semantic search with filters."""
    from mangaflow.catalog.services import search as svc

    cat = _catalog()
    q = _run(lambda: svc.parse_query({
        "query": query, "type": type_, "status": status, "year_from": year_from,
        "year_to": year_to, "tags": tag, "studios": studio,
        "include_orphaned": include_orphaned, "limit": limit}))  # fmt: skip
    _print_rows(_run(lambda: svc.search(cat, q))["results"], as_json)


@catalog_app.command()
def get(
    anime_id: Annotated[str, typer.Argument(help="The anime id.")],
    field: Annotated[list[str], typer.Option(help="Only these fields (repeat).")] = [],  # noqa: B006
    include_orphaned: Annotated[bool, typer.Option(help="Show it even if orphaned.")] = False,
) -> None:
    """One entry as JSON."""
    from mangaflow.catalog.services import search as svc

    console.print_json(json.dumps(_run(lambda: svc.get(_catalog(), anime_id, field, include_orphaned))))


@catalog_app.command()
def similar(
    anime_id: Annotated[str, typer.Argument(help="The anime id.")],
    limit: Annotated[int, typer.Option(help="Results.")] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Entries most like this one."""
    from mangaflow.catalog.services import search as svc

    _print_rows(_run(lambda: svc.similar(_catalog(), anime_id, limit))["results"], as_json)


@review_app.command("list")
def review_list() -> None:
    """Entries waiting for a decision."""
    from mangaflow.catalog.services import review

    items = review.queue(_catalog())
    if not items:
        console.print("No entries wait for review.")
        return
    table = Table(title="Review queue", header_style="bold")
    for col in ("anime_id", "kind", "title", "why", "since"):
        table.add_column(col, overflow="fold")
    for it in items:
        why = "; ".join(f"{r.field}: {r.ours} → {r.source}" for r in it.reasons) or "new entry"
        table.add_row(it.anime_id, it.kind, it.candidate.title, why, it.created_at)
    console.print(table)


def _decide(anime_id: str, data: dict[str, Any]) -> None:
    from mangaflow.catalog.services import review

    settings = load_settings()
    cat = _catalog()
    decision = _run(lambda: review.parse_decision({"reviewer": settings.user_id, **data}))
    item = cat.store.get_review(anime_id)
    if item is not None and item.flow_run_id:
        with local_prefect(settings):
            result = _run(lambda: review.decide(cat, anime_id, decision))
            _deliver(cat.c)
    else:
        result = _run(lambda: review.decide(cat, anime_id, decision))
    console.print_json(json.dumps(result))


@review_app.command()
def approve(anime_id: Annotated[str, typer.Argument(help="The anime id.")],
            note: Annotated[str, typer.Option(help="Why.")] = "") -> None:  # fmt: skip
    """Commit the entry as assembled."""
    _decide(anime_id, {"action": "approve", "note": note})


@review_app.command()
def reject(anime_id: Annotated[str, typer.Argument(help="The anime id.")],
           note: Annotated[str, typer.Option(help="Why.")] = "") -> None:  # fmt: skip
    """Drop a new entry, or keep ours for a changed one."""
    _decide(anime_id, {"action": "reject", "note": note})


@review_app.command()
def edit(
    anime_id: Annotated[str, typer.Argument(help="The anime id.")],
    set_: Annotated[list[str], typer.Option("--set", help="FIELD=JSON_OR_TEXT (repeat).")],
    note: Annotated[str, typer.Option(help="Why.")] = "",
) -> None:
    """Commit the entry with edited fields, e.g. --set episodes=24 --set title="New title"."""
    edits: dict[str, Any] = {}
    for pair in set_:
        name, sep, raw = pair.partition("=")
        if not sep or not name:
            fail(f"--set: expected FIELD=VALUE, got {pair!r}")
        try:
            edits[name] = json.loads(raw)
        except json.JSONDecodeError:
            edits[name] = raw
    _decide(anime_id, {"action": "edit", "edits": edits, "note": note})


@catalog_app.command()
def images(
    limit: Annotated[int | None, typer.Option(help="At most this many entries.", min=1)] = None,
    workers: Annotated[int, typer.Option(help="Downloads at once.", min=1, max=32)] = 8,
) -> None:
    """Own the images of entries that have none yet (e.g. after the first sync)."""
    from rich.progress import Progress

    from mangaflow.catalog.services import images as svc

    cat = _catalog()
    with Progress(console=console, transient=True) as bar:
        task = bar.add_task("images", total=None)
        result = _run(lambda: svc.backfill(
            cat, limit=limit, workers=workers,
            progress=lambda done, total: bar.update(task, completed=done, total=total)))  # fmt: skip
    console.print(styled("{n} entries: {ok} images stored, {failed} failed (recorded, retried "
                         "later) · {d} downloads", n=result["entries"], ok=result["ok"],
                         failed=result["failed"], d=result["downloads"]))  # fmt: skip


@catalog_app.command()
def snapshot() -> None:
    """Write the whole catalog to processed/enriched_anime_database.json."""
    from mangaflow.catalog.services import snapshot as snaps

    result = _run(lambda: snaps.snapshot(_catalog()))
    console.print(styled("Snapshot of {n} entries: {loc}", n=result["count"], loc=result["location"]))


@catalog_app.command()
def restore(
    from_file: Annotated[Path | None, typer.Option("--from", help="A snapshot file; default: the "
                                                   "latest snapshot in the blob store.")] = None,
) -> None:
    """Restore the catalog from a snapshot (all entries validated before any is written)."""
    from mangaflow.catalog.services import snapshot as snaps

    if from_file is not None and not from_file.is_file():
        fail(f"--from: no such file {from_file}")
    data = from_file.read_bytes() if from_file else None
    key = str(from_file) if from_file else snaps.SNAPSHOT_KEY
    result = _run(lambda: snaps.restore(_catalog(), key, data))
    console.print(styled("Restored {n} entries ({i} indexed).", n=result["restored"], i=result["indexed"]))


@catalog_app.command()
def sample(
    out: Annotated[Path, typer.Argument(help="File to write (.json, .jsonl, .json.zst, .jsonl.zst).")],
    entries: Annotated[int, typer.Option(help="How many entries.", min=1, max=200000)] = 500,
    seed: Annotated[int, typer.Option(help="Seed of the generator.")] = 3,
) -> None:
    """Write a generated data set in the anime-offline-database schema (not real data)."""
    from mangaflow.catalog import sample as gen

    if out.exists() and out.is_dir():
        fail(f"out: {out} is a directory")
    if not out.name.removesuffix(".zst").endswith((".json", ".jsonl")):
        fail("out: the name must end in .json, .jsonl, .json.zst or .jsonl.zst")
    gen.write(out, gen.entries(entries, seed))
    console.print(styled("Wrote {n} generated entries to {out}", n=entries, out=out))
