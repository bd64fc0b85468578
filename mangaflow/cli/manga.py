"""Manga's commands: ``generate``, ``regenerate``, ``status`` and ``list`` (top level, as they
were before other products arrived)."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from mangaflow.cli.common import (
    build_context,
    console,
    fail,
    load_settings,
    local_prefect,
    styled,
    usage_table,
    with_providers,
)
from mangaflow.manga.repository import repo
from mangaflow.platform.errors import ValidationError


def register(app: typer.Typer) -> None:
    """Add manga's commands to the root app."""
    app.command()(generate)
    app.command()(regenerate)
    app.command()(status)
    app.command("list")(list_)
    app.command()(resume)


def generate(
    genre: Annotated[list[str], typer.Option("--genre", "-g", help="Genre (1-5), repeatable.")],
    theme: Annotated[list[str], typer.Option("--theme", "-t", help="Theme (1-5), repeatable.")],
    art_style: Annotated[str, typer.Option(help="Art style, e.g. 'Black and White'.")],
    audience: Annotated[str, typer.Option(help="Target audience, e.g. Teens.")],
    rating: Annotated[str, typer.Option(help="Content rating: G, PG, PG-13, R, NC-17.")],
    seed: Annotated[int, typer.Option(help="Seed: same preferences + seed = same story.")] = 0,
    pages: Annotated[int, typer.Option(help="Pages per episode (1-24).")] = 8,
    direction: Annotated[str, typer.Option(help="Reading direction: rtl, ltr, vertical.")] = "rtl",
    language: Annotated[str, typer.Option(help="Output language code.")] = "en",
    character: Annotated[
        list[str] | None,
        typer.Option("--character", "-c", help="'Name:role:appearance', up to 6, repeatable."),
    ] = None,
    notes: Annotated[str, typer.Option(help="Free-text notes (≤500 chars), used as data.")] = "",
    out: Annotated[
        Path | None, typer.Option(help="Copy story.md, episode.md, panels, PDF and CBZ here.")
    ] = None,
    user: Annotated[str | None, typer.Option(help="User id (default MANGAFLOW_USER_ID).")] = None,
    text_provider: Annotated[
        str | None, typer.Option(help="Text provider (see `mangaflow providers`).")
    ] = None,
    image_provider: Annotated[str | None, typer.Option(help="Image provider.")] = None,
    insights_provider: Annotated[str | None, typer.Option(help="Insights provider.")] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Show Prefect logs.")] = False,
) -> None:
    """Generate one manga episode end to end: insights, story, episode, panels, PDF and CBZ."""
    from mangaflow.manga.domain.preferences import character_from_text, parse_preferences

    data: dict[str, Any] = {
        "genres": genre, "themes": theme, "artStyle": art_style, "targetAudience": audience,
        "contentRating": rating, "language": language, "readingDirection": direction,
        "pagesPerEpisode": pages, "characters": [character_from_text(c) for c in character or []],
        "notes": notes,
    }  # fmt: skip
    try:
        prefs = parse_preferences(data)  # before anything touches the disk
    except ValidationError as exc:
        fail(_cli_field_names(str(exc)), 2)
    settings = with_providers(load_settings(), text_provider, image_provider, insights_provider)
    check_out(out)

    from mangaflow.platform.runtime import prepare_prefect_env

    prepare_prefect_env(settings, quiet=not verbose)
    from mangaflow.cli.progress import RichProgress

    started = time.perf_counter()
    c = build_context(settings)  # unknown providers or bad settings exit here, before Prefect
    with local_prefect(settings), RichProgress(console) as progress:
        c.progress = progress
        from mangaflow.manga.services.submit import submit_preferences

        req = submit_preferences(c, user or settings.user_id, prefs, seed=seed)
        labels = ", ".join(f"{k} {v}" for k, v in c.provider_labels.items())
        console.print(styled("Request [bold]{id}[/bold] · providers: {labels}",
                             id=req.request_id, labels=labels))  # fmt: skip
        from flows.manga.pipeline import run_inline

        try:
            run_inline(prefs.wire(), user_id=req.user_id, seed=seed,
                       request_id=req.request_id)  # fmt: skip
        except KeyboardInterrupt:
            from mangaflow.platform.requests import lifecycle

            progress.progress.stop()
            lifecycle.fail(c, req.request_id, "interrupted by the user (Ctrl-C)")
            fail(f"interrupted; request {req.request_id} marked FAILED. What is done is kept: "
                 f"continue with `mangaflow resume {req.request_id}`.", 130)  # fmt: skip
        except Exception as exc:  # the request record holds the cause; show it, not a traceback
            failed = c.requests.get_request(req.request_id)
            progress.progress.stop()
            fail(f"request {req.request_id} {failed.status}: {failed.error or exc}")
    _finish(c, req.request_id, out, started)


