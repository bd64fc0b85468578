"""Submitting preferences: validate, store the preferences and the request together, publish
``Story Generation Requested``. Nothing is stored when validation fails."""

from __future__ import annotations

import uuid
from typing import Any

from mangaflow.manga.domain.events import StoryGenerationRequested
from mangaflow.manga.domain.preferences import Preferences, parse_preferences
from mangaflow.manga.repository import repo
from mangaflow.platform.context import Context
from mangaflow.platform.requests.model import GenerationRequest


def submit_preferences(
    c: Context, user_id: str, data: dict[str, Any] | Preferences, *, seed: int = 0,
    publish: bool = True,
) -> GenerationRequest:  # fmt: skip
    """Store a new request for ``user_id`` and (by default) publish its first event."""
    prefs = data if isinstance(data, Preferences) else parse_preferences(data)
    req = GenerationRequest(request_id=uuid.uuid4().hex, user_id=user_id, seed=seed)
    c.requests.ensure_profile(user_id)
    repo(c).create_request(req, prefs)
    if publish:
        c.bus.publish(StoryGenerationRequested(userId=user_id, requestId=req.request_id, seed=seed))
    return req
