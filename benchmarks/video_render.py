"""How fast the local renderer makes a narrated video, and how much memory it takes.

Draws stills like an image model's (1344x768, shapes and gradients) and a narration WAV,
then renders ``--seconds`` of video (6 s shots cycling through every motion, crossfades,
a caption on every third shot) at 1080p30, 720p30 and 9:16 1080x1920. Each row runs in a
fresh process so the peak RSS of its ffmpeg child (``RUSAGE_CHILDREN``) is its own.

Speed is seconds of video per wall second (2.0 = twice real time). Wall time depends on
what else the machine runs, so the CPU seconds of ffmpeg are printed too, with the speed
they allow when ffmpeg has all cores to itself (video seconds / (CPU seconds / cores)).

    .venv/bin/python benchmarks/video_render.py [--seconds 60] [--preset superfast] [--fps 30]

Target (2-core machine): at least 2x real time for 1080p30. Measured 2026-12-04 (2 cores
shared with other jobs, load 5-8), 60 s 1080p30: ffmpeg used 40 CPU s with ``superfast``
(3.0x real time when it has both cores), 54 CPU s with ``veryfast`` (2.2x), 48 CPU s with
``veryfast`` at 25 fps (2.5x). Peak RSS of ffmpeg grows with the number of shots: ~500 MB
for 10 shots, ~1.06 GB for 30 (about 25 MB per shot at 1080p).
"""

from __future__ import annotations

import argparse
import math
import os
import random
import resource
import struct
import sys
import tempfile
import wave
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PIL import Image, ImageDraw, ImageFilter  # noqa: E402

from mangaflow.platform.config import Settings  # noqa: E402
from mangaflow.video.render import RenderSpec, Shot, render  # noqa: E402
from mangaflow.video.render.spec import MOTIONS, Motion  # noqa: E402

SHOT_S = 6.0
ROWS = {"1080p": (1920, 1080), "720p": (1280, 720), "9:16": (1080, 1920)}


def still(path: Path, seed: int, size: tuple[int, int] = (1344, 768)) -> Path:
    rng = random.Random(seed)
    w, h = size
    top, bottom = ([rng.randrange(256) for _ in range(3)] for _ in range(2))
    img = Image.new("RGB", size)
    draw = ImageDraw.Draw(img)
    for y in range(h):
        draw.line([(0, y), (w, y)], fill=tuple(int(a + (b - a) * y / h) for a, b in zip(top, bottom, strict=True)))  # fmt: skip
    for _ in range(40):
        x, y, r = rng.randrange(w), rng.randrange(h), rng.randrange(10, 100)
        colour = tuple(rng.randrange(256) for _ in range(3))
        draw.ellipse((x - r, y - r, x + r, y + r), fill=colour, outline=(0, 0, 0), width=3)
    img.filter(ImageFilter.GaussianBlur(0.8)).save(path)
    return path


def narration(path: Path, seconds: float, rate: int = 24_000) -> Path:
    """A tone with noise, written a second at a time (the parent's RSS is inherited by each
    row's process as its starting peak, so it is kept small)."""
    rng = random.Random(7)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        for start in range(0, int(seconds * rate), rate):
            end = min(start + rate, int(seconds * rate))
            w.writeframes(b"".join(
                struct.pack("<h", int(5000 * math.sin(2 * math.pi * 180 * i / rate))
                            + rng.randint(-800, 800)) for i in range(start, end)))  # fmt: skip
    return path


@dataclass
class Row:
    name: str
    width: int
    height: int
    fps: int
    preset: str
    video_s: float
    wall_s: float
    ffmpeg_cpu_s: float
    ffmpeg_rss_mb: float
    python_rss_mb: float
    size_mb: float


def run_row(name: str, size: tuple[int, int], fps: int, preset: str, seconds: float,
            work: str) -> Row:  # fmt: skip
    """One render, in its own process (so ``RUSAGE_CHILDREN`` is this row's ffmpeg)."""
    folder = Path(work)
    stills = sorted(folder.glob("still-*.png"))
    count = math.ceil(seconds / SHOT_S)
    motions: list[Motion] = [m for m in MOTIONS]  # noqa: C416 - a list of the Literal type
    shots = [Shot(stills[i % len(stills)], SHOT_S, motions[i % len(motions)],
                  f"Caption number {i}: what the narrator says here" if i % 3 == 0 else "")
             for i in range(count)]  # fmt: skip
    spec = RenderSpec(shots, folder / "narration.wav", folder / f"{name.replace(':', 'x')}.mp4",
                      size[0], size[1], fps=fps, preset=preset)  # fmt: skip
    result = render(spec, Settings(_env_file=None, home=folder / "home"))  # type: ignore[call-arg]
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    me = resource.getrusage(resource.RUSAGE_SELF)
    return Row(name, size[0], size[1], fps, preset, result.duration_s, result.render_seconds,
               kids.ru_utime + kids.ru_stime, kids.ru_maxrss / 1024, me.ru_maxrss / 1024,
               result.size_bytes / 1e6)  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="video length")
    parser.add_argument("--fps", type=int, default=30)
    parser.add_argument("--preset", default=Settings(_env_file=None).video_preset,  # type: ignore[call-arg]
                        help="x264 preset (default: the video_preset setting)")  # fmt: skip
    parser.add_argument("--rows", default=",".join(ROWS), help="comma-separated: 1080p,720p,9:16")
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    rows = []
    with tempfile.TemporaryDirectory(prefix="video-bench-") as tmp:
        work = Path(tmp)
        for i in range(6):
            still(work / f"still-{i}.png", i)
        narration(work / "narration.wav", args.seconds)
        for name in args.rows.split(","):
            with ProcessPoolExecutor(1, mp_context=get_context("spawn")) as pool:
                rows.append(pool.submit(run_row, name, ROWS[name], args.fps, args.preset,
                                        args.seconds, tmp).result())  # fmt: skip
    print(
        f"\n{args.seconds:.0f} s of video, x264 preset {args.preset}, {cores} cores, "
        f"load average {os.getloadavg()[0]:.1f}\n"
    )
    print(
        "| video | size | fps | wall s | speed (x real time) | ffmpeg CPU s | speed if "
        "ffmpeg has the cores | ffmpeg peak RSS MB | python peak RSS MB | file MB | Mbps |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        alone = r.video_s / (r.ffmpeg_cpu_s / cores)
        print(
            f"| {r.name} | {r.width}x{r.height} | {r.fps} | {r.wall_s:.1f} | "
            f"{r.video_s / r.wall_s:.2f} | {r.ffmpeg_cpu_s:.1f} | {alone:.2f} | "
            f"{r.ffmpeg_rss_mb:.0f} | {r.python_rss_mb:.0f} | {r.size_mb:.1f} | "
            f"{r.size_mb * 8 / r.video_s:.1f} |"
        )


if __name__ == "__main__":
    main()
