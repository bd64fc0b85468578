"""``video-produce``: one video request end to end (script → stills → narration → render →
publish). Stills and narration clips run concurrently; every stage is idempotent, so a
resumed request continues where it stopped. With MediaConvert the flow ends after submitting
the job; ``video-render-finished`` (the job-state event) publishes."""

from __future__ import annotations

from typing import Any

from prefect import flow, get_run_logger
from prefect.task_runners import ThreadPoolTaskRunner

from flows.platform.hooks import error_text
from flows.video.stats import schedule_stats
from mangaflow.bootstrap import get_context
from mangaflow.platform.requests import lifecycle as status
from mangaflow.video.events import VideoRenderFinished, VideoRequested
from mangaflow.video.parts import studio
from mangaflow.video.services import mediaconvert_stage, produce
from tasks.policy import with_policy
from tasks.video import produce as t


def mark_video_failed(flow: Any, flow_run: Any, state: Any) -> None:
    """``on_failure`` / ``on_crashed``: the request and its video are FAILED with the error."""
    event = flow_run.parameters.get("event") or {}
    request_id = event.get("requestId") if isinstance(event, dict) else None
    if request_id:
        produce.fail(studio(get_context()), request_id, error_text(state))


_HOOKS: dict[str, Any] = {"on_failure": [mark_video_failed], "on_crashed": [mark_video_failed]}
_RUNNER: Any = ThreadPoolTaskRunner(max_workers=8)


def _all(futures: list[Any]) -> list[Any]:
    """Every future to its end, then the first error (a resume redoes only what failed)."""
    results, errors = [], []
    for f in futures:
        try:
            results.append(f.result())
        except Exception as exc:  # noqa: BLE001 - raised below once all are done
            errors.append(exc)
    if errors:
        raise errors[0]
    return results


@flow(name="video-produce", task_runner=_RUNNER, **_HOOKS)
def video_produce(event: dict[str, Any]) -> dict[str, Any]:
    ev = VideoRequested.model_validate(event)
    c = get_context()
    s = c.settings
    log = get_run_logger()
    rid = ev.request_id
    with status.heartbeat(c, rid):
        with_policy(t.write_script, s)(rid)
        stills = with_policy(t.plan_visuals, s)(rid)
        draw = with_policy(t.draw_still, s)
        drawing = [draw.submit(rid, i) for i in range(stills)]
        _all(drawing)
        segments = with_policy(t.plan_narration, s)(rid)
        speak = with_policy(t.narrate_segment, s)
        _all([speak.submit(rid, i) for i in range(segments)])
        if s.video_renderer == "mediaconvert":
            job_id = mediaconvert_stage.submit(studio(c), rid)
            log.info("MediaConvert job %s submitted for request %s", job_id, rid)
            return {"request_id": rid, "job": job_id}
        files = with_policy(t.render_video, s)(rid)
        published = with_policy(t.publish_video, s)(rid)
    log.info("video %s published: %s", ev.video_id, published.get("url"))
    schedule_stats(ev.video_id, published.get("published_at", ""))
    return {"request_id": rid, "files": files, "publish": published}


@flow(name="video-render-finished", **_HOOKS)
def video_render_finished(event: dict[str, Any]) -> dict[str, Any]:
    """A MediaConvert job ended: keep its output and publish, or fail the request."""
    ev = VideoRenderFinished.model_validate(event)
    c = get_context()
    with status.heartbeat(c, ev.request_id):
        mediaconvert_stage.finished(studio(c), ev.request_id, ev.job_id, ev.status,
                                    ev.error_message)  # fmt: skip
        published = with_policy(t.publish_video, c.settings)(ev.request_id)
    schedule_stats(c.requests.get_request(ev.request_id).params["video_id"],
                   published.get("published_at", ""))  # fmt: skip
    return {"request_id": ev.request_id, "publish": published}
