"""Serving ``prefect.yaml``'s deployments from one process (``mangaflow serve-flows``, started by
``mangaflow up``): runs created on the Prefect server (the UI's "Run", the ``prefect`` event
bus, the reaper's schedule) execute here, each in a subprocess. Stage flows chain through
``MANGAFLOW_EVENT_BUS=prefect``. Deployments that need the inline bus (``manga``, ``batch``:
every stage in one process) are not served: the API runs its batches in its own worker, and
a work pool (``prefect worker start``) runs those deployments."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import yaml

from mangaflow.platform.errors import ConfigError


def find_prefect_file() -> Path | None:
    """``prefect.yaml`` of the working directory, else of the checkout this code runs from."""
    for candidate in (Path.cwd() / "prefect.yaml",
                      Path(__file__).resolve().parents[2] / "prefect.yaml"):  # fmt: skip
        if candidate.is_file():
            return candidate
    return None


def _bus(entry: dict[str, Any]) -> str | None:
    env = ((entry.get("work_pool") or {}).get("job_variables") or {}).get("env") or {}
    return env.get("MANGAFLOW_EVENT_BUS")


def served_deployments(prefect_file: Path | None = None) -> tuple[list[Any], list[str]]:
    """(the deployments to serve, the names left out because they need the inline bus)."""
    prefect_file = prefect_file or find_prefect_file()
    if prefect_file is None:
        raise ConfigError("no prefect.yaml here: run serve-flows from a MangaFlow checkout")
    spec = yaml.safe_load(prefect_file.read_text())
    served, skipped = [], []
    for entry in spec["deployments"]:
        if _bus(entry) == "inline":
            skipped.append(entry["name"])
            continue
        path, attr = entry["entrypoint"].split(":")
        module = importlib.import_module(path.removesuffix(".py").replace("/", "."))
        intervals = [s["interval"] for s in entry.get("schedules") or [] if "interval" in s]
        served.append(getattr(module, attr).to_deployment(
            name=entry["name"], description=entry.get("description"),
            interval=intervals[0] if intervals else None,
        ))  # fmt: skip
    return served, skipped
