"""The video product's targets, measured: render speed as a multiple of real time for 1080p on
this machine's cores, the wall time of a 1-minute video end to end offline (the README's
command: a fresh home, a local Prefect server, script, stills, narration, render, publish),
and peak memory.

    .venv/bin/python benchmarks/video.py [--seconds 60] [--skip-render] [--skip-e2e]

The render rows come from ``benchmarks/video_render.py`` (each in a fresh process, so the
peak RSS of its ffmpeg is its own). The end-to-end row runs ``mangaflow video make`` as a
user does and reports the peak RSS of the largest process of its tree (``RUSAGE_CHILDREN``).
Target: render at least 2x real time for 1080p30 on 2 cores.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.video_render import ROWS, narration, run_row, still  # noqa: E402
from mangaflow.platform.config import Settings  # noqa: E402


def render_rows(seconds: float, preset: str, names: list[str]) -> list[str]:
    cores = os.cpu_count() or 1
    lines = []
    with tempfile.TemporaryDirectory(prefix="video-bench-") as tmp:
        for i in range(6):
            still(Path(tmp) / f"still-{i}.png", i)
        narration(Path(tmp) / "narration.wav", seconds)
        for name in names:
            with ProcessPoolExecutor(1, mp_context=get_context("spawn")) as pool:
                r = pool.submit(run_row, name, ROWS[name], 30, preset, seconds, tmp).result()
            alone = r.video_s / (r.ffmpeg_cpu_s / cores)
            lines.append(f"| render {r.name} {r.width}x{r.height} 30 fps, {preset} | "
                         f"{r.wall_s:.1f} | {r.video_s / r.wall_s:.2f}x (alone {alone:.2f}x) | "
                         f"{r.ffmpeg_rss_mb:.0f} (ffmpeg), {r.python_rss_mb:.0f} (python) |")  # fmt: skip
    return lines


def end_to_end(minutes: float, resolution: int) -> str:
    with tempfile.TemporaryDirectory(prefix="video-e2e-") as tmp:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "MANGAFLOW_"))}
        env.update(MANGAFLOW_HOME=f"{tmp}/home", PREFECT_HOME=f"{tmp}/prefect",
                   PREFECT_SERVER_ANALYTICS_ENABLED="false", COLUMNS="160")  # fmt: skip
        cmd = [str(Path(sys.executable).parent / "mangaflow"), "video", "make", "--name",
               "Home espresso", "-k", "espresso", "-k", "grinder", "--minutes", str(minutes),
               "--resolution", str(resolution), "--out", f"{tmp}/out"]  # fmt: skip
        started = time.perf_counter()
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=1800)
        wall = time.perf_counter() - started
        if done.returncode:
            raise SystemExit(f"video make failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
        rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        match = re.search(r"video ([\d.]+) s · audio ([\d.]+) s", done.stdout)
        length = float(match.group(1)) if match else minutes * 60
        return (f"| end to end, {minutes:g} min at {resolution}p (offline, fresh home) | "
                f"{wall:.1f} | {length / wall:.2f}x ({length:.1f} s of video) | {rss:.0f} "
                "(largest process) |")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="rendered video length")
    parser.add_argument("--preset", default=Settings(_env_file=None).video_preset)  # type: ignore[call-arg]
    parser.add_argument("--rows", default="1080p", help="render rows: 1080p,720p,9:16")
    parser.add_argument("--resolution", type=int, default=1080, help="end-to-end resolution")
    parser.add_argument("--skip-render", action="store_true")
    parser.add_argument("--skip-e2e", action="store_true")
    args = parser.parse_args()
    # End to end first: RUSAGE_CHILDREN keeps the largest child so far.
    lines = [] if args.skip_e2e else [end_to_end(1.0, args.resolution)]
    if not args.skip_render:
        lines += render_rows(args.seconds, args.preset, args.rows.split(","))
    print(f"\n{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}\n")
    print("| what | wall s | speed (x real time) | peak RSS MB |")
    print("|---|---|---|---|")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
