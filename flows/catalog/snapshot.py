"""``catalog-snapshot``: the weekly snapshot (Sunday 02:00 UTC) of the whole catalog."""

from __future__ import annotations

from typing import Any

from prefect import flow, get_run_logger

from mangaflow.bootstrap import get_context
from mangaflow.catalog.parts import catalog
from mangaflow.catalog.services import snapshot as snapshots


@flow(name="catalog-snapshot")
def catalog_snapshot(event: dict[str, Any] | None = None) -> dict[str, Any]:
    result = snapshots.snapshot(catalog(get_context()))
    get_run_logger().info("snapshot of %d entries at %s", result["count"], result["location"])
    return result
