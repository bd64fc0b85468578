"""What a media file holds, read with PyAV (:func:`probe`), and ``ffprobe``'s JSON when an
``ffprobe`` is on ``PATH`` (:func:`ffprobe_json`; imageio-ffmpeg ships no ffprobe).

``faststart`` is read from the file's top-level MP4 boxes: True when ``moov`` (the index a
player needs first) comes before ``mdat`` (the media), so playback and YouTube's processing
can start before the whole file arrived.
"""

from __future__ import annotations

import json
import shutil
import struct
import subprocess
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import av

from mangaflow.platform.errors import ValidationError


@dataclass(frozen=True)
class MediaInfo:
    format: str  # container format names, as FFmpeg reports them ("mov,mp4,m4a,3gp,3g2,mj2")
    duration_s: float
    size_bytes: int
    video_codec: str | None = None
    video_profile: str | None = None
    width: int = 0
    height: int = 0
    fps: float = 0.0
    pix_fmt: str | None = None
    video_duration_s: float = 0.0
    video_frames: int = 0
    audio_codec: str | None = None
    audio_profile: str | None = None
    sample_rate: int = 0
    channels: int = 0
    audio_duration_s: float = 0.0
    faststart: bool = False
    top_level_boxes: tuple[str, ...] = ()


def mp4_boxes(path: Path) -> list[str]:
    """Types of the top-level boxes of an MP4/MOV file, in file order (empty if not MP4)."""
    boxes: list[str] = []
    with open(path, "rb") as f:
        size_total = f.seek(0, 2)
        pos = 0
        while pos + 8 <= size_total:
            f.seek(pos)
            size, kind = struct.unpack(">I4s", f.read(8))
            if size == 1:  # 64-bit size follows the type
                size = struct.unpack(">Q", f.read(8))[0]
            elif size == 0:  # box runs to the end of the file
                size = size_total - pos
            if size < 8 or not kind.isascii():
                break  # not (or no longer) an MP4 box structure
            boxes.append(kind.decode("ascii"))
            pos += size
    return boxes


def _faststart(boxes: list[str]) -> bool:
    return "moov" in boxes and ("mdat" not in boxes or boxes.index("moov") < boxes.index("mdat"))


def _stream_seconds(stream: Any) -> float:
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    return 0.0


def probe(path: Path | str) -> MediaInfo:
    """Container, video and audio facts of ``path``. Raises ``ValidationError`` (field
    ``path``) when the file is missing or no media FFmpeg can read."""
    path = Path(path)
    if not path.is_file():
        raise ValidationError("no such media file", details=[
            {"field": "path", "message": f"{path} does not exist"}])  # fmt: skip
    try:
        container = av.open(str(path))
    except av.error.FFmpegError as exc:
        raise ValidationError("not a media file", details=[
            {"field": "path", "message": f"{path}: {exc}"}]) from exc  # fmt: skip
    with container:
        info: dict[str, Any] = {
            "format": container.format.name,
            "duration_s": (container.duration or 0) / av.time_base,
            "size_bytes": path.stat().st_size,
        }
        if container.streams.video:
            v = container.streams.video[0]
            ctx = v.codec_context
            rate = v.average_rate or v.base_rate or Fraction(0)
            info.update(video_codec=ctx.name, video_profile=ctx.profile, width=ctx.width,
                        height=ctx.height, fps=float(rate), pix_fmt=ctx.pix_fmt,
                        video_duration_s=_stream_seconds(v), video_frames=v.frames)  # fmt: skip
        if container.streams.audio:
            a = container.streams.audio[0]
            actx = a.codec_context
            info.update(audio_codec=actx.name, audio_profile=actx.profile,
                        sample_rate=actx.sample_rate, channels=actx.channels,
                        audio_duration_s=_stream_seconds(a))  # fmt: skip
    boxes = mp4_boxes(path) if "mp4" in info["format"] or "mov" in info["format"] else []
    return MediaInfo(**info, faststart=_faststart(boxes), top_level_boxes=tuple(boxes))


def ffprobe_json(path: Path | str, *, exe: str | None = None) -> dict[str, Any] | None:
    """``ffprobe -show_format -show_streams`` of ``path`` as a dict, or None when no
    ``ffprobe`` is on ``PATH``. A file ffprobe cannot read raises ``ValidationError``."""
    found = exe or shutil.which("ffprobe")
    if not found:
        return None
    done = subprocess.run(
        [found, "-v", "error", "-print_format", "json", "-show_format", "-show_streams",
         str(path)], capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise ValidationError("ffprobe cannot read the file", details=[
            {"field": "path", "message": done.stderr.strip()[-500:] or f"exit {done.returncode}"}])  # fmt: skip
    result: dict[str, Any] = json.loads(done.stdout)
    return result
