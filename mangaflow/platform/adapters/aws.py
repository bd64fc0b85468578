"""boto3 clients for the AWS adapters: each from a private session (clients are thread-safe,
boto3's default session is not), built when first needed (never at import)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any


def make_client(service: str, region: str | None = None, **kwargs: Any) -> Any:
    """A ``service`` client from a private boto3 session (no network: credentials are
    resolved when the first request is signed). ``kwargs`` go to ``Session.client``."""
    import boto3.session

    return boto3.session.Session().client(service, region_name=region, **kwargs)


class LazyClient:
    """``client()`` is the given client, or the one ``build`` makes on the first call (once,
    even when threads race for it)."""

    def __init__(self, build: Callable[[], Any], client: Any = None) -> None:
        self._build = build
        self._client = client
        self._lock = threading.Lock()

    def __call__(self) -> Any:
        if self._client is None:
            with self._lock:
                if self._client is None:
                    self._client = self._build()
        return self._client
