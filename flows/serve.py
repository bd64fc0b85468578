"""Serving ``prefect.yaml``'s deployments from one process (``mangaflow serve-flows``, started by
``mangaflow up``): runs created on the Prefect server (the UI's "Run", the ``prefect`` event
bus, the reaper's schedule) execute here, each in a subprocess. Stage flows chain through
``MANGAFLOW_EVENT_BUS=prefect``; deployments that need the inline bus (``manga``, ``batch``:
every stage in one process) are left to the API's worker."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import yaml

from mangaflow.errors import ConfigError

PREFECT_FILE = Path(__file__).resolve().parents[1] / "prefect.yaml"


def _bus(entry: dict[str, Any]) -> str | None:
    env = ((entry.get("work_pool") or {}).get("job_variables") or {}).get("env") or {}
    return env.get("MANGAFLOW_EVENT_BUS")


def served_deployments(prefect_file: Path = PREFECT_FILE) -> tuple[list[Any], list[str]]:
    """(the deployments to serve, the names left out because they need the inline bus)."""
    if not prefect_file.exists():
        raise ConfigError(f"{prefect_file} not found: serve-flows runs from a MangaFlow checkout")
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
