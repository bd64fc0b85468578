"""What the dashboard's buttons do, through the core services. Generation runs in a
background worker thread of the dashboard process (``flows.platform.worker.Worker``), which runs the
flow of each event published on the inline bus, one after another, as ``mangaflow
serve-api`` does. With another event bus (Prefect deployments, EventBridge) the services
publish there and no local worker is needed."""

from __future__ import annotations

import threading
from typing import Any

from mangaflow.manga.domain.preferences import Preferences, parse_preferences
from mangaflow.manga.repository import repo
from mangaflow.platform.context import Context
from mangaflow.platform.requests.model import GenerationRequest

_workers: dict[int, tuple[Context, Any]] = {}
_lock = threading.Lock()


def ensure_worker(c: Context) -> bool:
    """Start the context's background worker once (in-process bus only); ``True`` if one runs."""
    if not c.bus.in_process:
        return False
    with _lock:
        entry = _workers.get(id(c))
        if entry is None or entry[0] is not c or not entry[1].thread.is_alive():
            from flows.platform.worker import Worker

            worker = Worker(c)
            worker.__enter__()  # stopped with the process (daemon thread)
            _workers[id(c)] = (c, worker)
    return True


def create(c: Context, user_id: str, wire: dict[str, Any], seed: int = 0) -> GenerationRequest:
    """Validate like the API (``ValidationError`` naming the fields, nothing stored), store
    the request and start generating it."""
    prefs = parse_preferences(wire)
    return _submit(c, user_id, prefs, seed)


def _submit(c: Context, user_id: str, prefs: Preferences, seed: int) -> GenerationRequest:
    from mangaflow.manga.services.submit import submit_preferences

    ensure_worker(c)
    return submit_preferences(c, user_id, prefs, seed=seed)


def replay(c: Context, request_id: str) -> GenerationRequest:
    """Submit a new request with the same preferences, user and seed as ``request_id``.
    ``NotFound`` when that request carries no preferences (e.g. a continued episode)."""
    prefs, _ = repo(c).request_preferences(request_id)
    old = c.requests.get_request(request_id)
    return _submit(c, old.user_id, prefs, old.seed)


def resume(c: Context, request_id: str) -> GenerationRequest:
    """Continue a failed (or abandoned) request from where it stopped, as its own user;
    ``Conflict`` saying why when it cannot be resumed."""
    from mangaflow.manga.services.resume import resume as reopen

    ensure_worker(c)
    return reopen(c, c.requests.get_request(request_id).user_id, request_id)


def start_batch(c: Context, user_id: str, number_of_stories: int) -> dict[str, Any]:
    """A batch of stories from the user's latest preferences (``ValidationError`` when out
    of range or when the user has no stored preferences)."""
    from mangaflow.manga.services.batches import start_batch as start

    ensure_worker(c)
    return start(c, user_id, number_of_stories)


def get_batch(c: Context, user_id: str, batch_id: str) -> dict[str, Any]:
    from mangaflow.manga.services.batches import get_batch as read

    return read(c, batch_id, user_id)


def continue_story(c: Context, user_id: str, story_id: str) -> GenerationRequest:
    """Request the next episode of one of the user's stories (``NotFound`` otherwise)."""
    from mangaflow.manga.services.batches import continue_story as cont

    ensure_worker(c)
    return cont(c, user_id, story_id)
