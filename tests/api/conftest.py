from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest
from fastapi.testclient import TestClient

from mangaflow.api.app import create_app
from mangaflow.api.auth import issue_local_token, local_secret
from mangaflow.bootstrap import Container, build, set_container
from mangaflow.services import episode, lettering, panels, story
from mangaflow.services.submit import submit_preferences
from tests.conftest import VALID_PREFS, make_settings


class Api:
    """A TestClient with tokens for two users, and one finished episode owned by alice."""

    def __init__(self, c: Container) -> None:
        self.c = c
        self.client = TestClient(create_app(lambda: c), raise_server_exceptions=False)
        self.alice = {"Authorization": f"Bearer {issue_local_token(c.settings, 'alice')}"}
        self.bob = {"Authorization": f"Bearer {issue_local_token(c.settings, 'bob')}"}
        self.ids: dict[str, str] = {}

    def make_episode(self) -> dict[str, str]:
        c = self.c
        req = submit_preferences(c, "alice", {**VALID_PREFS, "pagesPerEpisode": 1}, publish=False)
        story_id = story.write_story(c, req.request_id, {})
        episode_id = episode.write_episode(c, req.request_id, story_id, 1)
        for numbers in panels.panel_pages(c, episode_id).values():
            for n in numbers:
                panels.draw_panel(c, req.request_id, episode_id, n)
        lettering.letter_episode(c, req.request_id, episode_id)
        c.repo.mark_finished(req.request_id, "COMPLETED")
        self.ids = {"request": req.request_id, "story": story_id, "episode": episode_id}
        return self.ids

    def token(self, **claims: Any) -> dict[str, str]:
        now = int(time.time())
        base = {"sub": "alice", "iss": self.c.settings.jwt_issuer, "iat": now, "exp": now + 60}
        base.update(claims)
        return {"Authorization": f"Bearer {jwt.encode(base, local_secret(self.c.settings))}"}


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    c = build(make_settings(tmp_path / "home", api_rate_per_minute=1000))
    set_container(c)
    yield Api(c)
