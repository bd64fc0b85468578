"""The generation flows. Each stage ends by publishing the next domain event; the event bus
decides how the next flow runs."""

from __future__ import annotations

from typing import Any

from prefect import flow, get_run_logger
from prefect.futures import as_completed
from prefect.task_runners import ThreadPoolTaskRunner

from flows.platform.hooks import mark_request_failed
from mangaflow.bootstrap import get_context
from mangaflow.manga.domain import keys
from mangaflow.manga.domain.events import (
    EpisodeCompleted,
    EpisodeGenerationRequested,
    ImageGenerationRequested,
    StoryGenerationRequested,
)
from mangaflow.manga.services import panels
from mangaflow.platform.requests import lifecycle as status
from tasks.manga import generation as t
from tasks.policy import with_policy

_HOOKS: dict[str, Any] = {"on_failure": [mark_request_failed], "on_crashed": [mark_request_failed]}


@flow(name="generate-story", **_HOOKS)
def generate_story(event: dict[str, Any]) -> str:
    """Insights and story bible for a request; publishes ``Episode Generation Requested``."""
    ev = StoryGenerationRequested.model_validate(event)
    c = get_context()
    log = get_run_logger()
    with status.heartbeat(c, ev.request_id):
        insights = with_policy(t.gather_insights, c.settings)(ev.request_id)
        story_id = with_policy(t.write_story, c.settings)(ev.request_id, insights)
    log.info("story %s written for request %s", story_id, ev.request_id)
    c.bus.publish(EpisodeGenerationRequested(
        userId=ev.user_id, requestId=ev.request_id, storyId=story_id, episodeNumber=1,
        storyS3Key=keys.story_md(ev.user_id, story_id),
    ))  # fmt: skip
    return story_id


@flow(name="generate-episode", **_HOOKS)
def generate_episode(event: dict[str, Any]) -> str:
    """Episode script N of a story; publishes ``Image Generation Requested``."""
    ev = EpisodeGenerationRequested.model_validate(event)
    c = get_context()
    with status.heartbeat(c, ev.request_id):
        episode_id = with_policy(t.write_episode, c.settings)(
            ev.request_id, ev.story_id, ev.episode_number
        )
    c.bus.publish(ImageGenerationRequested(
        userId=ev.user_id, requestId=ev.request_id, storyId=ev.story_id, episodeId=episode_id,
        episodeS3Key=keys.episode_md(ev.user_id, ev.story_id, ev.episode_number),
    ))  # fmt: skip
    return episode_id


# Wide enough for the largest per-provider limit; the provider's slots do the real bounding.
_PANEL_RUNNER: Any = ThreadPoolTaskRunner(max_workers=16)


@flow(name="generate-images", task_runner=_PANEL_RUNNER, **_HOOKS)
def generate_images(event: dict[str, Any]) -> dict[str, Any]:
    """Every panel drawn concurrently (bounded by the provider's slots); each page is lettered
    as soon as its panels exist; then the PDF and CBZ. Marks the request COMPLETED and
    publishes ``Episode Generation Completed``."""
    ev = ImageGenerationRequested.model_validate(event)
    c = get_context()
    with status.heartbeat(c, ev.request_id):
        exports = _draw_letter_export(c, ev)
        status.complete(c, ev.request_id)
    c.progress.stage(ev.request_id, "done")
    c.bus.publish(EpisodeCompleted(
        userId=ev.user_id, requestId=ev.request_id, storyId=ev.story_id, episodeId=ev.episode_id,
        pdfS3Key=exports["pdf"], cbzS3Key=exports["cbz"],
    ))  # fmt: skip
    return exports


def _draw_letter_export(c: Any, ev: ImageGenerationRequested) -> dict[str, Any]:
    c.requests.mark_stage(ev.request_id, "images")
    pages = panels.panel_pages(c, ev.episode_id)  # page number -> its panel numbers
    total = sum(len(p) for p in pages.values())
    c.progress.stage(ev.request_id, "images", f"{total} panels, {c.image_limit} at once")
    draw = with_policy(t.draw_panel, c.settings)
    letter = with_policy(t.letter_page, c.settings)
    drawing = {
        draw.submit(ev.request_id, ev.episode_id, n): (page, n)
        for page, numbers in pages.items()
        for n in numbers
    }
    waiting = {page: set(numbers) for page, numbers in pages.items()}
    lettered = []
    for done, future in enumerate(as_completed(list(drawing)), start=1):
        future.result()
        page, n = drawing[future]
        waiting[page].discard(n)
        if not waiting[page]:
            lettered.append(letter.submit(ev.request_id, ev.episode_id, page))
        c.progress.panels(ev.request_id, done, total)
    for future in lettered:
        future.result()
    exports: dict[str, Any] = with_policy(t.export_episode, c.settings)(
        ev.request_id, ev.episode_id
    )
    return exports
