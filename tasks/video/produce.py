"""One task per production step of a video. Results are small (blob keys, counts)."""

from __future__ import annotations

from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE

from mangaflow.bootstrap import get_context
from mangaflow.video.parts import studio
from mangaflow.video.services import finish, narrate, produce
from tasks.policy import retry_transient

_COMMON: dict[str, Any] = {"retry_condition_fn": retry_transient, "cache_policy": NO_CACHE}


@task(name="write-video-script", **_COMMON)
def write_script(request_id: str) -> str:
    return produce.write_script(studio(get_context()), request_id)


@task(name="plan-visuals", **_COMMON)
def plan_visuals(request_id: str) -> int:
    return produce.plan_visuals(studio(get_context()), request_id)


@task(name="draw-still", task_run_name="draw-still-{index}", **_COMMON)
def draw_still(request_id: str, index: int) -> str:
    return produce.draw_still(studio(get_context()), request_id, index)


@task(name="plan-narration", **_COMMON)
def plan_narration(request_id: str) -> int:
    return narrate.plan(studio(get_context()), request_id)


@task(name="narrate-segment", task_run_name="narrate-segment-{index}", **_COMMON)
def narrate_segment(request_id: str, index: int) -> str:
    return narrate.narrate_segment(studio(get_context()), request_id, index)


@task(name="render-video", **_COMMON)
def render_video(request_id: str) -> dict[str, Any]:
    return finish.render(studio(get_context()), request_id)


@task(name="publish-video", **_COMMON)
def publish_video(request_id: str) -> dict[str, Any]:
    return finish.publish(studio(get_context()), request_id)
