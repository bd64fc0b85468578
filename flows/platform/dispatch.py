"""Which flow handles which event, and the once-only delivery rule (an event delivered twice
starts one run)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flows.manga.batch import run_batch
from flows.manga.generation import generate_episode, generate_images, generate_story
from flows.manga.regenerate import regenerate_panel
from mangaflow.bootstrap import get_container
from mangaflow.platform.events import (
    BatchWorkflowRequested,
    DomainEvent,
    EpisodeGenerationRequested,
    ImageGenerationRequested,
    PanelRegenerationRequested,
    StoryGenerationRequested,
)

FLOWS: dict[str, Callable[[dict[str, Any]], Any]] = {
    StoryGenerationRequested.detail_type: generate_story,
    EpisodeGenerationRequested.detail_type: generate_episode,
    ImageGenerationRequested.detail_type: generate_images,
    BatchWorkflowRequested.detail_type: run_batch,
    PanelRegenerationRequested.detail_type: regenerate_panel,
}


def run_once(event: DomainEvent) -> Any:
    """Run the event's flow unless this event id already ran (or is running).
    A failed run releases its claim so the event can be delivered again."""
    repo = get_container().repo
    if not repo.claim_event(event.event_id, event.detail_type):
        return None
    try:
        return FLOWS[event.detail_type](event.detail())
    except BaseException:
        repo.release_event(event.event_id)
        raise


HANDLERS: dict[str, Callable[[DomainEvent], Any]] = {name: run_once for name in FLOWS}
