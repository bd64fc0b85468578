"""``video-stats``: a published video's views, likes and comments at +1 h, +24 h and +7 d
(flow runs of ``video-stats/stats`` scheduled when the video is published)."""

from __future__ import annotations

import logging
from typing import Any

from prefect import flow, get_run_logger
from prefect.deployments import run_deployment
from prefect.exceptions import ObjectNotFound

from mangaflow.bootstrap import get_context
from mangaflow.video.events import VideoStatsRequested
from mangaflow.video.parts import studio
from mangaflow.video.services import finish

DEPLOYMENT = "video-stats/stats"
log = logging.getLogger(__name__)


def schedule_stats(video_id: str, published_at: str) -> list[str]:
    """Schedule the three statistics runs of a video; without the deployment (inline runs)
    nothing is scheduled and the video's record says so (``mangaflow video stats`` records
    them by hand)."""
    if not published_at:
        return []
    runs = []
    for label, when in finish.stats_due(published_at):
        detail = VideoStatsRequested(userId="system", requestId=f"stats-{video_id}",
                                     videoId=video_id, label=label).detail()  # fmt: skip
        try:
            run = run_deployment(DEPLOYMENT, parameters={"event": detail}, scheduled_time=when,
                                 timeout=0, idempotency_key=f"{video_id}-{label}")  # fmt: skip
        except ObjectNotFound:
            log.info("no deployment %s: statistics of %s not scheduled", DEPLOYMENT, video_id)
            return []
        runs.append(str(getattr(run, "id", "")))
    return runs


@flow(name="video-stats")
def video_stats(event: dict[str, Any]) -> dict[str, Any]:
    ev = VideoStatsRequested.model_validate(event)
    row = finish.record_stats(studio(get_context()), ev.video_id, ev.label)
    get_run_logger().info("%s of %s: %s", ev.label, ev.video_id, row)
    return row
