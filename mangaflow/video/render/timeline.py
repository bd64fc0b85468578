"""Where each shot sits in the finished video, in whole frames.

The narration sets the length: ``round(narration_s * fps)`` frames. Shot *i* nominally
starts where shots ``0..i-1`` end (rounded to a frame); the last shot runs to the end of
the narration, lengthened or shortened as needed. A crossfade of ``X`` frames is centred on
each boundary, so every clip is drawn ``X/2`` frames longer on each side it shares with a
neighbour and the overlaps cancel out: the joined video has exactly the narration's frame
count. ``X`` shrinks (to at most half the shortest shot) when shots are short, and is 0 —
a hard cut — when they are shorter than two frames.
"""

from __future__ import annotations

from dataclasses import dataclass

from mangaflow.platform.errors import ValidationError


@dataclass(frozen=True)
class Clip:
    """One shot as drawn: ``frames`` long, starting ``start`` frames into the video."""

    start: int
    frames: int


@dataclass(frozen=True)
class Timeline:
    fps: int
    total_frames: int
    crossfade_frames: int
    clips: list[Clip]

    @property
    def duration_s(self) -> float:
        return self.total_frames / self.fps

    def fade_starts(self) -> list[int]:
        """Frame at which each crossfade (clip ``i`` into ``i+1``) begins."""
        return [c.start for c in self.clips[1:]]


def plan(durations: list[float], narration_s: float, fps: int, crossfade_s: float) -> Timeline:
    """The frame-exact timeline of shots lasting ``durations`` over ``narration_s`` seconds.
    Raises ``ValidationError`` (field ``shots``/``audio``) when the shots before the last one
    already outlast the narration, or a shot is shorter than one frame."""
    total = round(narration_s * fps)
    if total < 1:
        raise ValidationError("narration too short", details=[{
            "field": "audio", "message": f"{narration_s:.3f} s is shorter than one frame"}])  # fmt: skip
    bounds = [0]
    elapsed = 0.0
    for d in durations[:-1]:
        elapsed += d
        bounds.append(round(elapsed * fps))
    bounds.append(total)
    slots = [b - a for a, b in zip(bounds, bounds[1:], strict=False)]
    problems = []
    for i, slot in enumerate(slots[:-1]):
        if slot < 1:
            problems.append({"field": f"shots[{i}].duration_s",
                             "message": f"{durations[i]} s is shorter than one frame at {fps} fps"})  # fmt: skip
    if slots[-1] < 1:
        before = sum(durations[:-1])
        problems.append({"field": "shots", "message": (
            f"the shots before the last one last {before:.2f} s but the narration only "
            f"{narration_s:.2f} s: shorten them so the last shot has time on screen")})  # fmt: skip
    if problems:
        raise ValidationError("shots do not fit the narration", details=problems)
    fade = 0
    if len(slots) > 1:
        fade = min(round(crossfade_s * fps), min(slots) // 2)
        if fade < 2:
            fade = 0  # a one-frame "fade" is a cut with a blur: cut cleanly instead
    half = fade // 2
    clips = []
    for i in range(len(slots)):
        start = bounds[i] - (half if i > 0 else 0)
        end = bounds[i + 1] + (fade - half if i < len(slots) - 1 else 0)
        clips.append(Clip(start=start, frames=end - start))
    return Timeline(fps=fps, total_frames=total, crossfade_frames=fade, clips=clips)
