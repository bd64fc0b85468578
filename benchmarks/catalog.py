"""The catalog at full size: a generated 40,000-entry source in the anime-offline-database
schema (``.jsonl.zst``), synced into an empty catalog (validate, import, embed with the
default MiniLM embedder, index in embedded Qdrant), then searched.

    .venv/bin/python benchmarks/catalog.py [--entries 40000] [--queries 200] [--seed 3]

Prints a table: sync + index time per phase, peak RSS, search p50/p95 without and with
filters (the index search and the entry fetch; the query embedding is timed separately), and
recall@10 of the index against an exact scan of the same vectors under the same filter.

Targets (2 cores): sync + index <= 10 min; search p95 <= 50 ms excluding the query
embedding; recall@10 >= 0.95.
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mangaflow.bootstrap import build, set_context  # noqa: E402
from mangaflow.catalog import sample  # noqa: E402
from mangaflow.catalog.parts import COLLECTION, catalog  # noqa: E402
from mangaflow.catalog.services import search  # noqa: E402
from mangaflow.catalog.services.sync import sync  # noqa: E402
from mangaflow.platform.config import Settings  # noqa: E402
from mangaflow.platform.ports import EventBus, VectorFilter  # noqa: E402


class NullBus(EventBus):
    def publish(self, event: Any) -> None:
        pass


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


FILTERS: list[dict[str, Any]] = [
    {"type": ["TV"], "year_from": 2000, "year_to": 2015},
    {"tags": ["magic"], "status": ["FINISHED"]},
    {"studios": ["studio aurora", "studio lumen"], "type": ["MOVIE", "OVA"]},
    {"year_from": 1990, "tags": ["action", "school"]},
]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--entries", type=int, default=40000)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--seed", type=int, default=3)
    args = ap.parse_args()

    work = Path(tempfile.mkdtemp(prefix="catalog-bench-"))
    settings = Settings(_env_file=None, home=work / "home", catalog_images=False)  # type: ignore[call-arg]
    c = build(settings, bus=NullBus())
    set_context(c)
    cat = catalog(c)
    src = sample.write(work / "anime-offline-database.jsonl.zst", sample.entries(args.entries, args.seed))
    print(f"source: {args.entries} entries, {src.stat().st_size / 1e6:.1f} MB zstd", flush=True)

    phases: dict[str, float] = {}
    last = [time.monotonic()]

    def progress(phase: str, done: int, total: int) -> None:
        now = time.monotonic()
        if done and (done % 10000 == 0 or done == total):
            print(f"  {phase}: {done}/{total or '?'} ({now - last[0]:.0f} s)", flush=True)

    t0 = time.monotonic()
    embed_time = [0.0]
    embedder = cat.embedder
    original = embedder.embed

    def timed_embed(texts: Any) -> Any:
        s = time.monotonic()
        out = original(texts)
        embed_time[0] += time.monotonic() - s
        return out

    embedder.embed = timed_embed  # type: ignore[method-assign]
    report = sync(cat, str(src), progress=progress)
    embedder.embed = original  # type: ignore[method-assign]
    total_sync = time.monotonic() - t0
    phases["embed"] = embed_time[0]
    assert report.counts == {"imported": args.entries}, report.counts
    count = cat.index.count(COLLECTION)
    rss_sync = peak_rss_mb()

    # Queries: titles and descriptions of random entries, reworded a little.
    rng = random.Random(args.seed)
    entries = list(cat.store.all())
    texts = [f"{e.title} {' '.join(rng.sample(e.tags, min(2, len(e.tags))))}" for e in rng.sample(entries, args.queries)]
    t = time.monotonic()
    qvecs = cat.embedder.embed(texts).vectors
    embed_ms = (time.monotonic() - t) / len(texts) * 1000

    # Exact reference: every vector and payload from the index.
    points = cat.index.get(COLLECTION, [e.anime_id for e in entries], with_vectors=True)
    ids = [p.id for p in points]
    matrix = np.array([p.vector for p in points], dtype=np.float32)
    payloads = [p.payload for p in points]

    def exact(vec: np.ndarray, flt: VectorFilter, k: int = 10) -> list[str]:
        mask = np.array([flt.matches(pl) for pl in payloads])
        scores = matrix @ vec
        scores[~mask] = -np.inf
        top = np.argsort(-scores)[:k]
        return [ids[i] for i in top if np.isfinite(scores[i])]

    rows = []
    for label, filters in (("no filter", None), ("with filters", FILTERS)):
        lat, recall = [], []
        for i, vec in enumerate(qvecs):
            f = filters[i % len(filters)] if filters else {}
            q = search.parse_query({"query": "x", "limit": 10, **f})
            flt = q.vector_filter()
            s = time.monotonic()
            hits = cat.index.search(COLLECTION, vec.tolist(), limit=10, filter=flt)
            cat.store.get_many([h.id for h in hits])
            lat.append((time.monotonic() - s) * 1000)
            want = exact(vec, flt)
            if want:
                recall.append(len({h.id for h in hits} & set(want)) / len(want))
        rows.append((label, pct(lat, 50), pct(lat, 95), statistics.mean(recall)))

    print()
    print(f"| catalog, {args.entries} entries, {count} points | value | target |")
    print("|---|---:|---:|")
    print(f"| sync + index (validate, import, embed, index) | {total_sync:.0f} s | <= 600 s |")
    print(f"| of which embedding ({embedder.name}, {embedder.model}) | {phases['embed']:.0f} s | |")
    print(f"| peak RSS after sync | {rss_sync:.0f} MB | |")
    print(f"| query embedding | {embed_ms:.1f} ms | |")
    for label, p50, p95, rec in rows:
        print(f"| search {label}: p50 / p95 | {p50:.1f} / {p95:.1f} ms | p95 <= 50 ms |")
        exact_note = " (the local index searches exactly: 1.0 by construction)" if getattr(
            cat.index, "exact", False) else ""
        print(f"| recall@10 {label} vs exact{exact_note} | {rec:.3f} | >= 0.95 |")
    print(f"| peak RSS | {peak_rss_mb():.0f} MB | |")
    cat.close()


if __name__ == "__main__":
    main()
