"""``generate_manga``: one request end to end (preferences → PDF/CBZ) through the inline bus."""

from __future__ import annotations

from typing import Any

from prefect import flow

from flows.platform.dispatch import HANDLERS
from flows.platform.local import no_heartbeats, run_here
from mangaflow.bootstrap import get_context
from mangaflow.manga.services.submit import submit_preferences
from mangaflow.platform.adapters.events.inline import in_process_bus


@flow(name="generate-manga")
def generate_manga(
    preferences: dict[str, Any], user_id: str = "local", seed: int = 0,
    request_id: str | None = None,
) -> dict[str, Any]:  # fmt: skip
    """Submit the preferences (or pick up ``request_id`` already submitted) and run story,
    episode 1 and images in this process. Stage failures mark the request FAILED through the
    stage flows' hooks and are raised here."""
    c = get_context()
    bus = in_process_bus(c.bus, "generate_manga")
    if request_id is None:
        request_id = submit_preferences(c, user_id, preferences, seed=seed).request_id
    # The stage flows run inside this flow's process, so this flow's heartbeat already tells
    # Prefect whether they are alive; theirs would only cost up to a second each at exit.
    with no_heartbeats():
        bus.drain(HANDLERS)
    req = c.requests.get_request(request_id)
    return {"request_id": request_id, "status": req.status, "episode_id": req.episode_id,
            "story_id": req.story_id}  # fmt: skip


def run_inline(preferences: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """Run :func:`generate_manga` in this process, as the CLI does (no flow heartbeats)."""
    return run_here(generate_manga, preferences, **kwargs)
