"""The frame-exact timeline: the narration sets the frame count, crossfades are centred on
the cuts and shrink for short shots, and the even pans move by whole steps."""

from __future__ import annotations

import math

import pytest

from mangaflow.platform.errors import ValidationError
from mangaflow.video.render.graph import PAN, pan, video_bitrate_kbps
from mangaflow.video.render.timeline import plan


@pytest.mark.parametrize(
    ("durations", "narration", "fps", "fade"),
    [
        ([2.0, 3.0, 1.0], 6.0, 30, 0.5),
        ([1.234, 0.777, 2.5], 7.31, 25, 1.0),
        ([0.2] * 5, 1.3, 30, 1.0),
        ([10.0], 9.4, 24, 0.5),
        ([1.0, 1.0], 60.0, 30, 0.0),
    ],  # fmt: skip
)
def test_clips_join_to_exactly_the_narration(
    durations: list[float], narration: float, fps: int, fade: float
) -> None:
    tl = plan(durations, narration, fps, fade)
    assert tl.total_frames == round(narration * fps)
    # joined with crossfades, the clips are exactly the narration's frames long
    x = tl.crossfade_frames
    assert sum(c.frames for c in tl.clips) - x * (len(tl.clips) - 1) == tl.total_frames
    assert tl.clips[0].start == 0
    assert tl.clips[-1].start + tl.clips[-1].frames == tl.total_frames
    for a, b in zip(tl.clips, tl.clips[1:], strict=False):
        assert b.start == a.start + a.frames - x  # each fade overlaps the two clips by x
    assert x <= round(fade * fps)


def test_crossfades_are_centred_on_the_cuts_and_shrink_for_short_shots() -> None:
    tl = plan([2.0, 2.0, 2.0], 6.0, 30, 0.5)
    assert tl.crossfade_frames == 15 and tl.fade_starts() == [53, 113]  # 60 - 7, 120 - 7
    short = plan([0.2, 0.2, 0.2], 0.6, 30, 1.0)
    assert short.crossfade_frames == 3  # half the shortest shot (6 frames)
    cut = plan([0.05, 0.05, 0.05], 0.15, 60, 0.5)  # 3-frame shots: a clean cut
    assert cut.crossfade_frames == 0


def test_shots_that_do_not_fit_are_refused_naming_the_field() -> None:
    with pytest.raises(ValidationError) as err:
        plan([5.0, 2.0], 4.0, 30, 0.5)
    assert err.value.fields == ["shots"]
    with pytest.raises(ValidationError) as err:
        plan([0.001, 1.0], 2.0, 30, 0.5)
    assert err.value.fields == ["shots[0].duration_s"]
    with pytest.raises(ValidationError) as err:
        plan([1.0], 0.001, 30, 0.5)
    assert err.value.fields == ["audio"]


@pytest.mark.parametrize(("side", "frames"), [(1920, 180), (1920, 30), (1080, 900), (640, 2000)])
def test_pans_move_evenly(side: int, frames: int) -> None:
    p = pan(side, frames, forward=True)
    offsets = [eval(p.expr, {"floor": math.floor, "n": n}) for n in range(frames)]  # noqa: S307
    steps = [b - a for a, b in zip(offsets, offsets[1:], strict=False)]
    moves = [i for i, s in enumerate(steps) if s]
    # every frame moves by the same whole number of pixels, or one pixel every m frames
    assert len(set(steps)) == 1 or (set(steps) == {0, 1} and
                                    len({b - a for a, b in zip(moves, moves[1:], strict=False)}) == 1)  # fmt: skip
    assert offsets[0] == 0 and offsets[-1] <= p.travel
    assert 0.5 * PAN * side <= p.travel <= 1.6 * PAN * side
    back = pan(side, frames, forward=False)
    assert eval(back.expr, {"floor": math.floor, "n": 0}) == back.travel  # noqa: S307


def test_bitrates_follow_youtube_recommendations() -> None:
    assert video_bitrate_kbps(1920, 1080, 30) == 8_000
    assert video_bitrate_kbps(1080, 1920, 30) == 8_000
    assert video_bitrate_kbps(1280, 720, 30) == 5_000
    assert video_bitrate_kbps(1280, 720, 60) == 7_500
    assert video_bitrate_kbps(3840, 2160, 30) == 40_000
