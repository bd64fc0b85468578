"""Counting provider calls per request."""

from __future__ import annotations

from dataclasses import replace

from mangaflow.bootstrap import Container
from mangaflow.platform.ports import Usage
from mangaflow.platform.pricing import estimate


def record(
    c: Container, request_id: str, kind: str, provider: str, usage: Usage, model: str = ""
) -> None:
    """Store one provider call's usage, with its estimated cost from the price table."""
    if not usage.cost_usd:
        usage = replace(usage, cost_usd=estimate(c.settings.prices, provider, model, usage))
    c.repo.record_usage(request_id, provider, kind, usage)
