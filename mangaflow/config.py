"""Settings: one pydantic-settings class, read through :func:`get_settings`, never at import.

Every field reads ``MANGAFLOW_<NAME>`` from the environment or a ``.env`` file.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def default_home() -> Path:
    """``$XDG_DATA_HOME/mangaflow`` or ``~/.local/share/mangaflow``."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "mangaflow"


class Settings(BaseSettings):
    """Everything MangaFlow can be configured with."""

    model_config = SettingsConfigDict(
        env_prefix="MANGAFLOW_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    home: Path = Field(
        default_factory=default_home,
        description="Directory holding all local state: mangaflow.db, blobs/, prefect/.",
    )
    table_backend: Literal["sqlite", "dynamodb"] = Field(
        default="sqlite", description="Where metadata lives."
    )
    blob_backend: Literal["local", "s3"] = Field(default="local", description="Where files live.")
    event_bus: Literal["inline", "prefect", "eventbridge"] = Field(
        default="inline", description="How the next flow is started after each stage."
    )
    text_provider: str = Field(default="offline", description="Registered text model name.")
    image_provider: str = Field(default="offline", description="Registered image model name.")
    insights_provider: str = Field(default="offline", description="Registered insights name.")
    user_id: str = Field(default="local", description="User id for CLI runs.")

    image_concurrency: int = Field(
        default=4, ge=1, le=64, description="Panels drawn at once (per image provider)."
    )
    retries: int = Field(default=3, ge=0, le=10, description="Retries of transient failures.")
    retry_backoff_seconds: float = Field(
        default=2.0, ge=0, description="Base of the exponential backoff between retries."
    )
    retry_jitter: float = Field(default=0.5, ge=0, le=5, description="Jitter factor on retry delays.")
    repair_attempts: int = Field(
        default=2, ge=0, le=5, description="Re-prompts when the LLM returns invalid JSON."
    )
    outline_episodes: int = Field(default=3, ge=1, le=24, description="Episodes in a new outline.")

    @property
    def db_path(self) -> Path:
        return self.home / "mangaflow.db"

    @property
    def blob_root(self) -> Path:
        return self.home / "blobs"

    @property
    def prefect_home(self) -> Path:
        return self.home / "prefect"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings (cached; call ``get_settings.cache_clear()`` after env changes)."""
    return Settings()
