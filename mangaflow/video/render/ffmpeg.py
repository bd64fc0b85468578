"""Finding and running ffmpeg.

:func:`ffmpeg_exe` picks the binary: ``MANGAFLOW_FFMPEG_PATH``, else the one the
``imageio-ffmpeg`` package ships, else ``ffmpeg`` on ``PATH``. :func:`run_ffmpeg` runs it
with ``-progress pipe:1`` and reports ``(done_seconds, total_seconds)`` as it goes; a
failure raises :class:`~mangaflow.platform.errors.RenderError` with the tail of ffmpeg's
log (``details["stderr_tail"]``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
from collections import deque
from collections.abc import Callable, Sequence
from pathlib import Path

from mangaflow.platform.config import Settings
from mangaflow.platform.errors import ConfigError, RenderError

#: ``callback(done_seconds, total_seconds)``
Progress = Callable[[float, float], None]
INSTALL_HINT = (
    "install the imageio-ffmpeg package (pip install imageio-ffmpeg: it ships an ffmpeg "
    "binary), or ffmpeg itself (apt-get install ffmpeg / brew install ffmpeg), or set "
    "MANGAFLOW_FFMPEG_PATH to an ffmpeg binary"
)
#: Seconds between progress reports.
STATS_PERIOD_S = 0.25
TAIL_LINES = 25  # kept in details
MESSAGE_LINES = 5  # shown in the message


def _imageio_ffmpeg() -> str | None:
    try:
        import imageio_ffmpeg
    except ImportError:
        return None
    try:
        return str(imageio_ffmpeg.get_ffmpeg_exe())
    except RuntimeError:  # the package is there but its binary is not (unsupported platform)
        return None


def ffmpeg_exe(settings: Settings) -> str:
    """The ffmpeg binary to run. Raises ``ConfigError`` saying how to get one."""
    configured = settings.ffmpeg_path.strip()
    if configured:
        path = shutil.which(configured) or configured
        if not (os.path.isfile(path) and os.access(path, os.X_OK)):
            raise ConfigError(
                f"MANGAFLOW_FFMPEG_PATH is {configured!r}, which is not an executable file; "
                f"fix the path or unset it to use the bundled ffmpeg ({INSTALL_HINT})"
            )
        return path
    found = _imageio_ffmpeg() or shutil.which("ffmpeg")
    if not found:
        raise ConfigError(f"no ffmpeg found to render videos: {INSTALL_HINT}")
    return found


def _seconds(key: str, value: str) -> float | None:
    """Seconds from one ``-progress`` line (``out_time_us`` / ``out_time_ms`` are both µs)."""
    if key in ("out_time_us", "out_time_ms"):
        try:
            return max(0.0, int(value) / 1_000_000)
        except ValueError:  # "N/A" before the first frame
            return None
    return None


def run_ffmpeg(
    exe: str,
    args: Sequence[str],
    *,
    total_s: float,
    progress: Progress | None = None,
    cwd: Path | None = None,
    timeout_s: float | None = None,
) -> None:
    """Run ``exe args`` (``args`` without the binary; ``-progress`` is added here). Calls
    ``progress(done, total_s)`` with non-decreasing ``done`` and a last call with
    ``done == total_s`` on success. Raises ``RenderError`` with the log tail on failure or
    when ffmpeg runs longer than ``timeout_s`` (it is killed; so it is when ``progress``
    raises)."""
    cmd = [exe, "-hide_banner", "-nostdin", "-nostats", "-loglevel", "error",
           "-progress", "pipe:1", "-stats_period", str(STATS_PERIOD_S), *args]  # fmt: skip
    tail: deque[str] = deque(maxlen=TAIL_LINES)
    try:
        proc = subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
            cwd=cwd, text=True, errors="replace",
        )  # fmt: skip
    except OSError as exc:
        raise ConfigError(f"cannot run ffmpeg at {exe!r} ({exc}): {INSTALL_HINT}") from exc
    assert proc.stdout is not None and proc.stderr is not None
    stderr = proc.stderr

    def drain() -> None:  # stderr read on its own thread: a full pipe would stall ffmpeg
        for line in stderr:
            if line.strip():
                tail.append(line.rstrip())

    reader = threading.Thread(target=drain, name="ffmpeg-stderr", daemon=True)
    reader.start()
    timed_out = threading.Event()

    def kill() -> None:
        timed_out.set()
        proc.kill()

    watchdog = threading.Timer(timeout_s, kill) if timeout_s else None
    if watchdog:
        watchdog.daemon = True
        watchdog.start()
    done = 0.0
    try:
        for line in proc.stdout:
            key, _, value = line.strip().partition("=")
            seconds = _seconds(key, value)
            if seconds is not None and progress is not None:
                seconds = min(seconds, total_s)
                if seconds > done:
                    done = seconds
                    progress(done, total_s)
    except BaseException:
        proc.kill()  # never leave ffmpeg running behind a failed caller
        raise
    finally:
        code = proc.wait()
        if watchdog:
            watchdog.cancel()
        reader.join()
    if timed_out.is_set():
        raise RenderError(
            f"ffmpeg took longer than {timeout_s:.0f} s and was stopped",
            details={"exit_code": code, "stderr_tail": "\n".join(tail)},
        )
    if code != 0:
        last = "\n".join(list(tail)[-MESSAGE_LINES:]) or "(no output)"
        raise RenderError(
            f"ffmpeg failed (exit code {code}):\n{last}",
            details={"exit_code": code, "stderr_tail": "\n".join(tail)},
        )
    if progress is not None and done < total_s:
        progress(total_s, total_s)