def _finish(c: Any, request_id: str, out: Path | None, started: float) -> None:
    """Deliver a finished request's episode (to ``--out`` if given) and print the summary."""
    final = c.requests.get_request(request_id)
    if final.status != "COMPLETED" or not final.episode_id:
        fail(f"request {request_id} ended {final.status}: {final.error}")
    paths = _deliver(c, final.episode_id, out)
    _print_summary(c, final, paths, time.perf_counter() - started)


def check_out(out: Path | None) -> None:
    """``--out`` must be a directory or creatable as one, checked before any work starts."""
    if out is None:
        return
    if out.exists():
        if not out.is_dir():
            fail(f"--out {out} exists and is not a directory", 2)
        if not os.access(out, os.W_OK):
            fail(f"--out {out} is not writable", 2)
        return
    parent = out.parent
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir():
        fail(f"--out {out} cannot be created: {parent} is a file, not a directory", 2)
    if not os.access(parent, os.W_OK):
        fail(f"--out {out} cannot be created: {parent} is not writable", 2)


def resume(
    request_id: Annotated[str, typer.Argument(help="The request to continue (see `list`).")],
    out: Annotated[
        Path | None, typer.Option(help="Copy story.md, episode.md, panels, PDF and CBZ here.")
    ] = None,
    user: Annotated[str | None, typer.Option(help="User id (default MANGAFLOW_USER_ID).")] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Show Prefect logs.")] = False,
) -> None:
    """Continue a FAILED request, or one whose process died, from where it stopped: the story,
    script and panels already made are reused; only what is missing is generated."""
    from mangaflow.manga.services.resume import resume as reopen
    from mangaflow.platform.errors import Conflict, NotFound

    check_out(out)
    settings = load_settings()
    from mangaflow.platform.runtime import prepare_prefect_env

    prepare_prefect_env(settings, quiet=not verbose)
    from mangaflow.cli.progress import RichProgress

    c = build_context(settings)
    uid = user or settings.user_id
    started = time.perf_counter()
    with local_prefect(settings), RichProgress(console) as progress:
        c.progress = progress
        try:
            req = reopen(c, uid, request_id)
        except NotFound:
            progress.progress.stop()
            fail(f"no request {request_id} for user {uid}")
        except Conflict as exc:
            progress.progress.stop()
            fail(exc.message)
        console.print(styled("Resuming request [bold]{id}[/bold] ({note})", id=request_id,
                             note=req.notes[-1] if req.notes else "resumed"))  # fmt: skip
        from flows.platform.dispatch import HANDLERS
        from flows.platform.local import no_heartbeats
        from mangaflow.platform.adapters.events.inline import in_process_bus

        try:
            with no_heartbeats():
                in_process_bus(c.bus, "resume").drain(HANDLERS)
        except Exception as exc:  # the request record holds the cause
            progress.progress.stop()
            failed = c.requests.get_request(request_id)
            fail(f"request {request_id} {failed.status}: {failed.error or exc}")
    _finish(c, request_id, out, started)


