"""``regenerate_panel``: a new image for one panel, its page re-lettered, exports rebuilt."""

from __future__ import annotations

from typing import Any

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from flows.platform.hooks import mark_request_failed
from mangaflow.bootstrap import get_context
from mangaflow.manga.services import regenerate
from mangaflow.platform.requests import lifecycle as status
from tasks.manga import generation as t
from tasks.policy import retry_transient, with_policy


@task(name="draw-panel-version", retry_condition_fn=retry_transient, cache_policy=NO_CACHE)
def draw_panel_version(request_id: str) -> str:
    return regenerate.draw_new_version(get_context(), request_id)


@flow(name="regenerate-panel", on_failure=[mark_request_failed], on_crashed=[mark_request_failed])
def regenerate_panel(event: dict[str, Any]) -> dict[str, Any]:
    """``event``: ``{"requestId": ...}`` of a request made by ``start_regeneration``."""
    c = get_context()
    request_id = event["requestId"]
    req = c.requests.get_request(request_id)
    assert req.episode_id is not None
    with status.heartbeat(c, request_id):
        key = with_policy(draw_panel_version, c.settings)(request_id)
        page = regenerate.page_of(c, req.episode_id, int(req.params["panel"]))
        with_policy(t.letter_page, c.settings)(request_id, req.episode_id, page)
        exports = with_policy(t.export_episode, c.settings)(request_id, req.episode_id)
        status.complete(c, request_id)
    return {"image": key, "page": page, **exports}
