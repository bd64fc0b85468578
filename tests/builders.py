"""Building test data through the real services (no Prefect)."""

from __future__ import annotations

from mangaflow.manga.services import episode, lettering, panels, story
from mangaflow.manga.services.submit import submit_preferences
from mangaflow.platform.context import Context
from tests.conftest import VALID_PREFS


def make_episode(c: Context, user: str = "alice", pages: int = 1) -> dict[str, str]:
    """One finished episode (story, script, panels, lettered pages, PDF, CBZ) and its request
    marked COMPLETED; returns the request, story and episode ids."""
    req = submit_preferences(c, user, {**VALID_PREFS, "pagesPerEpisode": pages}, publish=False)
    story_id = story.write_story(c, req.request_id, {})
    episode_id = episode.write_episode(c, req.request_id, story_id, 1)
    for numbers in panels.panel_pages(c, episode_id).values():
        for n in numbers:
            panels.draw_panel(c, req.request_id, episode_id, n)
    lettering.letter_episode(c, req.request_id, episode_id)
    c.requests.mark_finished(req.request_id, "COMPLETED", story_id=story_id, episode_id=episode_id)
    return {"request": req.request_id, "story": story_id, "episode": episode_id}