def regenerate(
    episode_id: Annotated[str, typer.Argument(help="Episode id (see `mangaflow list`).")],
    panel: Annotated[int, typer.Argument(help="Panel number, 1-based across the episode.")],
    prompt: Annotated[
        str | None, typer.Option(help="New description for the panel (default: the script's).")
    ] = None,
    user: Annotated[str | None, typer.Option(help="User id (default MANGAFLOW_USER_ID).")] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Show Prefect logs.")] = False,
) -> None:
    """Draw a new image for one panel, re-letter its page and rebuild the PDF and CBZ.
    The previous image is kept."""
    from mangaflow.manga.services.regenerate import start_regeneration
    from mangaflow.platform.errors import NotFound

    settings = load_settings()
    from mangaflow.platform.runtime import prepare_prefect_env

    prepare_prefect_env(settings, quiet=not verbose)
    c = build_context(settings)
    uid = user or settings.user_id
    try:
        req = start_regeneration(c, uid, episode_id, panel, prompt)
    except NotFound:
        fail(f"no episode {episode_id} for user {uid}")
    except ValidationError as exc:
        fail(str(exc), 2)
    previous = repo(c).get_episode(episode_id).panel_version(panel)
    console.print(styled("Request [bold]{id}[/bold]: panel {panel} → version {version}",
                         id=req.request_id, panel=panel, version=req.params["version"]))  # fmt: skip
    from flows.manga.regenerate import regenerate_panel
    from flows.platform.local import run_here
    from mangaflow.platform.requests import lifecycle

    def not_started(reason: str) -> None:
        lifecycle.fail(c, req.request_id, f"Prefect did not start: {reason}")

    try:
        with local_prefect(settings, not_started), console.status(
            "Drawing the panel, re-lettering its page, rebuilding PDF and CBZ"
        ):
            result = run_here(regenerate_panel, {"requestId": req.request_id})
    except Exception as exc:  # the request record holds the cause
        fail(f"request {req.request_id} {c.requests.get_request(req.request_id).error or exc}")
    ep = repo(c).get_episode(episode_id)
    old = ep.panel_key(panel, previous)
    console.print(styled("[bold green]✓[/bold green] panel {panel} redrawn (page {page})",
                         panel=panel, page=result["page"]))  # fmt: skip
    print(f"New image: {c.blobs.locate(result['image'])}")
    print(f"Previous image (kept): {c.blobs.locate(old)}")
    print(f"PDF: {c.blobs.locate(ep.pdf_s3_key)}")
    print(f"CBZ: {c.blobs.locate(ep.cbz_s3_key)}")


def _cli_field_names(text: str) -> str:
    """Point at the CLI option for each wire field named in a validation message."""
    options = {
        "genres": "--genre", "themes": "--theme", "artStyle": "--art-style",
        "targetAudience": "--audience", "contentRating": "--rating",
        "readingDirection": "--direction", "pagesPerEpisode": "--pages",
        "characters": "--character", "notes": "--notes", "language": "--language",
    }  # fmt: skip
    lines = []
    for line in text.splitlines():
        field = line.strip().split(":", 1)[0].split("[", 1)[0].split(".", 1)[0]
        hint = f" ({options[field]})" if line.startswith("  ") and field in options else ""
        lines.append(line + hint)
    return "\n".join(lines)


def _deliver(c: Any, episode_id: str, out: Path | None) -> dict[str, str]:
    """Where the outputs are; with ``--out``, copies them there first."""
    ep = repo(c).get_episode(episode_id)
    story = repo(c).get_story(ep.story_id)
    blobs = c.blobs
    items = {"story": story.s3_key, "episode": ep.s3_key, "pdf": ep.pdf_s3_key,
             "cbz": ep.cbz_s3_key}  # fmt: skip
    if out is None:
        return {k: blobs.locate(v) for k, v in items.items()}
    out.mkdir(parents=True, exist_ok=True)
    names = {"story": "story.md", "episode": "episode.md", "pdf": "episode.pdf",
             "cbz": "episode.cbz"}  # fmt: skip
    paths = {}
    for kind, key in items.items():
        target = out / names[kind]
        target.write_bytes(blobs.get(key))
        paths[kind] = str(target)
    panel_dir = out / "panels"
    if panel_dir.exists():
        shutil.rmtree(panel_dir)
    panel_dir.mkdir()
    prefix = f"images/{ep.user_id}/{ep.story_id}/{ep.number}/generated/"
    for key in blobs.list(prefix):
        (panel_dir / key.rsplit("/", 1)[1]).write_bytes(blobs.get(key))
    paths["panels"] = str(panel_dir)
    return paths


