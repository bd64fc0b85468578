"""A Prefect server for this process when none is configured (no ``PREFECT_API_URL``): the
CLI's runs report to it, and it dies with the process that started it.

Prefect's own "ephemeral" server starts lazily inside the first flow call, waits 20 s by
default (a fresh ``PREFECT_HOME`` takes 20-25 s here), picks a random port in 8000-8999, and
outlives a ``kill -9`` of its parent. This one:

* is started before any request is stored, so a server that cannot start strands nothing;
* waits ``MANGAFLOW_PREFECT_STARTUP_SECONDS`` (wall clock) and, on failure, says why with
  the tail of the server's log (``$PREFECT_HOME/server.log``);
* copies a migrated empty database into a fresh ``PREFECT_HOME`` (made once per Prefect
  version under ``$XDG_CACHE_HOME/mangaflow``), so a first run does not spend its start-up
  on migrations, and serializes start-ups on one home with a file lock, so concurrent CLI
  runs on one ``MANGAFLOW_HOME`` never migrate the same database at once;
* is a child that the kernel kills when its parent dies (``PR_SET_PDEATHSIG`` on Linux), and
  is stopped on a normal exit.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import prefect
from prefect.settings import PREFECT_API_URL, temporary_settings

from mangaflow.platform.errors import ConfigError

DB_NAME = "prefect.db"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    if sys.platform.startswith("linux"):
        import ctypes

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def _template_dir() -> Path:
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "mangaflow" / f"prefect-{prefect.__version__}"


class LocalServer:
    """One Prefect API server process on a loopback port, for ``prefect_home``."""

    def __init__(self, prefect_home: Path, startup_seconds: float) -> None:
        self.home = prefect_home
        self.startup_seconds = startup_seconds
        self.port = _free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    def _spawn(self, home: Path, log: Path) -> subprocess.Popen[bytes]:
        env = {**os.environ, "PREFECT_HOME": str(home), "PREFECT_UI_ENABLED": "0",
               "PREFECT__SERVER_EPHEMERAL": "1", "PREFECT__SERVER_FINAL": "1",
               "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}  # fmt: skip
        env.pop("PREFECT_API_URL", None)
        with log.open("ab") as out:
            return subprocess.Popen(
                [sys.executable, "-m", "uvicorn", "--app-dir",
                 str(prefect.__module_path__.parent), "--factory",
                 "prefect.server.api.server:create_app", "--host", "127.0.0.1",
                 "--port", str(self.port), "--log-level", "error", "--lifespan", "on"],
                env=env, stdout=out, stderr=subprocess.STDOUT, preexec_fn=_die_with_parent,
            )  # fmt: skip

    def _wait_healthy(self, process: subprocess.Popen[bytes], log: Path) -> None:
        deadline = time.monotonic() + self.startup_seconds
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise ConfigError(f"the local Prefect server exited with code "
                                  f"{process.returncode} while starting: {_tail(log)}")  # fmt: skip
            try:
                if httpx.get(f"{self.api_url}/health", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        process.kill()
        raise ConfigError(
            f"the local Prefect server did not start in {self.startup_seconds:g} s (raise "
            f"MANGAFLOW_PREFECT_STARTUP_SECONDS, or set PREFECT_API_URL to a running "
            f"server): {_tail(log)}"
        )

    def _seed_database(self) -> None:
        """A fresh home gets a copy of a migrated empty database (made once)."""
        if (self.home / DB_NAME).exists():
            return
        template = _template_dir() / DB_NAME
        if not template.exists():
            staging = _template_dir().with_name(f"{_template_dir().name}.{os.getpid()}")
            staging.mkdir(parents=True, exist_ok=True)
            process = self._spawn(staging, staging / "server.log")
            try:
                self._wait_healthy(process, staging / "server.log")
            finally:
                _stop(process)
            _checkpoint(staging / DB_NAME)
            with contextlib.suppress(OSError):  # another process may have made it meanwhile
                staging.rename(_template_dir())
            shutil.rmtree(staging, ignore_errors=True)
            self.port = _free_port()
        shutil.copyfile(template, self.home / DB_NAME)

    def start(self) -> None:
        self.home.mkdir(parents=True, exist_ok=True)
        log = self.home / "server.log"
        with (self.home / "server-start.lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # one start-up (and migration) at a time
            self._seed_database()
            self.process = self._spawn(self.home, log)
            try:
                self._wait_healthy(self.process, log)
            except BaseException:
                self.stop()
                raise

    def stop(self) -> None:
        if self.process is not None:
            _stop(self.process)
            self.process = None


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _checkpoint(db: Path) -> None:
    """Fold the write-ahead log into the database file, so copying one file copies it all."""
    import sqlite3

    with contextlib.closing(sqlite3.connect(db)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute("PRAGMA journal_mode=DELETE")


def _tail(log: Path, lines: int = 15) -> str:
    try:
        text = log.read_text(errors="replace").strip().splitlines()[-lines:]
    except OSError:
        return "(no server log)"
    return " | ".join(text) or "(the server printed nothing)"


@contextlib.contextmanager
def prefect_api(prefect_home: Path, startup_seconds: float) -> Iterator[str]:
    """The Prefect API this process reports to: ``PREFECT_API_URL`` if set, else a local
    server started here (and stopped, or killed with this process)."""
    configured = os.environ.get("PREFECT_API_URL") or PREFECT_API_URL.value()
    if configured:
        yield str(configured)
        return
    server = LocalServer(prefect_home, startup_seconds)
    server.start()
    os.environ["PREFECT_API_URL"] = server.api_url  # also for threads and child processes
    try:
        with temporary_settings(updates={PREFECT_API_URL: server.api_url}):
            try:
                yield server.api_url
            finally:
                # Logs still queued for the API go out while it is up (else Prefect prints
                # "Error logging to API" at exit, after the server is gone).
                from prefect.logging.handlers import APILogWorker

                APILogWorker.drain_all(timeout=10)
    finally:
        os.environ.pop("PREFECT_API_URL", None)
        server.stop()
