"""Platform commands: the reaper, providers, serving the API and flows, tokens, the dashboard
and ``up`` (everything on loopback)."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from mangaflow.cli.common import (
    build_context,
    console,
    err,
    fail,
    load_settings,
    local_prefect,
    styled,
    with_providers,
)
from mangaflow.platform.errors import MangaFlowError


def register(app: typer.Typer) -> None:
    """Add the platform's commands to the root app."""
    app.command()(reap)
    app.command()(providers)
    app.command("serve-api")(serve_api)
    app.command("serve-flows")(serve_flows)
    app.command()(token)
    app.command()(dashboard)
    app.command()(up)


def reap(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="List them, change nothing.")] = False,
) -> None:
    """Fail requests stuck in PROCESSING: silent for MANGAFLOW_STALE_AFTER_SECONDS because the
    process running them died. The API's worker and the `reaper` deployment do this on their
    own; this is the manual way."""
    from mangaflow.platform.requests import lifecycle as status_service

    c = build_context(load_settings())
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


def providers(
    text_provider: Annotated[str | None, typer.Option(help="Check this text provider.")] = None,
    image_provider: Annotated[str | None, typer.Option(help="Check this image provider.")] = None,
    insights_provider: Annotated[str | None, typer.Option(help="Check this one.")] = None,
) -> None:
    """List the registered providers, which are selected, and whether each is configured."""
    from mangaflow.platform.registry import config_problems, load_registry

    settings = with_providers(load_settings(), text_provider, image_provider, insights_provider)
    try:
        registry = load_registry()
    except MangaFlowError as exc:
        fail(exc.message, 2)
    table = Table(title="Providers", header_style="bold")
    for col in ("kind", "name", "selected", "configuration"):
        table.add_column(col, overflow="fold")
    selected = {"text": settings.text_provider, "image": settings.image_provider,
                "insights": settings.insights_provider}  # fmt: skip
    incomplete = False
    for kind in ("text", "image", "insights"):
        names = sorted(getattr(registry, kind))
        if selected[kind] not in names:
            table.add_row(kind, selected[kind], "yes", styled("[red]not registered[/red]"))
            incomplete = True
        for name in names:
            problems = config_problems(registry, kind, name, settings)
            is_selected = name == selected[kind]
            incomplete |= is_selected and bool(problems)
            state = (styled("[green]complete[/green]") if not problems
                     else styled("[yellow]{problems}[/yellow]", problems="; ".join(problems)))  # fmt: skip
            table.add_row(kind, name, "yes" if is_selected else "", state)
    console.print(table)
    console.print("Select with MANGAFLOW_TEXT_PROVIDER / _IMAGE_PROVIDER / _INSIGHTS_PROVIDER "
                  "or the --*-provider options of generate.")  # fmt: skip
    if incomplete:
        raise typer.Exit(1)


def serve_api(
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1.")] = 8000,
    host: Annotated[str, typer.Option(help="Interface (loopback by default).")] = "127.0.0.1",
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Show Prefect logs.")] = False,
) -> None:
    """Serve the REST API with uvicorn; flows run in a background worker of this process, on
    the same MANGAFLOW_HOME store as the CLI. Stop with Ctrl-C."""
    settings = load_settings()
    from mangaflow.platform.runtime import prepare_prefect_env

    prepare_prefect_env(settings, quiet=not verbose)
    c = build_context(settings)
    import uvicorn

    from flows.platform.worker import Worker
    from mangaflow.api.app import create_app

    api = create_app(lambda: c)
    console.print(f"MangaFlow API on http://{host}:{port} (OpenAPI at /docs); flows run in a "
                  f"background worker. Get a token with: mangaflow token --user NAME")  # fmt: skip
    with local_prefect(settings), Worker(c):
        uvicorn.run(api, host=host, port=port, log_level="info" if verbose else "warning")


def serve_flows(
    limit: Annotated[int, typer.Option(help="Flow runs at once.", min=1)] = 4,
) -> None:
    """Serve prefect.yaml's deployments from this process (needs PREFECT_API_URL): runs started
    from the Prefect UI, by the `prefect` event bus or by the reaper's schedule execute here.
    Stage flows chain through MANGAFLOW_EVENT_BUS=prefect. Stop with Ctrl-C."""
    import os

    settings = load_settings()
    from prefect.settings import PREFECT_API_URL

    if not (os.environ.get("PREFECT_API_URL") or PREFECT_API_URL.value()):
        fail("serve-flows needs PREFECT_API_URL (a running `prefect server start`); "
              "`mangaflow up` starts both", 2)  # fmt: skip
    if settings.event_bus != "prefect":
        fail("serve-flows chains stages through Prefect deployments: set "
              "MANGAFLOW_EVENT_BUS=prefect", 2)  # fmt: skip
    from mangaflow.platform.runtime import prepare_prefect_env

    prepare_prefect_env(settings)
    from prefect import serve

    from flows.platform.serve import served_deployments

    try:
        deployments, skipped = served_deployments()
    except MangaFlowError as exc:
        fail(exc.message, 2)
    console.print(f"serving {', '.join(d.name for d in deployments)}"
                  + (f" (not {', '.join(skipped)}: they need the inline bus)"
                     if skipped else ""))  # fmt: skip
    serve(*deployments, limit=limit, print_starting_message=False)


