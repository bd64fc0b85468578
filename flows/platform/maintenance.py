"""``reap_stale_requests``: the scheduled sweep (deployment ``reaper`` in ``prefect.yaml``)
that fails requests left PROCESSING by a flow-run process that died before its hooks ran
(killed, out of memory, a lost ECS task). Running flows send heartbeats; a request silent for
``MANGAFLOW_STALE_AFTER_SECONDS`` is failed with an error saying so."""

from __future__ import annotations

from prefect import flow, get_run_logger

from mangaflow.bootstrap import get_context
from mangaflow.platform.requests import lifecycle as status


@flow(name="reap-stale-requests")
def reap_stale_requests() -> list[str]:
    """Fail the stale requests; returns their ids."""
    reaped = status.reap_stale(get_context())
    log = get_run_logger()
    for req in reaped:
        log.warning("request %s (stage %s) silent since %s: marked FAILED",
                    req.request_id, req.stage, req.last_seen)  # fmt: skip
    log.info("%d stale request(s) failed", len(reaped))
    return [r.request_id for r in reaped]
