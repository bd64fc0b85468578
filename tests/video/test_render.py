"""The local renderer with the real ffmpeg: files checked by probing and by decoding frames
(what a viewer would see: the colours of the shots, the crossfade, the motion, the
caption), at small sizes so the suite stays fast."""

from __future__ import annotations

import wave
from collections.abc import Callable
from pathlib import Path

import av
import numpy as np
import pytest

from mangaflow.platform.config import Settings
from mangaflow.platform.errors import ValidationError
from mangaflow.video.render import RenderSpec, Shot, probe, render
from mangaflow.video.render.spec import Motion
from tests.video.conftest import write_wav

NARRATION_S = 4.0


def frames(path: Path) -> list[np.ndarray]:
    with av.open(str(path)) as c:
        return [f.to_ndarray(format="rgb24").astype(np.int16) for f in c.decode(video=0)]


def dominant(frame: np.ndarray) -> np.ndarray:
    """Median colour of the top half (captions sit lower)."""
    return np.median(frame[: frame.shape[0] // 2].reshape(-1, 3), axis=0)


def test_render_makes_a_youtube_ready_mp4(
    tmp_path: Path, stills: list[Path], wav: Callable[[float], Path], video_settings: Settings
) -> None:
    audio = wav(NARRATION_S)
    shots = [Shot(stills[0], 1.5, "zoom_in", "A dragon returns"), Shot(stills[1], 1.5, "pan_left"),
             Shot(stills[2], 1.0, "zoom_out")]  # fmt: skip
    seen: list[tuple[float, float]] = []
    spec = RenderSpec(shots, audio, tmp_path / "out" / "video.mp4", 640, 360, crossfade_s=0.5)
    result = render(spec, video_settings, progress=lambda d, t: seen.append((d, t)))

    info = probe(result.path)
    assert result.path == spec.out and spec.out.is_file()
    assert (info.video_codec, info.video_profile, info.pix_fmt) == ("h264", "High", "yuv420p")
    assert (info.audio_codec, info.audio_profile) == ("aac", "LC")
    assert (info.sample_rate, info.channels) == (48_000, 2)
    assert (info.width, info.height, info.fps) == (640, 360, 30.0)
    assert info.faststart and info.top_level_boxes.index("moov") < info.top_level_boxes.index(
        "mdat"
    )
    assert abs(info.video_duration_s - NARRATION_S) <= 0.1
    assert abs(info.audio_duration_s - NARRATION_S) <= 0.1
    assert abs(info.video_duration_s - info.audio_duration_s) <= 0.1
    assert info.video_frames == 120
    assert result.size_bytes == spec.out.stat().st_size and result.render_seconds > 0
    assert (result.width, result.height) == (640, 360)
    assert result.video_duration_s == info.video_duration_s
    # progress: increasing, never past the total, ends at the total
    done = [d for d, _ in seen]
    assert done == sorted(set(done)) and done[-1] == pytest.approx(NARRATION_S)
    assert all(t == pytest.approx(NARRATION_S) for _, t in seen)

    video = frames(result.path)
    red, green, blue = (dominant(video[i]) for i in (15, 70, 110))
    assert red[0] > 150 > red[1] and green[1] > 150 > green[0] and blue[2] > 150 > blue[0]
    # the cut at 1.5 s (frame 45) is a crossfade: half red, half green in the middle
    mid = dominant(video[45])
    assert 70 < mid[0] < 170 and 70 < mid[1] < 170
    # the pan moves the picture; the caption shows on the first shot only
    assert np.abs(video[55] - video[80]).mean() > 5
    low = slice(int(360 * 0.7), int(360 * 0.95))
    assert (video[15][low] > 235).all(axis=2).sum() > 200
    assert (video[70][low] > 235).all(axis=2).sum() < 20


def test_vertical_render_with_still_shots_and_a_padded_last_shot(
    tmp_path: Path, stills: list[Path], wav: Callable[[float], Path], video_settings: Settings
) -> None:
    # shots total 2 s; the narration lasts 3 s: the last shot stays until it ends
    audio = wav(3.0)
    spec = RenderSpec([Shot(stills[3], 1.0, "still"), Shot(stills[4], 1.0, "pan_up")], audio,
                      tmp_path / "short.mp4", 360, 640, fps=25)  # fmt: skip
    result = render(spec, video_settings)
    info = probe(result.path)
    assert (info.width, info.height, info.fps) == (360, 640, 25.0)
    assert abs(info.video_duration_s - 3.0) <= 0.1 and abs(info.audio_duration_s - 3.0) <= 0.1
    video = frames(result.path)
    assert len(video) == 75
    assert np.abs(video[2] - video[18]).mean() < 1.5  # a still does not move
    assert dominant(video[70])[2] > 150  # the last (magenta) shot fills the padded end


def test_very_short_shots_shrink_the_crossfade_and_keep_the_length(
    tmp_path: Path, stills: list[Path], wav: Callable[[float], Path], video_settings: Settings
) -> None:
    audio = wav(1.3)
    motions: list[Motion] = ["zoom_in", "pan_right", "pan_down", "zoom_out", "still"]
    shots = [Shot(p, 0.2, m) for p, m in zip(stills, motions, strict=True)]
    spec = RenderSpec(shots, audio, tmp_path / "quick.mp4", 640, 360, crossfade_s=1.0)
    info = probe(render(spec, video_settings).path)
    assert abs(info.video_duration_s - 1.3) <= 0.1 and abs(info.audio_duration_s - 1.3) <= 0.1
    video = frames(spec.out)
    assert len(video) == 39
    assert dominant(video[3])[0] > 150 and dominant(video[37])[0] > 150  # red ... magenta
    assert dominant(video[15])[2] > 150  # blue in the middle: every shot got screen time


def test_music_is_looped_under_the_narration(
    tmp_path: Path, stills: list[Path], video_settings: Settings
) -> None:
    silent = tmp_path / "silent.wav"
    with wave.open(str(silent), "wb") as w:  # a narration of 2 s of silence
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(24_000)
        w.writeframes(b"\0\0" * 48_000)
    music = write_wav(tmp_path / "music.wav", 0.4)  # shorter than the video: looped
    spec = RenderSpec([Shot(stills[0], 2.0)], silent, tmp_path / "m.mp4", 640, 360,
                      music=music, music_volume_db=-6.0)  # fmt: skip
    info = probe(render(spec, video_settings).path)
    assert abs(info.audio_duration_s - 2.0) <= 0.1 and abs(info.video_duration_s - 2.0) <= 0.1
    with av.open(str(spec.out)) as c:
        pcm = np.concatenate([f.to_ndarray()[0] for f in c.decode(audio=0)])
    second = pcm[int(1.5 * 48_000) : int(1.9 * 48_000)]  # after the music file's own end
    assert np.sqrt(np.mean(second**2)) > 0.03  # the music plays on under the narration


def test_shots_longer_than_the_narration_are_refused_naming_the_field(
    tmp_path: Path, stills: list[Path], wav: Callable[[float], Path], video_settings: Settings
) -> None:
    spec = RenderSpec([Shot(stills[0], 3.0), Shot(stills[1], 1.0)], wav(2.0), tmp_path / "x.mp4",
                      640, 360)  # fmt: skip
    with pytest.raises(ValidationError) as err:
        render(spec, video_settings)
    assert err.value.fields == ["shots"] and "3.00 s" in str(err.value)
    assert not spec.out.exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"width": 640, "height": 480}, "height"),
        ({"width": 641, "height": 360}, "height"),
        ({"width": 16, "height": 9}, "width"),
        ({"fps": 29}, "fps"),
        ({"crossfade_s": -1}, "crossfade_s"),
        ({"shots": []}, "shots"),
        ({"threads": 99}, "threads"),
        ({"out": Path("video.mov")}, "out"),
    ],
)
def test_bad_specs_name_the_field(tmp_path: Path, change: dict[str, object], field: str) -> None:
    values: dict[str, object] = {"shots": [Shot(tmp_path / "a.png", 1.0)],
                                 "audio": tmp_path / "a.wav", "out": tmp_path / "v.mp4"}  # fmt: skip
    values.update(change)
    with pytest.raises(ValidationError) as err:
        RenderSpec(**values)  # type: ignore[arg-type]
    assert field in err.value.fields


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"duration_s": 0}, "duration_s"),
        ({"duration_s": float("nan")}, "duration_s"),
        ({"motion": "spin"}, "motion"),
    ],  # fmt: skip
)
def test_bad_shots_name_the_field(kwargs: dict[str, object], field: str) -> None:
    values: dict[str, object] = {"image": Path("a.png"), "duration_s": 1.0}
    values.update(kwargs)
    with pytest.raises(ValidationError) as err:
        Shot(**values)  # type: ignore[arg-type]
    assert err.value.fields == [field]


def test_missing_and_unreadable_inputs_name_the_field(
    tmp_path: Path, stills: list[Path], video_settings: Settings
) -> None:
    not_wav = tmp_path / "narration.wav"
    not_wav.write_bytes(b"ID3 this is an mp3, not a wav")
    spec = RenderSpec([Shot(stills[0], 1.0), Shot(tmp_path / "gone.png", 1.0)], not_wav,
                      tmp_path / "v.mp4", 640, 360)  # fmt: skip
    with pytest.raises(ValidationError) as err:
        render(spec, video_settings)
    assert err.value.fields == ["shots[1].image"]
    spec = RenderSpec([Shot(stills[0], 1.0)], not_wav, tmp_path / "v.mp4", 640, 360)
    with pytest.raises(ValidationError) as err:
        render(spec, video_settings)
    assert err.value.fields == ["audio"]
