"""Stopping the servers and workers tests start as subprocesses."""

from __future__ import annotations

import os
import signal
import subprocess


def terminate(proc: subprocess.Popen[bytes], timeout: float = 20, *, group: bool = False) -> None:
    """SIGTERM (to its whole process group with ``group``, e.g. a worker and the flow runs it
    started), then SIGKILL if it has not exited within ``timeout`` seconds."""
    if proc.poll() is not None:
        return
    if group:
        os.killpg(proc.pid, signal.SIGTERM)
    else:
        proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        if group:
            os.killpg(proc.pid, signal.SIGKILL)
        else:
            proc.kill()
        proc.wait(timeout=timeout)
