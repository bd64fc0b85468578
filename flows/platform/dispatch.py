"""Which flow handles which event (derived from the route table,
:func:`mangaflow.products.routes`), and the once-only delivery rule (an event delivered twice
starts one run)."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from functools import cache
from typing import Any

from mangaflow.bootstrap import get_context
from mangaflow.platform.events import DomainEvent
from mangaflow.products import routes

Flow = Callable[[dict[str, Any]], Any]


def load_entrypoint(entrypoint: str) -> Any:
    """The object at ``path/to/file.py:name`` (a ``prefect.yaml`` entrypoint)."""
    path, name = entrypoint.split(":")
    return getattr(importlib.import_module(path.removesuffix(".py").replace("/", ".")), name)


@cache
def flows() -> dict[str, Flow]:
    """detail-type → the flow that handles it (imported on first use)."""
    return {route.detail_type: load_entrypoint(route.entrypoint) for route in routes()}


def run_once(event: DomainEvent) -> Any:
    """Run the event's flow unless this event id already ran (or is running).
    A failed run releases its claim so the event can be delivered again."""
    store = get_context().requests
    if not store.claim_event(event.event_id, event.detail_type):
        return None
    try:
        return flows()[event.detail_type](event.detail())
    except BaseException:
        store.release_event(event.event_id)
        raise


#: The inline bus's handlers: every routed event goes through :func:`run_once`.
HANDLERS: dict[str, Callable[[DomainEvent], Any]] = {route.detail_type: run_once
                                                     for route in routes()}  # fmt: skip
