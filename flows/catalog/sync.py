"""``catalog-sync``: the weekly sync (Saturday 01:00 UTC), its counts per outcome published as
a Prefect table artifact."""

from __future__ import annotations

from typing import Any

from prefect import flow, get_run_logger
from prefect.artifacts import create_table_artifact

from mangaflow.bootstrap import get_context
from mangaflow.catalog.events import CatalogSyncRequested
from mangaflow.catalog.parts import catalog
from mangaflow.catalog.services import sync as sync_service


@flow(name="catalog-sync")
def catalog_sync(event: dict[str, Any] | None = None) -> dict[str, Any]:
    """``event``: the detail of ``catalog.sync.requested`` (``location``, ``force``)."""
    ev = CatalogSyncRequested.model_validate(event or {"userId": "system", "requestId": "weekly"})
    log = get_run_logger()
    cat = catalog(get_context())

    def progress(phase: str, done: int, total: int) -> None:
        log.info("%s: %d%s entries", phase, done, f" of {total}" if total else "")

    report = sync_service.sync(cat, ev.location, force=ev.force, progress=progress)
    rows = sync_service.sync_counts(report)
    create_table_artifact(
        key="catalog-sync", table=rows,
        description=f"Catalog sync {report.sync_id} of {report.source} ({report.version[:19]}): "
        + ("source unchanged, skipped" if report.skipped else f"{report.entries} entries"),
    )  # fmt: skip
    log.info("sync %s: %s", report.sync_id, report.counts or "skipped (source unchanged)")
    return report.model_dump(mode="json")
