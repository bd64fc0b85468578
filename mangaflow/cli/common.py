"""What every command group shares: the consoles, errors, settings and context building, and
literal output. Text from users, providers or stored records is never read as Rich markup:
the consoles have markup off, and styled lines are built with :func:`styled`, which escapes
every value it fills in."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from mangaflow.platform.errors import MangaFlowError

console = Console(markup=False, highlight=False)
err = Console(stderr=True, markup=False, highlight=False)


def styled(template: str, **values: Any) -> Text:
    """``template`` is our own Rich markup; each ``{name}`` is filled with ``values[name]``
    printed literally (escaped), so a ``[/x]`` in a value is just text."""
    return Text.from_markup(template.format(**{k: escape(str(v)) for k, v in values.items()}))


def fail(message: str, code: int = 1) -> NoReturn:
    """Print ``error: message`` on stderr (literally) and exit with ``code``."""
    err.print(styled("[bold red]error:[/bold red] {message}", message=message))
    raise typer.Exit(code)


def load_settings() -> Any:
    """The settings from the environment; a bad ``MANGAFLOW_*`` value exits 2 naming it."""
    from mangaflow.platform.config import get_settings

    try:
        return get_settings()
    except MangaFlowError as exc:
        fail(exc.message, 2)
    except Exception as exc:  # pydantic-settings reports bad MANGAFLOW_* values
        fail(f"invalid MANGAFLOW_* setting: {exc}", 2)


def with_providers(current: Any, text: str | None, image: str | None, insights: str | None) -> Any:
    chosen = {"text_provider": text, "image_provider": image, "insights_provider": insights}
    return current.model_copy(update={k: v for k, v in chosen.items() if v})


def build_context(current: Any, **overrides: Any) -> Any:
    """The wired context for this process (installed for the flows it runs)."""
    from mangaflow.bootstrap import build, set_context

    try:
        ctx = build(current, **overrides)
    except MangaFlowError as exc:
        fail(exc.message, 2)
    set_context(ctx)
    return ctx


def usage_table(usage: dict[str, Any]) -> None:
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


@contextlib.contextmanager
def local_prefect(
    current: Any, on_failure: Callable[[str], object] | None = None
) -> Iterator[None]:
    """The Prefect API for flows run in this process: ``PREFECT_API_URL`` if set, else a local
    server started now and stopped with the command (killed with it on ``kill -9``). A server
    that cannot start exits 1 saying why (after ``on_failure(reason)``, which fails a request
    already stored, so none is left PENDING)."""
    from flows.platform.server import prefect_api

    console.print(styled("[dim]Starting Prefect (a local server for this run unless "
                         "PREFECT_API_URL is set)…[/dim]"))  # fmt: skip
    with contextlib.ExitStack() as stack:
        try:
            home = Path(os.environ.get("PREFECT_HOME") or current.prefect_home)
            stack.enter_context(prefect_api(home, current.prefect_startup_seconds))
        except MangaFlowError as exc:
            if on_failure is not None:
                on_failure(exc.message)
            fail(exc.message)
        yield
