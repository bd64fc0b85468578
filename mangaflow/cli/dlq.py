"""``mangaflow dlq``: dead letters, events whose flows kept failing."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from mangaflow.cli.common import build_context, console, fail, load_settings, local_prefect, styled

dlq_app = typer.Typer(help="Dead letters: events whose flows kept failing.", no_args_is_help=True)


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

        settings = load_settings()
        rows = deadletters.list_sqs(boto3.client("sqs", region_name=settings.aws_region),
                                    queue_url)  # fmt: skip
    else:
        rows = deadletters.list_local(build_context(load_settings()))
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

    settings = load_settings()
    if queue_url:
        if not to:
            fail("--queue-url needs --to SOURCE_QUEUE_URL", 2)
        import boto3

        moved = deadletters.replay_sqs(boto3.client("sqs", region_name=settings.aws_region),
                                       queue_url, str(to))  # fmt: skip
        console.print(f"moved {moved} message(s) back to {to}")
        return
    from mangaflow.platform.runtime import prepare_prefect_env

    prepare_prefect_env(settings)
    c = build_context(settings)
    try:
        replayed = deadletters.replay_local(c, dead_letter_id)
    except NotFound as exc:
        fail(exc.message)
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
    with local_prefect(settings), no_heartbeats():
        c.bus.drain(HANDLERS, on_error=again)
    if failed:
        fail(f"{len(failed)} event(s) failed again and are back in the dead-letter store")
    console.print(styled("[green]replayed {n} event(s)[/green]", n=len(replayed)))


