"""Test-wide setup. Prefect state goes to a per-session temp dir *before* Prefect is imported
(otherwise a second run gets cache hits and results from the first)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

_SESSION_DIR = Path(tempfile.mkdtemp(prefix="mangaflow-tests-"))
os.environ["PREFECT_HOME"] = str(_SESSION_DIR / "prefect")
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
os.environ["DO_NOT_TRACK"] = "1"
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
os.environ.setdefault("PREFECT_LOGGING_SERVER_LEVEL", "WARNING")
# Tests never read the developer's real settings or data.
for _key in [k for k in os.environ if k.startswith("MANGAFLOW_")]:
    del os.environ[_key]
os.environ["MANGAFLOW_HOME"] = str(_SESSION_DIR / "home-unused")

import pytest  # noqa: E402

from mangaflow.bootstrap import Context, build, set_context  # noqa: E402
from mangaflow.platform.config import Settings, get_settings  # noqa: E402

VALID_PREFS = {
    "genres": ["Action", "Fantasy"],
    "themes": ["Friendship"],
    "artStyle": "Black and White",
    "targetAudience": "Teens",
    "contentRating": "PG-13",
}


def make_settings(home: Path, **overrides: object) -> Settings:
    """Settings built explicitly (no env, no .env): fast retries for tests. Adapters make one
    attempt per call (``provider_retries=0``) so call counts stay those of the task retries;
    tests of the in-call retries pass ``provider_retries`` explicitly."""
    values: dict[str, object] = {
        "home": home, "retry_backoff_seconds": 0.0, "retry_jitter": 0.0, "retries": 3,
        "provider_retries": 0, "provider_retry_backoff_seconds": 0.0,
    }  # fmt: skip
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path / "home")


@pytest.fixture
def container(settings: Settings) -> Iterator[Context]:
    c = build(settings)
    set_context(c)
    yield c
    set_context(None)


@pytest.fixture(scope="session")
def prefect_server() -> Iterator[None]:
    """One real Prefect server (temporary database) for every test that runs flows."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=180):
        yield


@pytest.fixture(autouse=True)
def _fresh_settings_cache() -> Iterator[None]:
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()
    set_context(None)
