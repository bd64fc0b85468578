"""Process setup shared by the CLI and tests: point Prefect's state under MANGAFLOW_HOME.

Sets environment defaults only (it does not import Prefect), so call it before Prefect is
imported. Values already set in the environment win.
"""

from __future__ import annotations

import math
import os

from mangaflow.platform.config import Settings


def prepare_prefect_env(settings: Settings, *, quiet: bool = True) -> None:
    prefect_home = settings.prefect_home
    os.environ.setdefault("PREFECT_HOME", str(prefect_home))
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_API_SERVICES_TELEMETRY_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    # Prefect's own temporary server (a process that runs flows without a CLI run's server,
    # e.g. the dashboard's worker) waits as long; Prefect takes whole seconds.
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS",
                          str(max(1, math.ceil(settings.prefect_startup_seconds))))  # fmt: skip
    if quiet:
        os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
        os.environ.setdefault("PREFECT_LOGGING_SERVER_LEVEL", "WARNING")
