"""Request metrics for the Overview page, as pure functions over plain request dicts
(``GenerationRequest.model_dump(mode="json")``): no Streamlit, no storage.

Durations are ``updated_at - created_at`` of finished requests: a request's record is last
written when it reaches COMPLETED or FAILED, so this is its time from submission to the end.
Percentiles use the nearest-rank method (p95 of 20 values is the 19th smallest).
Success rate is COMPLETED / (COMPLETED + FAILED); requests still running do not count.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from mangaflow.platform.requests.model import parse_ts
from mangaflow.platform.requests.store import USAGE_FIELDS

STATUSES: tuple[str, ...] = ("PENDING", "PROCESSING", "COMPLETED", "FAILED")

Row = Mapping[str, Any]


def duration_seconds(row: Row) -> float | None:
    """Seconds from creation to the last update of a finished request (``None`` otherwise)."""
    if row.get("status") not in ("COMPLETED", "FAILED"):
        return None
    seconds = (parse_ts(row["updated_at"]) - parse_ts(row["created_at"])).total_seconds()
    return max(seconds, 0.0)


def percentile(values: Sequence[float], p: float) -> float | None:
    """Nearest-rank percentile (``p`` in 0-100); ``None`` for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def success_rate(completed: int, failed: int) -> float | None:
    finished = completed + failed
    return completed / finished if finished else None


def status_counts(rows: Iterable[Row]) -> dict[str, int]:
    counts = dict.fromkeys(STATUSES, 0)
    for row in rows:
        counts[row["status"]] = counts.get(row["status"], 0) + 1
    return counts


def _stats(rows: Sequence[Row]) -> dict[str, Any]:
    counts = status_counts(rows)
    durations = [d for r in rows if r["status"] == "COMPLETED"
                 if (d := duration_seconds(r)) is not None]  # fmt: skip
    return {
        "requests": len(rows),
        "completed": counts["COMPLETED"],
        "failed": counts["FAILED"],
        "running": counts["PENDING"] + counts["PROCESSING"],
        "success_rate": success_rate(counts["COMPLETED"], counts["FAILED"]),
        "p50_s": percentile(durations, 50),
        "p95_s": percentile(durations, 95),
    }


def overall(rows: Sequence[Row]) -> dict[str, Any]:
    """Counts, success rate and p50/p95 duration (of completed requests) over all rows."""
    return _stats(rows)


def by_type(rows: Sequence[Row]) -> list[dict[str, Any]]:
    """One row of stats per request type (STORY, EPISODE, REGENERATE, ...), sorted by type."""
    groups: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        groups[row.get("type", "STORY")].append(row)
    return [{"type": t, **_stats(groups[t])} for t in sorted(groups)]


def by_day_and_type(rows: Sequence[Row]) -> list[dict[str, Any]]:
    """Stats per UTC day of creation and request type, oldest day first."""
    groups: dict[tuple[str, str], list[Row]] = defaultdict(list)
    for row in rows:
        groups[(row["created_at"][:10], row.get("type", "STORY"))].append(row)
    return [{"day": day, "type": t, **_stats(groups[(day, t)])} for day, t in sorted(groups)]


def usage_totals(
    summaries: Iterable[Mapping[str, Mapping[str, float]]],
) -> tuple[dict[str, float], list[dict[str, Any]]]:
    """Sum ``Repository.usage_summary`` results: totals, and one row per ``kind/provider``."""
    per_key: dict[str, dict[str, float]] = {}
    for summary in summaries:
        for key, usage in summary.items():
            agg = per_key.setdefault(key, dict.fromkeys(USAGE_FIELDS, 0.0))
            for name in USAGE_FIELDS:
                agg[name] = agg[name] + float(usage.get(name, 0) or 0)
    totals = dict.fromkeys(USAGE_FIELDS, 0.0)
    rows: list[dict[str, Any]] = []
    for key in sorted(per_key):
        kind, _, provider = key.partition("/")
        agg = per_key[key]
        rows.append({"kind": kind, "provider": provider, **{k: agg[k] for k in USAGE_FIELDS}})
        for name in USAGE_FIELDS:
            totals[name] += agg[name]
    totals["cost_usd"] = round(totals["cost_usd"], 6)
    return totals, rows


def run_stats(runs: Sequence[Row]) -> list[dict[str, Any]]:
    """Per Prefect flow (one flow per pipeline stage): runs, success rate, p50/p95 seconds of
    finished runs. ``runs`` are dicts with ``flow``, ``state_type`` and ``duration_s``."""
    groups: dict[str, list[Row]] = defaultdict(list)
    for run in runs:
        groups[run["flow"]].append(run)
    out = []
    for flow in sorted(groups):
        group = groups[flow]
        completed = sum(1 for r in group if r["state_type"] == "COMPLETED")
        failed = sum(1 for r in group if r["state_type"] in ("FAILED", "CRASHED"))
        durations = [float(r["duration_s"]) for r in group
                     if r["state_type"] == "COMPLETED" and r.get("duration_s") is not None]  # fmt: skip
        out.append({
            "flow": flow, "runs": len(group), "completed": completed, "failed": failed,
            "success_rate": success_rate(completed, failed),
            "p50_s": percentile(durations, 50), "p95_s": percentile(durations, 95),
        })  # fmt: skip
    return out


def format_seconds(seconds: float | None) -> str:
    """``42.0`` → ``"42.0 s"``, ``185`` → ``"3 min 5 s"``, ``None`` → ``"–"``."""
    if seconds is None:
        return "–"
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {secs} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min"


def format_rate(rate: float | None) -> str:
    return "–" if rate is None else f"{rate:.0%}"
