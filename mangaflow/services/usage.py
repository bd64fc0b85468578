"""Counting provider calls per request."""

from __future__ import annotations

from mangaflow.bootstrap import Container
from mangaflow.ports import Usage


def record(c: Container, request_id: str, kind: str, provider: str, usage: Usage) -> None:
    c.repo.record_usage(request_id, provider, kind, usage)