def _print_summary(c: Any, req: Any, paths: dict[str, str], elapsed: float) -> None:
    ep = repo(c).get_episode(req.episode_id)
    story = repo(c).get_story(ep.story_id)
    console.print()
    console.print(styled(
        "[bold green]✓[/bold green] [bold]{story}[/bold] — Episode {n}: {title}  ({pages} pages, "
        "{panels} panels, {seconds} s)", story=story.title, n=ep.number, title=ep.title,
        pages=ep.pages, panels=ep.panels, seconds=f"{elapsed:.1f}",
    ))  # fmt: skip
    if c.offline:
        console.print(styled("[yellow]Offline providers: the story is template-written and "
                             "the art procedural.[/yellow]"))  # fmt: skip
    table = Table(show_header=True, header_style="bold")
    table.add_column("output")
    table.add_column("path", overflow="fold")
    for kind in ("pdf", "cbz", "story", "episode", "panels"):
        if kind in paths:
            table.add_row(kind.upper() if kind in ("pdf", "cbz") else kind, paths[kind])
    console.print(table)
    console.print(styled("episode id {id} · redraw a panel with [bold]mangaflow regenerate {id} "
                         "PANEL_NO[/bold]", id=req.episode_id))  # fmt: skip
    usage_table(req.usage)
    # Plain lines last, easy to grep in scripts.
    print(f"PDF: {paths['pdf']}")
    print(f"CBZ: {paths['cbz']}")


def status(
    request_id: Annotated[str, typer.Argument(help="The request id printed by generate.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show a request's status, stage, error and provider usage."""
    from mangaflow.platform.errors import NotFound

    c = build_context(load_settings())
    try:
        req = c.requests.get_request(request_id)
    except NotFound:
        fail(f"no request {request_id}")
    if as_json:
        print(json.dumps(req.model_dump(mode="json"), indent=2))
        return
    colour = {"COMPLETED": "green", "FAILED": "red"}.get(req.status, "yellow")
    console.print(styled(
        "request  {id}\nstatus   [" + colour + "]{status}[/" + colour + "]\nstage    {stage}\n"
        "created  {created}\nupdated  {updated}", id=req.request_id, status=req.status,
        stage=req.stage, created=req.created_at, updated=req.updated_at,
    ))  # fmt: skip
    if req.status == "PROCESSING":
        console.print(f"alive    {req.last_seen} (last heartbeat or update)")
    if req.story_id:
        console.print(f"story    {req.story_id}")
    if req.episode_id:
        ep = repo(c).get_episode(req.episode_id)
        console.print(f"episode  {req.episode_id} (#{ep.number}: {ep.title or ''})")
        for kind, key in (("pdf", ep.pdf_s3_key), ("cbz", ep.cbz_s3_key)):
            if key:
                console.print(f"{kind}      {c.blobs.locate(key)}")
    if req.error:
        console.print(styled("[red]error    {error}[/red]", error=req.error))
    for note in req.notes:
        console.print(f"note     {note}")
    usage_table(req.usage or c.requests.usage_summary(request_id))


def list_(
    user: Annotated[str | None, typer.Option(help="User id (default MANGAFLOW_USER_ID).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List stories with their episodes, and recent requests."""
    settings = load_settings()
    c = build_context(settings)
    uid = user or settings.user_id
    stories = repo(c).list_stories(uid)
    requests = c.requests.list_requests(uid, limit=20)
    if as_json:
        data = {
            "stories": [{**s.item(), "episodes": [e.item() for e in repo(c).list_episodes(s.story_id)]}
                        for s in stories],
            "requests": [r.model_dump(mode="json") for r in requests],
        }
        print(json.dumps(data, indent=2, default=str))
        return
    if not stories and not requests:
        console.print(f"No stories yet for user {uid}. Try: mangaflow generate --help")
        return
    table = Table(title=f"Stories of {uid}", header_style="bold")
    for col in ("story id", "title", "episodes (number, id, status)", "created"):
        table.add_column(col, overflow="fold")
    for s in stories:
        eps = repo(c).list_episodes(s.story_id)
        done = "\n".join(f"#{e.number} {e.episode_id or '-'} {e.status}" for e in eps)
        table.add_row(s.story_id, s.title, done or "-", s.created_at)
    console.print(table)
    rt = Table(title="Recent requests", header_style="bold")
    for col in ("request id", "status", "stage", "created", "error"):
        rt.add_column(col, overflow="fold")
    for r in requests:
        rt.add_row(r.request_id, r.status, r.stage, r.created_at, (r.error or "")[:80])
    console.print(rt)


