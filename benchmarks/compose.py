"""How fast pages are laid out, lettered and exported, and how big the exports are.

Builds a 20-page episode with the offline writer and the offline artist (panel art at
the size the pipeline requests; drawing it is *not* timed), then, several times over,
times what the lettering stage does: plan the layouts, letter each page with
``render_page`` (as ``services.lettering.letter_page`` does), then ``write_pdf`` and
``write_cbz`` of the whole episode. Each page's time is its own lettering plus the
export time amortised over the pages. Prints a Markdown table for a monochrome
("Black and White") and a colour ("Colorful") episode.

    .venv/bin/python benchmarks/compose.py [--pages 20] [--runs 5] [--seed 7]

Targets (2-core machine): median ≤ 150 ms/page, PDF ≤ 400 KB/page.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mangaflow.manga import compose  # noqa: E402
from mangaflow.manga.art.engine import OfflineImageModel  # noqa: E402
from mangaflow.manga.compose import images as page_images  # noqa: E402
from mangaflow.manga.domain.episode import EpisodeScript  # noqa: E402
from mangaflow.manga.domain.preferences import Preferences  # noqa: E402
from mangaflow.manga.domain.story import StoryBible  # noqa: E402
from mangaflow.manga.services.panels import build_image_request, cell_sizes  # noqa: E402
from mangaflow.manga.writer.model import write_episode, write_story  # noqa: E402

BASE = {"genres": ["Action", "Fantasy"], "themes": ["Friendship"],
        "targetAudience": "Teens", "contentRating": "PG-13"}  # fmt: skip
STYLES = {"monochrome": "Black and White", "colour": "Colorful"}


def episode(
    style: str, pages: int, seed: int
) -> tuple[Preferences, StoryBible, EpisodeScript, dict[int, bytes]]:
    """An offline-written episode and its offline panel art (as the pipeline requests it)."""
    prefs = Preferences.model_validate({**BASE, "artStyle": style})
    wire = prefs.wire()
    bible = write_story({"preferences": wire, "insights": {}, "episodes": 3}, seed)
    context: dict[str, Any] = {"preferences": wire, "story": bible.model_dump(mode="json"),
                               "episode_number": 1, "previous_summaries": [], "pages": pages}  # fmt: skip
    script = write_episode(context, seed)
    cells = cell_sizes(script, prefs.reading_direction)
    model = OfflineImageModel()

    def draw(number: int) -> tuple[int, bytes]:
        panel = next(p for p in script.panels if p.number == number)
        request = build_image_request(bible, prefs, panel, seed, cells[number])
        return number, model.generate(request).png

    with ThreadPoolExecutor(max_workers=4) as pool:
        art = dict(pool.map(draw, [p.number for p in script.panels]))
    return prefs, bible, script, art


def run_once(
    prefs: Preferences, bible: StoryBible, script: EpisodeScript, art: dict[int, bytes]
) -> tuple[list[float], float, int, int]:
    """Per-page seconds (lettering + amortised export), CPU seconds of the whole run (all
    threads), PDF bytes, CBZ bytes."""
    page_images._export.cache_clear()  # every run encodes its exports afresh
    cpu = time.process_time()
    direction = prefs.reading_direction
    per_page: list[float] = []
    t0 = time.perf_counter()
    layouts = compose.plan_layouts(script.pages, direction)
    shared = time.perf_counter() - t0
    rendered = []
    for page, layout in zip(script.pages, layouts, strict=True):
        t = time.perf_counter()
        images = {p.number: art[p.number] for p in page.panels}
        rendered.append(compose.render_page(
            page, images, direction=direction, monochrome=prefs.monochrome,
            footer="MangaFlow · offline providers", story=bible, layout=layout,
        ))  # fmt: skip
        per_page.append(time.perf_counter() - t)
    t = time.perf_counter()
    pdf = compose.write_pdf(rendered, story=bible, episode=script, author="MangaFlow",
                            keywords=[*prefs.genres, "text:offline", "image:offline"])  # fmt: skip
    cbz = compose.write_cbz(rendered, story=bible, episode=script, writer="MangaFlow (offline)",
                            language=prefs.language, direction=direction)  # fmt: skip
    shared += time.perf_counter() - t
    cpu = time.process_time() - cpu
    return [p + shared / len(per_page) for p in per_page], cpu, len(pdf), len(cbz)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=20)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rows = []
    load = os.getloadavg()[0]
    for label, style in STYLES.items():
        t = time.perf_counter()
        prefs, bible, script, art = episode(style, args.pages, args.seed)
        print(f"{label}: {len(script.panels)} panels drawn in {time.perf_counter() - t:.1f} s "
              "(not timed)", file=sys.stderr)  # fmt: skip
        run_once(prefs, bible, script, art)  # warm-up: imports, fonts, caches
        times: list[float] = []
        cpus: list[float] = []
        pdf_size = cbz_size = 0
        for _ in range(args.runs):
            page_times, cpu, pdf_size, cbz_size = run_once(prefs, bible, script, art)
            times += page_times
            cpus.append(cpu)
        ms = sorted(1000 * t for t in times)
        p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
        n = len(script.pages)
        cpu_ms = 1000 * statistics.median(cpus) / n
        rows.append(f"| {label} ({style}) | {n} | {statistics.median(ms):.0f} | {p95:.0f} | "
                    f"{cpu_ms:.0f} | {pdf_size / 1024 / n:.0f} | {cbz_size / 1024 / n:.0f} |")  # fmt: skip
    print(f"load average before the runs: {load:.1f} ({os.cpu_count()} CPUs); CPU ms/page "
          "counts every thread, so it is steady when the machine is busy")  # fmt: skip
    print("| episode | pages | median ms/page | p95 ms/page | CPU ms/page | PDF KB/page "
          "| CBZ KB/page |")  # fmt: skip
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
