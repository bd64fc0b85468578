"""How close the generation chain gets to its critical path.

Runs ``generate_manga`` under a real (temporary) Prefect server with the offline providers
wrapped to sleep a fixed latency per call, then prints the wall time, the critical-path bound
(sequential text calls + ceil(panels / concurrency) image calls) and their ratio.

    .venv/bin/python benchmarks/critical_path.py [--text-latency 0.5] [--image-latency 1.0]
        [--concurrency 8] [--pages 8] [--runs 3]
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
_TMP = Path(tempfile.mkdtemp(prefix="mangaflow-bench-"))
os.environ.setdefault("PREFECT_HOME", str(_TMP / "prefect"))
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "ERROR")
os.environ.setdefault("PREFECT_LOGGING_SERVER_LEVEL", "ERROR")

from mangaflow.bootstrap import build, set_context  # noqa: E402
from mangaflow.manga.art.engine import OfflineImageModel  # noqa: E402
from mangaflow.manga.taste import OfflineInsights  # noqa: E402
from mangaflow.manga.writer.model import OfflineTextModel  # noqa: E402
from mangaflow.platform.config import Settings  # noqa: E402
from mangaflow.platform.ports import (  # noqa: E402  # noqa: E402
    ImageModel,
    ImageRequest,
    ImageResult,
    TextModel,
    TextRequest,
    TextResult,
)

PREFS = {
    "genres": ["Action", "Fantasy"], "themes": ["Friendship"], "artStyle": "Black and White",
    "targetAudience": "Teens", "contentRating": "PG-13",
}  # fmt: skip


class SlowText(TextModel):
    name, offline = "offline+latency", True

    def __init__(self, latency: float) -> None:
        self.inner, self.latency, self.calls = OfflineTextModel(), latency, 0

    def complete(self, request: TextRequest) -> TextResult:
        self.calls += 1
        time.sleep(self.latency)
        return self.inner.complete(request)


class SlowImage(ImageModel):
    name, offline = "offline+latency", True

    def __init__(self, latency: float, concurrency: int) -> None:
        self.inner, self.latency, self.calls = OfflineImageModel(), latency, 0
        self.max_concurrency = concurrency

    def generate(self, request: ImageRequest) -> ImageResult:
        self.calls += 1
        time.sleep(self.latency)
        return self.inner.generate(request)


def run_once(args: argparse.Namespace, home: Path) -> dict[str, float]:
    from flows.manga.pipeline import run_inline

    text = SlowText(args.text_latency)
    image = SlowImage(args.image_latency, args.concurrency)
    settings = Settings(_env_file=None, home=home, image_concurrency=args.concurrency,
                        retry_backoff_seconds=0)  # type: ignore[call-arg]  # fmt: skip
    c = build(settings, text=text, image=image, insights=OfflineInsights())
    set_context(c)
    prefs = {**PREFS, "pagesPerEpisode": args.pages}
    started = time.perf_counter()
    result = run_inline(prefs, user_id="bench", seed=args.seed)
    wall = time.perf_counter() - started
    assert result["status"] == "COMPLETED", result
    panels = image.calls
    bound = text.calls * args.text_latency + math.ceil(panels / args.concurrency) * args.image_latency
    return {"wall": wall, "bound": bound, "panels": panels, "text_calls": text.calls}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--text-latency", type=float, default=0.5)
    parser.add_argument("--image-latency", type=float, default=1.0)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--pages", type=int, default=8)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=180):
        warm = argparse.Namespace(**{**vars(args), "text_latency": 0.0, "image_latency": 0.0})
        run_once(warm, _TMP / "warmup")  # imports, first-run server work: not measured
        rows = [run_once(args, _TMP / f"run-{i}") for i in range(args.runs)]

    print(f"\ncritical path: text {args.text_latency}s/call, image {args.image_latency}s/call, "
          f"image concurrency {args.concurrency}, {args.pages} pages\n")  # fmt: skip
    print("| run | panels | text calls | wall s | bound s | ratio |")
    print("|----:|-------:|-----------:|-------:|--------:|------:|")
    for i, r in enumerate(rows, 1):
        print(f"| {i} | {r['panels']:.0f} | {r['text_calls']:.0f} | {r['wall']:.2f} | "
              f"{r['bound']:.2f} | {r['wall'] / r['bound']:.2f} |")  # fmt: skip
    ratio = statistics.median(r["wall"] / r["bound"] for r in rows)
    print(f"\nmedian ratio wall/bound: {ratio:.2f} (target ≤ 1.30)")


if __name__ == "__main__":
    main()
