"""The ffmpeg command of a local render: one filter chain per shot (fit, Ken Burns motion,
caption), crossfades between them, the narration (and music) as AAC, and the encoder
settings YouTube recommends for uploads.

Motion is cheap by construction (measured in ``benchmarks/video_render.py``): each still is
decoded and scaled **once**, repeated in memory (``loop``), and animated per frame with
``crop`` (pans) or one ``scale`` (zooms) — never ``zoompan`` on an upscaled still. Pans move
a whole number of pixels every frame (or one pixel every whole number of frames), so they
glide evenly without sub-pixel resampling; zooms rescale from the fitted still with
``eval=frame``, which is smooth to a pixel.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from mangaflow.video.render.spec import RenderSpec, Shot
from mangaflow.video.render.timeline import Timeline

#: Zooms go between 1x and this (of the fitted still) over a shot.
ZOOM = 1.12
#: Pans travel about this share of the frame's side over a shot.
PAN = 0.10
#: Quality target of x264 (capped by the YouTube bitrate below).
CRF = 20
AUDIO_BITRATE = "384k"  # YouTube: stereo AAC-LC 384 kbps
AUDIO_RATE = 48_000


def video_bitrate_kbps(width: int, height: int, fps: int) -> int:
    """YouTube's recommended SDR upload bitrate for this size (by its short side) and rate."""
    side = min(width, height)
    high = fps > 30
    for limit, normal, fast in ((2160, 40_000, 60_000), (1440, 16_000, 24_000),
                                (1080, 8_000, 12_000), (720, 5_000, 7_500),
                                (480, 2_500, 4_000), (360, 1_000, 1_500)):  # fmt: skip
        if side >= limit:
            return fast if high else normal
    return 1_000


def _even(x: float) -> int:
    return max(2, int(round(x / 2)) * 2)


@dataclass(frozen=True)
class Pan:
    """A pan of ``travel`` pixels over ``frames`` frames at an even rate."""

    travel: int
    expr: str  # offset at frame n (a crop x or y expression)


def pan(side: int, frames: int, forward: bool) -> Pan:
    """An even pan across about ``PAN`` of ``side``: a whole number of pixels per frame, or
    one pixel every whole number of frames (no irregular 1-1-2 steps)."""
    steps = max(1, frames - 1)
    rate = PAN * side / steps
    if rate >= 1:
        k = round(rate)
        travel, expr = k * steps, f"{k}*n"
    else:
        m = max(1, round(1 / rate))
        travel, expr = math.ceil(steps / m), f"floor(n/{m})"
    travel = travel + (travel % 2)  # keep the fitted still's sides even
    return Pan(travel, expr if forward else f"{travel}-{expr}")


def shot_chain(i: int, shot: Shot, frames: int, width: int, height: int, fps: int) -> str:
    """Filters turning input ``i`` (one still) into ``frames`` animated frames ``[v{i}]``."""
    fit = "force_original_aspect_ratio=increase:out_color_matrix=bt709:out_range=tv"
    hold = f"loop=loop={frames - 1}:size=1,settb=1/{fps},setpts=N"
    motion = shot.motion
    if motion in ("pan_left", "pan_right", "pan_up", "pan_down"):
        horizontal = motion in ("pan_left", "pan_right")
        p = pan(width if horizontal else height, frames, motion in ("pan_right", "pan_down"))
        w, h = (width + p.travel, height) if horizontal else (width, height + p.travel)
        x = p.expr if horizontal else "(iw-ow)/2"
        y = "(ih-oh)/2" if horizontal else p.expr
        animate = f"crop={width}:{height}:x='{x}':y='{y}':exact=1"
    elif motion in ("zoom_in", "zoom_out"):
        w, h = width, height
        steps = max(1, frames - 1)
        grow = f"({ZOOM - 1:.4f}*n/{steps})" if motion == "zoom_in" else \
            f"({ZOOM - 1:.4f}*(1-n/{steps}))"  # fmt: skip
        animate = (f"scale=w='2*trunc({width}*(1+{grow})/2+0.5)':"
                   f"h='2*trunc({height}*(1+{grow})/2+0.5)':eval=frame:flags=bicubic,"
                   f"crop={width}:{height}:exact=1")  # fmt: skip
    else:
        w, h, animate = width, height, ""
    chain = f"[{i}:v]scale={w}:{h}:{fit},crop={w}:{h},format=yuv420p,{hold}"
    return f"{chain},{animate}" if animate else chain