def token(
    user: Annotated[str, typer.Option(help="User id the token speaks for.")],
    ttl: Annotated[int | None, typer.Option(help="Lifetime in seconds.")] = None,
    tenant: Annotated[str | None, typer.Option(help="Support: the user's tenant id.")] = None,
    role: Annotated[list[str] | None, typer.Option(
        help="Support: a role in the tenant, admin, agent or customer (repeat).")] = None,
) -> None:  # fmt: skip
    """Issue a local bearer token for the API (auth mode local); printed on the last line."""
    settings = load_settings()
    if settings.auth_mode != "local":
        fail("tokens are issued by Cognito when MANGAFLOW_AUTH_MODE=cognito", 2)
    if not user.strip():
        fail("--user must not be empty", 2)
    from mangaflow.api.auth import issue_local_token
    from mangaflow.platform.errors import MangaFlowError
    from mangaflow.support.tenancy import Principal

    roles = list(role or [])
    if roles and not tenant:
        fail("--role needs --tenant (roles are a tenant's)", 2)
    if tenant:
        try:
            Principal(tenant, user.strip(), frozenset(roles))
        except MangaFlowError as exc:
            fail(f"{exc.details[0]['field'] if exc.details else 'tenant'}: {exc.message}", 2)
    lifetime = ttl or settings.token_ttl_seconds
    scope = f" of tenant {tenant!r} ({', '.join(roles) or 'no roles'})" if tenant else ""
    err.print(f"Token for user {user!r}{scope}, valid {lifetime} s. Use it as: "
              f"Authorization: Bearer <token>")  # fmt: skip
    print(issue_local_token(settings, user.strip(), lifetime, tenant=tenant, roles=roles))


def dashboard(
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1.")] = 8501,
) -> None:
    """Open the Streamlit dashboard (runs, metrics, library, create) on loopback."""
    import subprocess

    app_file = Path(__file__).resolve().parents[2] / "dashboard" / "streamlit_app.py"
    if not app_file.is_file():
        fail(f"dashboard not found at {app_file} (run from a source checkout)", 2)
    console.print(f"MangaFlow dashboard on http://127.0.0.1:{port} (Ctrl-C to stop)")
    cmd = [sys.executable, "-m", "streamlit", "run", str(app_file), "--server.headless", "true",
           "--server.address", "127.0.0.1", "--server.port", str(port),
           "--browser.gatherUsageStats", "false", "--client.toolbarMode", "minimal"]  # fmt: skip
    raise typer.Exit(subprocess.call(cmd))


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

    settings = load_settings()
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
            err.print(styled("[yellow]no prefect.yaml here: deployments not served (run "
                             "`mangaflow up` from the MangaFlow checkout to serve them)[/yellow]"))  # fmt: skip
        else:
            start(
                "flow deployments",
                [str(bin_dir / "mangaflow"), "serve-flows"],
                MANGAFLOW_EVENT_BUS="prefect",
            )
        start("dashboard", [str(bin_dir / "mangaflow"), "dashboard", "--port",
                            str(dashboard_port)])  # fmt: skip
        wait_healthy(f"http://127.0.0.1:{api_port}/health", "the REST API")
        wait_healthy(f"http://127.0.0.1:{dashboard_port}/_stcore/health", "the dashboard")
        console.print(
            f"MangaFlow is up\n  API        http://127.0.0.1:{api_port}"
            f" (docs /docs; token: mangaflow token --user NAME)\n  Dashboard  "
            f"http://127.0.0.1:{dashboard_port}\n  Prefect UI http://127.0.0.1:{prefect_port}"
            " (prefect.yaml's deployments served)\n"
            "Ctrl-C stops everything."
        )
        while all(c.poll() is None for c in children):
            time.sleep(0.5)
        fail("a service stopped unexpectedly; shutting the others down")
    except KeyboardInterrupt:
        console.print("stopping …")
    except RuntimeError as exc:
        fail(str(exc))
    finally:
        stop_all()
