"""One task per pipeline step. Results are small (ids and blob keys), never images."""

from __future__ import annotations

from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE

from mangaflow.bootstrap import get_context
from mangaflow.manga.services import episode, lettering, panels, story
from tasks.policy import retry_transient

_COMMON: dict[str, Any] = {"retry_condition_fn": retry_transient, "cache_policy": NO_CACHE}


@task(name="gather-insights", **_COMMON)
def gather_insights(request_id: str) -> dict[str, Any]:
    return story.gather_insights(get_context(), request_id)


@task(name="write-story", **_COMMON)
def write_story(request_id: str, insights: dict[str, Any]) -> str:
    return story.write_story(get_context(), request_id, insights)


@task(name="write-episode", **_COMMON)
def write_episode(request_id: str, story_id: str, number: int) -> str:
    return episode.write_episode(get_context(), request_id, story_id, number)


@task(name="draw-panel", task_run_name="draw-panel-{panel_number}", **_COMMON)
def draw_panel(request_id: str, episode_id: str, panel_number: int) -> str:
    return panels.draw_panel(get_context(), request_id, episode_id, panel_number)


@task(name="letter-page", task_run_name="letter-page-{page_number}", **_COMMON)
def letter_page(request_id: str, episode_id: str, page_number: int) -> str:
    return lettering.letter_page(get_context(), request_id, episode_id, page_number)


@task(name="export-episode", **_COMMON)
def export_episode(request_id: str, episode_id: str) -> dict[str, Any]:
    return lettering.export_episode(get_context(), request_id, episode_id)
