"""``catalog-airing`` (daily, 00:30 UTC): each entry airing in the next 24 hours gets a flow
run of ``catalog-episode-update/episode-update`` scheduled at its air time (one per entry and
episode: the run's idempotency key). ``catalog-episode-update`` is that run."""

from __future__ import annotations

from typing import Any, cast

from prefect import flow, get_run_logger
from prefect.artifacts import create_table_artifact
from prefect.deployments import run_deployment
from prefect.exceptions import ObjectNotFound

from mangaflow.bootstrap import get_context
from mangaflow.catalog.events import CatalogEpisodeAired
from mangaflow.catalog.parts import catalog
from mangaflow.catalog.services import airing

UPDATE_DEPLOYMENT = "catalog-episode-update/episode-update"


@flow(name="catalog-airing")
def catalog_airing(event: dict[str, Any] | None = None, hours: float = 24.0) -> dict[str, Any]:
    log = get_run_logger()
    upcoming = airing.due(catalog(get_context()), hours=hours)
    scheduled, missing = [], None
    for a in upcoming:
        detail = CatalogEpisodeAired(userId="system", requestId=f"airing-{a.anime_id}",
                                     animeId=a.anime_id, episode=a.episode).detail()  # fmt: skip
        try:
            run = run_deployment(
                UPDATE_DEPLOYMENT, parameters={"event": detail}, scheduled_time=a.airing_at,
                timeout=0, idempotency_key=f"{a.anime_id}-episode-{a.episode}",
            )  # fmt: skip
        except ObjectNotFound:
            missing = (f"no deployment {UPDATE_DEPLOYMENT}: deploy prefect.yaml (`prefect deploy "
                       "--all`) or run `mangaflow up`; nothing was scheduled")  # fmt: skip
            log.error(missing)
            break
        scheduled.append({**a.wire(), "flowRunId": str(cast(Any, run).id)})
        log.info("episode %d of %s scheduled at %s", a.episode, a.title, a.airing_at.isoformat())
    if scheduled:
        create_table_artifact(key="catalog-airing", table=scheduled,
                              description=f"{len(scheduled)} episode updates scheduled")  # fmt: skip
    return {"due": len(upcoming), "scheduled": scheduled, "error": missing}


@flow(name="catalog-episode-update")
def catalog_episode_update(event: dict[str, Any]) -> dict[str, Any]:
    ev = CatalogEpisodeAired.model_validate(event)
    return airing.episode_aired(catalog(get_context()), ev.anime_id, ev.episode)
