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
from mangaflow.bootstrap import build, set_context
from mangaflow.platform.context import Context
from tests.builders import make_episode
from tests.conftest import make_settings


class Api:
    """A TestClient with tokens for two users, and one finished episode owned by alice."""

    def __init__(self, c: Context) -> None:
        self.c = c
        self.client = TestClient(create_app(lambda: c), raise_server_exceptions=False)
        self.alice = {"Authorization": f"Bearer {issue_local_token(c.settings, 'alice')}"}
        self.bob = {"Authorization": f"Bearer {issue_local_token(c.settings, 'bob')}"}
        self.ids: dict[str, str] = {}

    def make_episode(self) -> dict[str, str]:
        self.ids = make_episode(self.c, "alice")
        return self.ids

    def token(self, **claims: Any) -> dict[str, str]:
        now = int(time.time())
        base = {"sub": "alice", "iss": self.c.settings.jwt_issuer, "iat": now, "exp": now + 60}
        base.update(claims)
        return {"Authorization": f"Bearer {jwt.encode(base, local_secret(self.c.settings))}"}


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    c = build(make_settings(tmp_path / "home", api_rate_per_minute=1000))
    set_context(c)
    yield Api(c)
