"""The local renderer: stills + narration → an MP4 ready for YouTube, with one ffmpeg run.

Shots are animated (pan/zoom) and crossfaded on a frame-exact timeline the narration sets
(:mod:`.timeline`); the filter graph and encoder settings are in :mod:`.graph`. The file is
written beside ``spec.out``, probed, and moved into place only when it keeps the render's
promises (size, codecs, stream lengths, moov first); otherwise ``RenderError``. The result
reports the durations found in the file.
"""

from __future__ import annotations

import os
import tempfile
import time
import wave
from pathlib import Path

from mangaflow.platform.config import Settings
from mangaflow.platform.errors import RenderError, ValidationError
from mangaflow.video.render import graph, lettering
from mangaflow.video.render.ffmpeg import Progress, ffmpeg_exe, run_ffmpeg
from mangaflow.video.render.probe import MediaInfo, probe
from mangaflow.video.render.spec import RenderResult, RenderSpec
from mangaflow.video.render.timeline import Timeline, plan

#: A render is stopped when it runs longer than this many times the video's length
#: (and at least ``MIN_TIMEOUT_S``): a stuck ffmpeg must not hold a worker forever.
TIMEOUT_FACTOR = 20.0
MIN_TIMEOUT_S = 600.0
#: Streams may differ from each other and from the narration by at most this (seconds).
TOLERANCE_S = 0.1


def wav_seconds(path: Path) -> float:
    """Length of a PCM WAV file. Raises ``ValidationError`` (field ``audio``) otherwise."""
    try:
        with wave.open(str(path), "rb") as w:
            frames, rate = w.getnframes(), w.getframerate()
    except (wave.Error, EOFError, OSError) as exc:
        raise ValidationError("narration is not a PCM WAV file", details=[
            {"field": "audio", "message": f"{path}: {exc}"}]) from exc  # fmt: skip
    if rate <= 0 or frames <= 0:
        raise ValidationError("narration is empty", details=[
            {"field": "audio", "message": f"{path} holds no audio"}])  # fmt: skip
    return frames / rate


def timeline_of(spec: RenderSpec) -> Timeline:
    """The frame-exact timeline of ``spec`` over its narration."""
    return plan([s.duration_s for s in spec.shots], wav_seconds(Path(spec.audio)),
                spec.fps, spec.crossfade_s)  # fmt: skip


def caption_top(height: int, caption_h: int, vertical: bool) -> int:
    """Top of a caption in the lower third (higher on 9:16, above the Shorts controls)."""
    centre = height * (0.70 if vertical else 0.84)
    return max(0, int(centre - caption_h / 2)) // 2 * 2


def command(spec: RenderSpec, settings: Settings, workdir: Path, out: Path) -> list[str]:
    """ffmpeg arguments (without the binary) rendering ``spec`` to ``out``; caption images
    are written to ``workdir``."""
    tl = timeline_of(spec)
    pngs: dict[int, Path] = {}
    caption_h = 0
    for i, shot in enumerate(spec.shots):
        if shot.caption.strip():
            pngs[i] = workdir / f"caption-{i:03d}.png"
            _, h = lettering.caption_png(shot.caption.strip(), spec.width, spec.height, pngs[i])
            caption_h = max(caption_h, h)
    args, where = graph.inputs(spec, pngs)
    top = caption_top(spec.height, caption_h, spec.height > spec.width)
    preset = spec.preset or settings.video_preset
    threads = settings.video_render_threads if spec.threads is None else spec.threads
    return [*args, "-filter_complex", graph.filtergraph(spec, tl, where, top),
            *graph.encoder_args(spec, preset, threads), "-y", str(out)]  # fmt: skip


def check(info: MediaInfo, spec: RenderSpec, narration_s: float) -> None:
    """Raise ``RenderError`` when the file breaks a promise of the render."""
    problems = []
    if (info.width, info.height) != (spec.width, spec.height):
        problems.append(f"size {info.width}x{info.height}, asked {spec.width}x{spec.height}")
    if info.video_codec != "h264" or info.audio_codec != "aac":
        problems.append(f"codecs {info.video_codec}/{info.audio_codec}, expected h264/aac")
    for name, seconds in (("video", info.video_duration_s), ("audio", info.audio_duration_s)):
        if abs(seconds - narration_s) > TOLERANCE_S:
            problems.append(f"{name} lasts {seconds:.3f} s, the narration {narration_s:.3f} s")
    if not info.faststart:
        problems.append(f"moov is not before mdat (boxes: {', '.join(info.top_level_boxes)})")
    if problems:
        raise RenderError("the rendered file is wrong: " + "; ".join(problems),
                          details={"problems": problems})  # fmt: skip


def render(spec: RenderSpec, settings: Settings, progress: Progress | None = None) -> RenderResult:
    """Render ``spec`` to ``spec.out``. ``progress(done_s, total_s)`` is called as ffmpeg
    advances. Raises ``ValidationError`` for missing or unreadable inputs and shots that do
    not fit the narration, ``ConfigError`` when there is no ffmpeg, ``RenderError`` when
    ffmpeg fails (with its log tail) or its output is not what was asked."""
    missing = spec.missing_files()
    if missing:
        raise ValidationError("render inputs are missing", details=missing)
    narration_s = wav_seconds(Path(spec.audio))
    total_s = timeline_of(spec).duration_s
    exe = ffmpeg_exe(settings)
    out = Path(spec.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix=".render-", dir=out.parent) as tmp:
        work = Path(tmp)
        partial = work / f"partial{out.suffix}"
        timeout = max(MIN_TIMEOUT_S, TIMEOUT_FACTOR * total_s)
        run_ffmpeg(exe, command(spec, settings, work, partial), total_s=total_s,
                   progress=progress, timeout_s=timeout)  # fmt: skip
        seconds = time.perf_counter() - started
        info = probe(partial)
        check(info, spec, narration_s)  # a wrong file never replaces ``out``
        os.replace(partial, out)
    return RenderResult(
        path=out, duration_s=info.duration_s, video_duration_s=info.video_duration_s,
        audio_duration_s=info.audio_duration_s, width=info.width, height=info.height,
        render_seconds=seconds, size_bytes=info.size_bytes,
    )  # fmt: skip
