"""Network helpers for tests that need a port nothing listens on."""

from __future__ import annotations

import socket


def closed_port() -> int:
    """A loopback port that was free a moment ago (connecting to it is refused)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def closed_url(path: str = "") -> str:
    """``http://127.0.0.1:<closed port><path>``."""
    return f"http://127.0.0.1:{closed_port()}{path}"
