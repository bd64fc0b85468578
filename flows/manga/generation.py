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
from mangaflow.platform.errors import MangaFlowError
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
    lettered: dict[Any, int] = {}
    failed: dict[int, BaseException] = {}  # panel number -> its error after all retries
    drawn = 0
    # Every panel runs to its end even when another has failed: a later resume then only
    # draws what is missing, and every page whose panels all exist is lettered meanwhile.
    for future in as_completed(list(drawing)):
        page, n = drawing[future]
        try:
            future.result()
        except Exception as exc:  # noqa: BLE001 - reported with the others once all are done
            failed[n] = exc
            continue
        drawn += 1
        waiting[page].discard(n)
        if not waiting[page]:
            lettered[letter.submit(ev.request_id, ev.episode_id, page)] = page
        c.progress.panels(ev.request_id, drawn, total)
    letter_failed: dict[int, BaseException] = {}
    for future, page in lettered.items():
        try:
            future.result()
        except Exception as exc:  # noqa: BLE001
            letter_failed[page] = exc
    if failed or letter_failed:
        raise unfinished_episode(failed, letter_failed, total, sorted(lettered.values()))
    exports: dict[str, Any] = with_policy(t.export_episode, c.settings)(
        ev.request_id, ev.episode_id
    )
    return exports


def unfinished_episode(
    panels_failed: dict[int, BaseException], pages_failed: dict[int, BaseException],
    total: int, lettered: list[int],
) -> BaseException:  # fmt: skip
    """One error naming every panel (and page) that failed after its retries. Its type is
    that of the first failure when it is a MangaFlow error (``ProviderUnavailable``, ...), so
    the request's error still says what kind of failure it was."""
    failures = [*(panels_failed[n] for n in sorted(panels_failed)),
                *(pages_failed[n] for n in sorted(pages_failed))]  # fmt: skip
    first = failures[0]

    def said(exc: BaseException) -> str:
        text = exc.message if isinstance(exc, MangaFlowError) else str(exc)
        return f"{type(exc).__name__}: {text[:200]}"

    parts = []
    if panels_failed:
        names = ", ".join(str(n) for n in sorted(panels_failed))
        parts.append(
            f"{len(panels_failed)} of {total} panels failed after their retries "
            f"(panels {names}); panel {min(panels_failed)}: {said(panels_failed[min(panels_failed)])}"
        )
    if pages_failed:
        names = ", ".join(str(n) for n in sorted(pages_failed))
        parts.append(f"lettering failed for pages {names}: {said(pages_failed[min(pages_failed)])}")
    done = ", ".join(str(n) for n in lettered if n not in pages_failed) or "none"
    message = (f"{'; '.join(parts)}. Pages lettered: {done}. The other panels are stored: "
               "running the request again draws only the missing ones.")  # fmt: skip
    kind = type(first) if isinstance(first, MangaFlowError) else MangaFlowError
    try:
        error = kind(message, details={"failed_panels": sorted(panels_failed),
                                       "failed_pages": sorted(pages_failed)})  # fmt: skip
    except TypeError:  # a subclass with another signature
        error = MangaFlowError(message)
    error.__cause__ = first
    return error
