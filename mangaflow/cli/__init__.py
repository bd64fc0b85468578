"""``mangaflow``: generate manga episodes and inspect runs from the command line."""

from __future__ import annotations

import json
import shutil
import sys
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from mangaflow.manga.repository import repo
from mangaflow.platform.errors import MangaFlowError, ValidationError

app = typer.Typer(
    name="mangaflow",
    help="MangaFlow: personalized manga, from preferences to a lettered PDF and CBZ.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()
err = Console(stderr=True)


def _fail(message: str, code: int = 1) -> None:
    err.print(f"[bold red]error:[/bold red] {message}", highlight=False)
    raise typer.Exit(code)


def _settings() -> Any:
    from mangaflow.platform.config import get_settings

    try:
        return get_settings()
    except MangaFlowError as exc:
        _fail(exc.message, 2)
    except Exception as exc:  # pydantic-settings reports bad MANGAFLOW_* values
        _fail(f"invalid MANGAFLOW_* setting: {exc}", 2)


def _with_providers(settings: Any, text: str | None, image: str | None, insights: str | None) -> Any:
    chosen = {"text_provider": text, "image_provider": image, "insights_provider": insights}
    return settings.model_copy(update={k: v for k, v in chosen.items() if v})


def _container(settings: Any, **overrides: Any) -> Any:
    from mangaflow.bootstrap import build, set_context

    try:
        container = build(settings, **overrides)
    except MangaFlowError as exc:
        _fail(exc.message, 2)
    set_context(container)
    return container


@app.command()
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
        _fail(_cli_field_names(str(exc)), 2)
    settings = _with_providers(_settings(), text_provider, image_provider, insights_provider)
    if out is not None and out.exists() and not out.is_dir():
        _fail(f"--out {out} exists and is not a directory", 2)

    from mangaflow.platform.runtime import prepare_prefect_env

    prepare_prefect_env(settings, quiet=not verbose)
    from mangaflow.cli.progress import RichProgress

    started = time.perf_counter()
    with RichProgress(console) as progress:
        c = _container(settings, progress=progress)
        from mangaflow.manga.services.submit import submit_preferences

        req = submit_preferences(c, user or settings.user_id, prefs, seed=seed)
        console.print(f"Request [bold]{req.request_id}[/bold] · providers: "
                      + ", ".join(f"{k} {v}" for k, v in c.provider_labels.items()))  # fmt: skip
        console.print("[dim]Starting Prefect (a local temporary server unless "
                      "PREFECT_API_URL is set)…[/dim]")  # fmt: skip
        from flows.manga.pipeline import run_inline

        try:
            run_inline(prefs.wire(), user_id=req.user_id, seed=seed,
                           request_id=req.request_id)  # fmt: skip
        except KeyboardInterrupt:
            from mangaflow.platform.requests import lifecycle as request_status

            progress.progress.stop()
            request_status.fail(c, req.request_id, "interrupted by the user (Ctrl-C)")
            _fail(f"interrupted; request {req.request_id} marked FAILED. Panels already "
                  f"drawn are kept.", 130)  # fmt: skip
        except Exception as exc:  # the request record holds the cause; show it, not a traceback
            failed = c.requests.get_request(req.request_id)
            progress.progress.stop()
            _fail(f"request {req.request_id} {failed.status}: {failed.error or exc}")
    final = c.requests.get_request(req.request_id)
    if final.status != "COMPLETED" or not final.episode_id:
        _fail(f"request {req.request_id} ended {final.status}: {final.error}")
    paths = _deliver(c, final.episode_id, out)
    elapsed = time.perf_counter() - started
    _print_summary(c, final, paths, elapsed)


@app.command()
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

    settings = _settings()
    from mangaflow.platform.runtime import prepare_prefect_env

    prepare_prefect_env(settings, quiet=not verbose)
    c = _container(settings)
    uid = user or settings.user_id
    try:
        req = start_regeneration(c, uid, episode_id, panel, prompt)
    except NotFound:
        _fail(f"no episode {episode_id} for user {uid}")
    except ValidationError as exc:
        _fail(str(exc), 2)
    previous = repo(c).get_episode(episode_id).panel_version(panel)
    console.print(f"Request [bold]{req.request_id}[/bold]: panel {panel} → version "
                  f"{req.params['version']}")  # fmt: skip
    from flows.manga.regenerate import regenerate_panel
    from flows.platform.local import run_here

    try:
        with console.status("Drawing the panel, re-lettering its page, rebuilding PDF and CBZ"):
            result = run_here(regenerate_panel, {"requestId": req.request_id})
    except Exception as exc:  # the request record holds the cause
        _fail(f"request {req.request_id} {c.requests.get_request(req.request_id).error or exc}")
    ep = repo(c).get_episode(episode_id)
    old = ep.panel_key(panel, previous)
    console.print(f"[bold green]✓[/bold green] panel {panel} redrawn (page {result['page']})")
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
    console.print(f"[bold green]✓[/bold green] [bold]{story.title}[/bold] — Episode "
                  f"{ep.number}: {ep.title}  ({ep.pages} pages, {ep.panels} panels, "
                  f"{elapsed:.1f} s)")  # fmt: skip
    if c.offline:
        console.print("[yellow]Offline providers: the story is template-written and the art "
                      "procedural.[/yellow]")  # fmt: skip
    table = Table(show_header=True, header_style="bold")
    table.add_column("output")
    table.add_column("path", overflow="fold")
    for kind in ("pdf", "cbz", "story", "episode", "panels"):
        if kind in paths:
            table.add_row(kind.upper() if kind in ("pdf", "cbz") else kind, paths[kind])
    console.print(table)
    console.print(f"episode id {req.episode_id} · redraw a panel with "
                  f"[bold]mangaflow regenerate {req.episode_id} PANEL_NO[/bold]")  # fmt: skip
    _usage_table(req.usage)
    # Plain lines last, easy to grep in scripts.
    print(f"PDF: {paths['pdf']}")
    print(f"CBZ: {paths['cbz']}")


def _usage_table(usage: dict[str, Any]) -> None:
    if not usage:
        return
    table = Table(title="Provider usage", show_header=True, header_style="bold")
    for col in ("provider", "calls", "tokens in", "tokens out", "images", "cost USD"):
        table.add_column(col, justify="right" if col != "provider" else "left")
    for name, u in sorted(usage.items()):
        table.add_row(name, str(int(u["calls"])), str(int(u["input_tokens"])),
                      str(int(u["output_tokens"])), str(int(u["images"])),
                      f"{u['cost_usd']:.4f}")  # fmt: skip
    console.print(table)


@app.command()
def status(
    request_id: Annotated[str, typer.Argument(help="The request id printed by generate.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show a request's status, stage, error and provider usage."""
    from mangaflow.platform.errors import NotFound

    c = _container(_settings())
    try:
        req = c.requests.get_request(request_id)
    except NotFound:
        _fail(f"no request {request_id}")
    if as_json:
        print(json.dumps(req.model_dump(mode="json"), indent=2))
        return
    colour = {"COMPLETED": "green", "FAILED": "red"}.get(req.status, "yellow")
    console.print(f"request  {req.request_id}\nstatus   [{colour}]{req.status}[/{colour}]"
                  f"\nstage    {req.stage}\ncreated  {req.created_at}\nupdated  {req.updated_at}")  # fmt: skip
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
        console.print(f"[red]error    {req.error}[/red]", highlight=False)
    for note in req.notes:
        console.print(f"note     {note}")
    _usage_table(req.usage or c.requests.usage_summary(request_id))


@app.command("list")
def list_(
    user: Annotated[str | None, typer.Option(help="User id (default MANGAFLOW_USER_ID).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List stories with their episodes, and recent requests."""
    settings = _settings()
    c = _container(settings)
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


@app.command()
def reap(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="List them, change nothing.")] = False,
) -> None:
    """Fail requests stuck in PROCESSING: silent for MANGAFLOW_STALE_AFTER_SECONDS because the
    process running them died. The API's worker and the `reaper` deployment do this on their
    own; this is the manual way."""
    from mangaflow.platform.requests import lifecycle as status_service

    c = _container(_settings())
    after = c.settings.stale_after_seconds
    found = status_service.stale(c) if dry_run else status_service.reap_stale(c)
    if not found:
        console.print(f"No request has been silent in PROCESSING for {after:g} s.")
        return
    table = Table(title=f"{'Stuck' if dry_run else 'Failed'} requests (silent > {after:g} s)",
                  header_style="bold")  # fmt: skip
    for col in ("request id", "user", "stage", "last sign of life"):
        table.add_column(col, overflow="fold")
    for r in found:
        table.add_row(r.request_id, r.user_id, r.stage, r.last_seen)
    console.print(table)
    if dry_run:
        console.print("Run `mangaflow reap` without --dry-run to mark them FAILED.")


@app.command()
def providers(
    text_provider: Annotated[str | None, typer.Option(help="Check this text provider.")] = None,
    image_provider: Annotated[str | None, typer.Option(help="Check this image provider.")] = None,
    insights_provider: Annotated[str | None, typer.Option(help="Check this one.")] = None,
) -> None:
    """List the registered providers, which are selected, and whether each is configured."""
    from mangaflow.platform.registry import config_problems, load_registry

    settings = _with_providers(_settings(), text_provider, image_provider, insights_provider)
    try:
        registry = load_registry()
    except MangaFlowError as exc:
        _fail(exc.message, 2)
    table = Table(title="Providers", header_style="bold")
    for col in ("kind", "name", "selected", "configuration"):
        table.add_column(col, overflow="fold")
    selected = {"text": settings.text_provider, "image": settings.image_provider,
                "insights": settings.insights_provider}  # fmt: skip
    incomplete = False
    for kind in ("text", "image", "insights"):
        names = sorted(getattr(registry, kind))
        if selected[kind] not in names:
            table.add_row(kind, selected[kind], "yes", "[red]not registered[/red]")
            incomplete = True
        for name in names:
            problems = config_problems(registry, kind, name, settings)
            is_selected = name == selected[kind]
            incomplete |= is_selected and bool(problems)
            state = "[green]complete[/green]" if not problems else "[yellow]" + "; ".join(
                problems) + "[/yellow]"  # fmt: skip
            table.add_row(kind, name, "yes" if is_selected else "", state)
    console.print(table)
    console.print("Select with MANGAFLOW_TEXT_PROVIDER / _IMAGE_PROVIDER / _INSIGHTS_PROVIDER "
                  "or the --*-provider options of generate.")  # fmt: skip
    if incomplete:
        raise typer.Exit(1)


@app.command("serve-api")
def serve_api(
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1.")] = 8000,
    host: Annotated[str, typer.Option(help="Interface (loopback by default).")] = "127.0.0.1",
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Show Prefect logs.")] = False,
) -> None:
    """Serve the REST API with uvicorn; flows run in a background worker of this process, on
    the same MANGAFLOW_HOME store as the CLI. Stop with Ctrl-C."""
    settings = _settings()
    from mangaflow.platform.runtime import prepare_prefect_env

    prepare_prefect_env(settings, quiet=not verbose)
    c = _container(settings)
    import uvicorn

    from flows.platform.worker import Worker
    from mangaflow.api.app import create_app

    api = create_app(lambda: c)
    console.print(f"MangaFlow API on http://{host}:{port} (OpenAPI at /docs); flows run in a "
                  f"background worker. Get a token with: mangaflow token --user NAME")  # fmt: skip
    with Worker(c):
        uvicorn.run(api, host=host, port=port, log_level="info" if verbose else "warning")


@app.command("serve-flows")
def serve_flows(
    limit: Annotated[int, typer.Option(help="Flow runs at once.", min=1)] = 4,
) -> None:
    """Serve prefect.yaml's deployments from this process (needs PREFECT_API_URL): runs started
    from the Prefect UI, by the `prefect` event bus or by the reaper's schedule execute here.
    Stage flows chain through MANGAFLOW_EVENT_BUS=prefect. Stop with Ctrl-C."""
    import os

    settings = _settings()
    from prefect.settings import PREFECT_API_URL

    if not (os.environ.get("PREFECT_API_URL") or PREFECT_API_URL.value()):
        _fail("serve-flows needs PREFECT_API_URL (a running `prefect server start`); "
              "`mangaflow up` starts both", 2)  # fmt: skip
    if settings.event_bus != "prefect":
        _fail("serve-flows chains stages through Prefect deployments: set "
              "MANGAFLOW_EVENT_BUS=prefect", 2)  # fmt: skip
    from mangaflow.platform.runtime import prepare_prefect_env

    prepare_prefect_env(settings)
    from prefect import serve

    from flows.platform.serve import served_deployments

    try:
        deployments, skipped = served_deployments()
    except MangaFlowError as exc:
        _fail(exc.message, 2)
    console.print(f"serving {', '.join(d.name for d in deployments)}"
                  + (f" (not {', '.join(skipped)}: they need the inline bus)"
                     if skipped else ""))  # fmt: skip
    serve(*deployments, limit=limit, print_starting_message=False)


@app.command()
def token(
    user: Annotated[str, typer.Option(help="User id the token speaks for.")],
    ttl: Annotated[int | None, typer.Option(help="Lifetime in seconds.")] = None,
) -> None:
    """Issue a local bearer token for the API (auth mode local); printed on the last line."""
    settings = _settings()
    if settings.auth_mode != "local":
        _fail("tokens are issued by Cognito when MANGAFLOW_AUTH_MODE=cognito", 2)
    if not user.strip():
        _fail("--user must not be empty", 2)
    from mangaflow.api.auth import issue_local_token

    lifetime = ttl or settings.token_ttl_seconds
    err.print(f"Token for user {user!r}, valid {lifetime} s. Use it as: "
              f"Authorization: Bearer <token>")  # fmt: skip
    print(issue_local_token(settings, user.strip(), lifetime))


@app.command()
def dashboard(
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1.")] = 8501,
) -> None:
    """Open the Streamlit dashboard (runs, metrics, library, create) on loopback."""
    import subprocess

    app_file = Path(__file__).resolve().parents[2] / "dashboard" / "streamlit_app.py"
    if not app_file.is_file():
        _fail(f"dashboard not found at {app_file} (run from a source checkout)", 2)
    console.print(f"MangaFlow dashboard on http://127.0.0.1:{port} (Ctrl-C to stop)")
    cmd = [sys.executable, "-m", "streamlit", "run", str(app_file), "--server.headless", "true",
           "--server.address", "127.0.0.1", "--server.port", str(port),
           "--browser.gatherUsageStats", "false", "--client.toolbarMode", "minimal"]  # fmt: skip
    raise typer.Exit(subprocess.call(cmd))


@app.command()
def up(
    api_port: Annotated[int, typer.Option(help="REST API port.")] = 8000,
    dashboard_port: Annotated[int, typer.Option(help="Dashboard port.")] = 8501,
    prefect_port: Annotated[int, typer.Option(help="Prefect server (UI and API) port.")] = 4200,
) -> None:
    """Everything on loopback with one command: a Prefect server, the REST API (its requests run
    in its worker and report to that server), prefect.yaml's deployments served (runs from the
    Prefect UI; the reaper every 5 minutes) and the dashboard. Ctrl-C stops them all."""
    import os
    import signal
    import subprocess

    import httpx

    settings = _settings()
    from mangaflow.platform.runtime import prepare_prefect_env

    prepare_prefect_env(settings)
    api_url = f"http://127.0.0.1:{prefect_port}/api"
    env = {**os.environ, "PREFECT_API_URL": api_url, "PREFECT_SERVER_API_HOST": "127.0.0.1",
           "PREFECT_SERVER_API_PORT": str(prefect_port)}  # fmt: skip
    bin_dir = Path(sys.executable).parent
    children: list[subprocess.Popen[bytes]] = []

    def start(name: str, cmd: list[str], **extra_env: str) -> None:
        console.print(f"starting {name}: {' '.join(cmd[:3])} …")
        children.append(subprocess.Popen(cmd, env={**env, **extra_env}, start_new_session=True))

    def stop_all() -> None:
        for child in reversed(children):
            if child.poll() is None:
                os.killpg(child.pid, signal.SIGTERM)
        for child in children:
            try:
                child.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(child.pid, signal.SIGKILL)

    def wait_healthy(url: str, name: str, seconds: float = 120) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if any(c.poll() is not None for c in children):
                raise RuntimeError(f"a service exited while waiting for {name}")
            try:
                if httpx.get(url, timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        raise RuntimeError(f"{name} did not become healthy at {url} in {seconds:.0f} s")

    try:
        start("Prefect server", [str(bin_dir / "prefect"), "server", "start", "--host",
                                 "127.0.0.1", "--port", str(prefect_port)])  # fmt: skip
        wait_healthy(f"{api_url}/health", "the Prefect server")
        start("REST API", [str(bin_dir / "mangaflow"), "serve-api", "--port", str(api_port)])
        from flows.platform.serve import find_prefect_file

        if find_prefect_file() is None:
            err.print("[yellow]no prefect.yaml here: deployments not served (run `mangaflow up` "
                      "from the MangaFlow checkout to serve them)[/yellow]")  # fmt: skip
        else:
            start("flow deployments", [str(bin_dir / "mangaflow"), "serve-flows"],
                  MANGAFLOW_EVENT_BUS="prefect")
        start("dashboard", [str(bin_dir / "mangaflow"), "dashboard", "--port",
                            str(dashboard_port)])  # fmt: skip
        wait_healthy(f"http://127.0.0.1:{api_port}/health", "the REST API")
        wait_healthy(f"http://127.0.0.1:{dashboard_port}/_stcore/health", "the dashboard")
        console.print(
            f"[bold green]MangaFlow is up[/bold green]\n  API        http://127.0.0.1:{api_port}"
            f" (docs /docs; token: mangaflow token --user NAME)\n  Dashboard  "
            f"http://127.0.0.1:{dashboard_port}\n  Prefect UI http://127.0.0.1:{prefect_port}"
            " (prefect.yaml's deployments served)\n"
            "Ctrl-C stops everything."
        )
        while all(c.poll() is None for c in children):
            time.sleep(0.5)
        _fail("a service stopped unexpectedly; shutting the others down")
    except KeyboardInterrupt:
        console.print("stopping …")
    except RuntimeError as exc:
        err.print(f"[bold red]error:[/bold red] {exc}")
        raise typer.Exit(1) from None
    finally:
        stop_all()


dlq_app = typer.Typer(help="Dead letters: events whose flows kept failing.", no_args_is_help=True)
app.add_typer(dlq_app, name="dlq")


@dlq_app.command("list")
def dlq_list(
    queue_url: Annotated[
        str | None, typer.Option(help="An SQS dead-letter queue (AWS); default: the local store.")
    ] = None,
) -> None:
    """List dead letters with their reason."""
    from mangaflow.platform.requests import deadletters

    if queue_url:
        import boto3

        settings = _settings()
        rows = deadletters.list_sqs(boto3.client("sqs", region_name=settings.aws_region),
                                    queue_url)  # fmt: skip
    else:
        rows = deadletters.list_local(_container(_settings()))
    if not rows:
        console.print("No dead letters.")
        return
    table = Table(title="Dead letters", header_style="bold")
    for col in ("id", "event", "request", "reason"):
        table.add_column(col, overflow="fold")
    for r in rows:
        table.add_row(r["id"], str(r["detailType"]), str(r["requestId"]), r["reason"])
    console.print(table)


@dlq_app.command("replay")
def dlq_replay(
    dead_letter_id: Annotated[str | None, typer.Argument(help="One id (default: all).")] = None,
    queue_url: Annotated[str | None, typer.Option(help="SQS dead-letter queue (AWS).")] = None,
    to: Annotated[str | None, typer.Option(help="With --queue-url: the source queue.")] = None,
) -> None:
    """Deliver dead letters again. Locally they are republished and run now; on AWS they are
    moved back to their source queue."""
    from mangaflow.platform.errors import NotFound
    from mangaflow.platform.requests import deadletters

    settings = _settings()
    if queue_url:
        if not to:
            _fail("--queue-url needs --to SOURCE_QUEUE_URL", 2)
        import boto3

        moved = deadletters.replay_sqs(boto3.client("sqs", region_name=settings.aws_region),
                                       queue_url, str(to))  # fmt: skip
        console.print(f"moved {moved} message(s) back to {to}")
        return
    from mangaflow.platform.runtime import prepare_prefect_env

    prepare_prefect_env(settings)
    c = _container(settings)
    try:
        replayed = deadletters.replay_local(c, dead_letter_id)
    except NotFound as exc:
        _fail(exc.message)
    if not replayed:
        console.print("No dead letters to replay.")
        return
    from flows.platform.dispatch import HANDLERS
    from flows.platform.local import no_heartbeats

    failed: list[str] = []

    def again(event: Any, exc: BaseException) -> None:
        deadletters.record(c, event, f"{type(exc).__name__}: {exc}")
        failed.append(event.event_id)

    console.print(f"replaying {len(replayed)} event(s) …")
    with no_heartbeats():
        c.bus.drain(HANDLERS, on_error=again)
    if failed:
        _fail(f"{len(failed)} event(s) failed again and are back in the dead-letter store")
    console.print(f"[green]replayed {len(replayed)} event(s)[/green]")


def main() -> None:  # pragma: no cover - console entry
    sys.exit(app())
