"""Running flows inside this process (the CLI's way)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

R = TypeVar("R")


def no_heartbeats() -> Any:
    """Flow heartbeats off. A self-hosted server acts on them only through an automation the
    user creates, and the engine spends up to a second joining the heartbeat thread (it sleeps
    in 1 s steps) each time a flow ends."""
    return temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None})


def run_here(flow_fn: Callable[..., R], *args: Any, **kwargs: Any) -> R:
    """Call a flow in this process without heartbeats."""
    with no_heartbeats():
        return flow_fn(*args, **kwargs)