@dataclass(frozen=True)
class Inputs:
    """Where each input of the command is: stills ``0..n-1``, then these."""

    narration: int
    music: int | None
    captions: dict[int, int]  # shot index -> input index of its caption PNG


def inputs(spec: RenderSpec, captions: dict[int, Path]) -> tuple[list[str], Inputs]:
    args: list[str] = []
    for shot in spec.shots:
        args += ["-i", str(shot.image)]
    n = len(spec.shots)
    args += ["-i", str(spec.audio)]
    music = None
    if spec.music is not None:
        music = n + 1
        args += ["-stream_loop", "-1", "-i", str(spec.music)]
    where: dict[int, int] = {}
    for k, (index, png) in enumerate(sorted(captions.items())):
        where[index] = n + 1 + (music is not None) + k
        args += ["-i", str(png)]
    return args, Inputs(narration=n, music=music, captions=where)


def filtergraph(spec: RenderSpec, timeline: Timeline, where: Inputs, caption_y: int) -> str:
    """The whole ``-filter_complex``: video to ``[vout]``, audio to ``[aout]``."""
    w, h, fps = spec.width, spec.height, spec.fps
    parts = []
    for i, (shot, clip) in enumerate(zip(spec.shots, timeline.clips, strict=True)):
        chain = shot_chain(i, shot, clip.frames, w, h, fps)
        if i in where.captions:
            parts.append(f"{chain}[m{i}]")
            parts.append(f"[{where.captions[i]}:v]format=yuva420p[c{i}]")
            parts.append(f"[m{i}][c{i}]overlay=x=(W-w)/2:y={caption_y}:format=yuv420[v{i}]")
        else:
            parts.append(f"{chain}[v{i}]")
    fade = timeline.crossfade_frames
    last = "v0"
    for i, clip in enumerate(timeline.clips[1:], start=1):
        out = f"x{i}"
        if fade:
            offset = clip.start / fps
            parts.append(f"[{last}][v{i}]xfade=transition=fade:duration={fade / fps:.6f}:"
                         f"offset={offset:.6f}[{out}]")  # fmt: skip
        else:
            parts.append(f"[{last}][v{i}]concat=n=2:v=1:a=0[{out}]")
        last = out
    parts.append(f"[{last}]settb=1/{fps},setpts=N,setsar=1[vout]")
    seconds = timeline.duration_s
    audio = (f"[{where.narration}:a]aresample={AUDIO_RATE},"
             f"aformat=sample_fmts=fltp:channel_layouts=stereo")  # fmt: skip
    if where.music is None:
        parts.append(f"{audio},apad,atrim=end={seconds:.6f}[aout]")
    else:
        parts.append(f"{audio},apad[narr]")
        parts.append(f"[{where.music}:a]aresample={AUDIO_RATE},aformat=sample_fmts=fltp:"
                     f"channel_layouts=stereo,volume={spec.music_volume_db}dB[bed]")  # fmt: skip
        parts.append(f"[narr][bed]amix=inputs=2:duration=shortest:normalize=0,"
                     f"atrim=end={seconds:.6f}[aout]")  # fmt: skip
    return ";\n".join(parts)


def encoder_args(spec: RenderSpec, preset: str, threads: int) -> list[str]:
    """H.264 High, yuv420p BT.709, closed GOP of half the frame rate with 2 B-frames, CRF
    capped at YouTube's bitrate, AAC-LC 48 kHz stereo, moov atom first (``+faststart``)."""
    kbps = video_bitrate_kbps(spec.width, spec.height, spec.fps)
    gop = max(1, spec.fps // 2)
    args = [
        "-map", "[vout]", "-map", "[aout]",
        "-c:v", "libx264", "-preset", preset, "-tune", "stillimage", "-profile:v", "high",
        "-pix_fmt", "yuv420p", "-r", str(spec.fps), "-fps_mode", "cfr",
        "-g", str(gop), "-keyint_min", str(gop), "-bf", "2", "-flags", "+cgop",
        "-crf", str(CRF), "-maxrate", f"{kbps}k", "-bufsize", f"{2 * kbps}k",
        "-color_primaries", "bt709", "-color_trc", "bt709", "-colorspace", "bt709",
        "-color_range", "tv",
        "-c:a", "aac", "-profile:a", "aac_low", "-b:a", AUDIO_BITRATE,
        "-ar", str(AUDIO_RATE), "-ac", "2",
        "-movflags", "+faststart",
    ]  # fmt: skip
    if threads:
        args += ["-threads", str(threads)]
    return args
