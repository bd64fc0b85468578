"""Usage and cost: each provider call's usage is stored per request, priced from the
configured table (``MANGAFLOW_PRICES``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from mangaflow.platform.context import Context
from mangaflow.platform.ports import Usage


def estimate(
    prices: Mapping[str, Mapping[str, float]], provider: str, model: str, usage: Usage
) -> float:
    """USD for ``usage``; prices keyed ``provider:model`` or ``provider`` with
    ``input_per_1k``, ``output_per_1k``, ``per_image``, ``per_call``, ``per_1k_characters``,
    ``per_second`` and ``per_quota_unit``. Unknown: 0."""
    row = prices.get(f"{provider}:{model}") or prices.get(provider) or {}
    cost = (
        usage.input_tokens / 1000 * row.get("input_per_1k", 0.0)
        + usage.output_tokens / 1000 * row.get("output_per_1k", 0.0)
        + usage.images * row.get("per_image", 0.0)
        + usage.calls * row.get("per_call", 0.0)
        + usage.characters / 1000 * row.get("per_1k_characters", 0.0)
        + usage.seconds * row.get("per_second", 0.0)
        + usage.quota_units * row.get("per_quota_unit", 0.0)
    )
    return round(cost, 6)


def record(
    c: Context, request_id: str, kind: str, provider: str, usage: Usage, model: str = ""
) -> None:
    """Store one provider call's usage, with its estimated cost from the price table."""
    if not usage.cost_usd:
        usage = replace(usage, cost_usd=estimate(c.settings.prices, provider, model, usage))
    c.requests.record_usage(request_id, provider, kind, usage)
