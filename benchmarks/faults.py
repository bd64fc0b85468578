"""How many generations survive a provider that fails a fraction of its calls.

Runs N full generations (writer and artist through the real OpenAI-compatible HTTP clients,
offline insights) against the loopback fault-injecting fake (:mod:`tests.fakes.faults`:
500, 429 + Retry-After, hangs beyond the client timeout, connection resets, truncated
bodies, corrupt PNGs — in equal shares), each on a fresh ``MANGAFLOW_HOME`` with the
default settings except what points at the fake and the episode size. Each run has its own
fault seed, so a rate's runs meet different faults, and the same command meets the same
ones again. Prints, per rate: runs completed / N, provider calls made, calls failed by
kind, wall time per run (median, p95).

    .venv/bin/python benchmarks/faults.py [--runs 20] [--rates 0.1 0.3] [--pages 4]
        [--seed 0] [--set http_timeout_seconds=15 ...]

``--set`` changes a setting from its default (for comparisons; the targets are for the
defaults).

Targets: >= 19/20 runs complete at 30 %, 20/20 at 10 %. With the default read timeout
(``MANGAFLOW_HTTP_TIMEOUT_SECONDS``, 60 s) every hang costs a minute of one panel slot, so
a rate's runs take minutes; runs happen one after another in one process, under one
temporary Prefect server.
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
_TMP = Path(tempfile.mkdtemp(prefix="mangaflow-faults-"))
os.environ.setdefault("PREFECT_HOME", str(_TMP / "prefect"))
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "CRITICAL")
os.environ.setdefault("PREFECT_LOGGING_SERVER_LEVEL", "ERROR")
for _key in [k for k in os.environ if k.startswith("MANGAFLOW_")]:
    del os.environ[_key]  # the default settings, whatever this shell exports

from mangaflow.bootstrap import build, set_context  # noqa: E402
from mangaflow.platform.config import Settings  # noqa: E402
from tests.fakes.faults import KINDS, FaultPlan  # noqa: E402
from tests.fakes.openai_server import FakeOpenAIServer  # noqa: E402

PREFS = {
    "genres": ["Action", "Fantasy"], "themes": ["Friendship"], "artStyle": "Black and White",
    "targetAudience": "Teens", "contentRating": "PG-13",
}  # fmt: skip


def run_once(
    rate: float, seed: int, pages: int, home: Path, extra: dict[str, str] | None = None
) -> dict[str, Any]:
    """One generation against a fresh fake failing ``rate`` of its calls."""
    from flows.manga.pipeline import run_inline
    from mangaflow.manga.repository import repo

    plan = FaultPlan(rate=rate, seed=seed)
    with FakeOpenAIServer(faults=plan) as server:
        overrides = server.settings_overrides(**(extra or {}))
        settings = Settings(_env_file=None, home=home, **overrides)  # type: ignore[call-arg]
        c = build(settings)
        set_context(c)
        started = time.perf_counter()
        error = ""
        try:
            result = run_inline({**PREFS, "pagesPerEpisode": pages}, user_id="bench", seed=seed)
            status = result["status"]
        except Exception as exc:  # noqa: BLE001 - a failed run is a data point
            status, error = "FAILED", f"{type(exc).__name__}: {exc}"[:300]
        wall = time.perf_counter() - started
        panels = 0
        for req in c.requests.list_requests("bench"):
            if req.episode_id:
                panels = int(repo(c).get_episode(req.episode_id).panels or 0)
        set_context(None)
    return {
        "ok": status == "COMPLETED", "status": status, "error": error, "wall": wall,
        "calls": plan.calls, "text_calls": plan.calls_by_endpoint["text"],
        "image_calls": plan.calls_by_endpoint["image"], "failed": Counter(plan.injected),
        "panels": panels,
    }  # fmt: skip


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


def report(rate: float, rows: list[dict[str, Any]], extra: dict[str, str]) -> str:
    n = len(rows)
    done = sum(r["ok"] for r in rows)
    failed: Counter[str] = Counter()
    for r in rows:
        failed.update(r["failed"])
    walls = [r["wall"] for r in rows]
    calls = sum(r["calls"] for r in rows)
    lines = [
        f"\nfault rate {rate:.0%}: {n} runs, {statistics.mean(r['panels'] for r in rows):.1f} "
        f"panels per episode on average; settings: "
        f"{', '.join(f'{k}={v}' for k, v in extra.items()) or 'defaults'}\n",
        "| runs completed | provider calls (text / image) | calls failed | "
        + " | ".join(KINDS) + " | wall median s | wall p95 s |",
        "|---:|---:|---:|" + "---:|" * len(KINDS) + "---:|---:|",
        f"| {done}/{n} | {calls} ({sum(r['text_calls'] for r in rows)} / "
        f"{sum(r['image_calls'] for r in rows)}) | {sum(failed.values())} "
        f"({sum(failed.values()) / max(1, calls):.0%}) | "
        + " | ".join(str(failed[k]) for k in KINDS)
        + f" | {statistics.median(walls):.1f} | {percentile(walls, 0.95):.1f} |",
    ]
    for i, r in enumerate(rows):
        if not r["ok"]:
            lines.append(f"- run {i}: {r['status']}: {r['error']}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--rates", type=float, nargs="+", default=[0.1, 0.3])
    parser.add_argument("--pages", type=int, default=4)
    parser.add_argument("--seed", type=int, default=0, help="first run's seed (then +1 ...)")
    parser.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE",
                        help="a setting changed from its default")  # fmt: skip
    args = parser.parse_args()
    extra = dict(item.split("=", 1) for item in args.set)

    from prefect.testing.utilities import prefect_test_harness

    tables = []
    with prefect_test_harness(server_startup_timeout=180):
        run_once(0.0, 10_000, 1, _TMP / "warmup")  # imports, first-run server work
        for rate in args.rates:
            rows = []
            for i in range(args.runs):
                seed = args.seed + i
                row = run_once(rate, seed, args.pages, _TMP / f"rate-{rate}-run-{i}", extra)
                rows.append(row)
                print(f"rate {rate:.0%} run {i + 1}/{args.runs}: {row['status']} in "
                      f"{row['wall']:.1f} s, {row['calls']} calls, "
                      f"{sum(row['failed'].values())} failed {dict(row['failed'])}",
                      flush=True)  # fmt: skip
            tables.append(report(rate, rows, extra))
    print("\n".join(tables))


if __name__ == "__main__":
    main()
