"""What a render is asked for (:class:`RenderSpec` of :class:`Shot` s) and what it made
(:class:`RenderResult`). Specs check themselves when built: a bad value raises
:class:`~mangaflow.platform.errors.ValidationError` whose details name the field."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, get_args

from mangaflow.platform.errors import ValidationError

Motion = Literal["zoom_in", "zoom_out", "pan_left", "pan_right", "pan_up", "pan_down", "still"]
MOTIONS: tuple[str, ...] = get_args(Motion)
#: Frame rates YouTube takes as they are (it re-times others).
FRAME_RATES = (24, 25, 30, 48, 50, 60)
#: The smallest and largest short side of a render (144p .. 2160p).
MIN_SHORT_SIDE, MAX_SHORT_SIDE = 144, 2160


def _problem(field_name: str, message: str) -> dict[str, str]:
    return {"field": field_name, "message": message}


def _positive(value: object) -> bool:
    return isinstance(value, int | float) and math.isfinite(value) and value > 0


@dataclass(frozen=True)
class Shot:
    """One still on screen for ``duration_s`` seconds, animated by ``motion``; ``caption``
    (optional) is drawn in the lower third."""

    image: Path
    duration_s: float
    motion: Motion = "still"
    caption: str = ""

    def __post_init__(self) -> None:
        problems = self.problems("")
        if problems:
            raise ValidationError("invalid shot", details=problems)

    def problems(self, prefix: str) -> list[dict[str, str]]:
        out = []
        if not _positive(self.duration_s):
            out.append(_problem(f"{prefix}duration_s", "must be a number of seconds > 0"))
        if self.motion not in MOTIONS:
            out.append(_problem(f"{prefix}motion", f"must be one of {', '.join(MOTIONS)}"))
        if not isinstance(self.caption, str) or len(self.caption) > 200:
            out.append(_problem(f"{prefix}caption", "must be text of at most 200 characters"))
        return out


@dataclass(frozen=True)
class RenderSpec:
    """A video: ``shots`` in order over the narration ``audio`` (a WAV file), written to
    ``out`` (MP4). The narration sets the length: shots keep their durations (a crossfade
    overlaps the end of one shot and the start of the next) and the last shot is lengthened
    or shortened to end with the narration. ``music`` (optional, any format ffmpeg reads) is
    looped under the narration. ``preset`` / ``threads`` default (None) to the settings'
    ``video_preset`` / ``video_render_threads``. Sizes must be 16:9 or 9:16 and even."""

    shots: list[Shot]
    audio: Path
    out: Path
    width: int = 1920
    height: int = 1080
    fps: int = 30
    crossfade_s: float = 0.5
    music: Path | None = None
    preset: str | None = None
    threads: int | None = None
    music_volume_db: float = field(default=-20.0)

    def __post_init__(self) -> None:
        problems = self.problems()
        if problems:
            raise ValidationError("invalid render spec", details=problems)

    def problems(self) -> list[dict[str, str]]:
        out: list[dict[str, str]] = []
        if not isinstance(self.shots, list | tuple) or not self.shots:
            out.append(_problem("shots", "needs at least one shot"))
        else:
            for i, shot in enumerate(self.shots):
                if not isinstance(shot, Shot):
                    out.append(_problem(f"shots[{i}]", "must be a Shot"))
        w, h = self.width, self.height
        if not (isinstance(w, int) and isinstance(h, int) and w > 0 and h > 0):
            out.append(_problem("width", "width and height must be positive whole pixels"))
        else:
            if w * 9 != h * 16 and w * 16 != h * 9:
                out.append(_problem("height", f"{w}x{h} is not 16:9 or 9:16"))
            if w % 2 or h % 2:
                out.append(_problem("width", f"{w}x{h}: both sides must be even (yuv420p)"))
            if not MIN_SHORT_SIDE <= min(w, h) <= MAX_SHORT_SIDE:
                out.append(_problem("width", f"{w}x{h}: the short side must be "
                                             f"{MIN_SHORT_SIDE}..{MAX_SHORT_SIDE} px"))  # fmt: skip
        if self.fps not in FRAME_RATES:
            out.append(_problem("fps", f"must be one of {', '.join(map(str, FRAME_RATES))}"))
        c = self.crossfade_s
        if not (isinstance(c, int | float) and math.isfinite(c) and 0 <= c <= 5):
            out.append(_problem("crossfade_s", "must be 0..5 seconds"))
        if self.threads is not None and not (isinstance(self.threads, int) and
                                             0 <= self.threads <= 64):  # fmt: skip
            out.append(_problem("threads", "must be 0..64 (0: one per core)"))
        if Path(self.out).suffix.lower() not in (".mp4", ".m4v"):
            out.append(_problem("out", "must be an .mp4 file"))
        if not math.isfinite(self.music_volume_db) or self.music_volume_db > 0:
            out.append(_problem("music_volume_db", "must be a finite gain <= 0 dB"))
        return out

    def missing_files(self) -> list[dict[str, str]]:
        """Input files that do not exist (checked when rendering, not when building)."""
        out = [_problem(f"shots[{i}].image", f"{s.image} does not exist")
               for i, s in enumerate(self.shots) if not Path(s.image).is_file()]  # fmt: skip
        if not Path(self.audio).is_file():
            out.append(_problem("audio", f"{self.audio} does not exist"))
        if self.music is not None and not Path(self.music).is_file():
            out.append(_problem("music", f"{self.music} does not exist"))
        return out


@dataclass(frozen=True)
class RenderResult:
    """A finished render: its file, durations (container, video stream, audio stream, as
    probed from the file), size and how long the render took (wall seconds)."""

    path: Path
    duration_s: float
    video_duration_s: float
    audio_duration_s: float
    width: int
    height: int
    render_seconds: float
    size_bytes: int

    @property
    def speed(self) -> float:
        """Seconds of video made per wall second (2.0: twice real time)."""
        return self.duration_s / self.render_seconds if self.render_seconds > 0 else 0.0
