"""ffmpeg discovery and failures, probing (moov placement read from the boxes), and
thumbnails — each with the real binary and real files."""

from __future__ import annotations

import io
import random
import shutil
from pathlib import Path

import imageio_ffmpeg
import numpy as np
import pytest
from PIL import Image

from mangaflow.platform.config import Settings
from mangaflow.platform.errors import ConfigError, RenderError, ValidationError
from mangaflow.video.render import ffmpeg as ff
from mangaflow.video.render import ffmpeg_exe, ffprobe_json, probe, run_ffmpeg
from mangaflow.video.render.thumbnail import thumbnail
from tests.conftest import make_settings
from tests.video.conftest import draw_still


def test_ffmpeg_comes_from_the_setting_then_the_package(tmp_path: Path) -> None:
    bundled = imageio_ffmpeg.get_ffmpeg_exe()
    assert ffmpeg_exe(make_settings(tmp_path)) == bundled
    assert ffmpeg_exe(make_settings(tmp_path, ffmpeg_path=bundled)) == bundled
    with pytest.raises(ConfigError) as err:
        ffmpeg_exe(make_settings(tmp_path, ffmpeg_path=str(tmp_path / "no-ffmpeg")))
    assert "MANGAFLOW_FFMPEG_PATH" in str(err.value) and "no-ffmpeg" in str(err.value)


def test_no_ffmpeg_anywhere_says_how_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ff, "_imageio_ffmpeg", lambda: None)
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty folder: no ffmpeg on PATH
    with pytest.raises(ConfigError) as err:
        ffmpeg_exe(make_settings(tmp_path))
    message = str(err.value)
    assert "pip install imageio-ffmpeg" in message and "apt-get install ffmpeg" in message
    assert "MANGAFLOW_FFMPEG_PATH" in message


def test_progress_is_reported_while_ffmpeg_runs(video_settings: Settings) -> None:
    seen: list[tuple[float, float]] = []
    # -re reads the 2 s source in real time: several progress reports must arrive
    run_ffmpeg(ffmpeg_exe(video_settings),
               ["-re", "-f", "lavfi", "-i", "sine=frequency=440:duration=2", "-f", "null", "-"],
               total_s=2.0, progress=lambda d, t: seen.append((d, t)))  # fmt: skip
    done = [d for d, _ in seen]
    assert len(done) >= 3
    assert done == sorted(set(done)) and done[-1] == 2.0 and {t for _, t in seen} == {2.0}


def test_a_failing_ffmpeg_raises_render_error_with_its_log(
    tmp_path: Path, video_settings: Settings
) -> None:
    missing = tmp_path / "missing-input.png"
    with pytest.raises(RenderError) as err:
        run_ffmpeg(ffmpeg_exe(video_settings), ["-i", str(missing), "-f", "null", "-"],
                   total_s=1.0)  # fmt: skip
    assert "missing-input.png" in str(err.value) and "No such file" in str(err.value)
    assert "No such file" in err.value.details["stderr_tail"]
    assert err.value.details["exit_code"] != 0


def test_a_stuck_ffmpeg_is_stopped_at_the_timeout(video_settings: Settings) -> None:
    endless = ["-re", "-f", "lavfi", "-i", "sine", "-f", "null", "-"]  # never ends by itself
    with pytest.raises(RenderError) as err:
        run_ffmpeg(ffmpeg_exe(video_settings), endless, total_s=10.0, timeout_s=0.5)
    assert "longer than" in str(err.value)


def test_a_failing_progress_callback_stops_ffmpeg(video_settings: Settings) -> None:
    class Stop(Exception):
        pass

    def cancel(done: float, total: float) -> None:
        raise Stop

    endless = ["-re", "-f", "lavfi", "-i", "sine", "-f", "null", "-"]
    with pytest.raises(Stop):
        run_ffmpeg(ffmpeg_exe(video_settings), endless, total_s=10.0, progress=cancel)


def _tiny_mp4(exe: str, out: Path, faststart: bool) -> Path:
    flags = ["-movflags", "+faststart"] if faststart else []
    run_ffmpeg(exe, ["-f", "lavfi", "-i", "testsrc=size=160x90:rate=10:duration=1",
                     "-f", "lavfi", "-i", "sine=duration=1", "-c:v", "libx264", "-c:a", "aac",
                     *flags, "-y", str(out)], total_s=1.0)  # fmt: skip
    return out


def test_probe_reads_streams_and_where_the_moov_atom_is(
    tmp_path: Path, video_settings: Settings
) -> None:
    exe = ffmpeg_exe(video_settings)
    late = probe(_tiny_mp4(exe, tmp_path / "late.mp4", faststart=False))
    early = probe(_tiny_mp4(exe, tmp_path / "early.mp4", faststart=True))
    assert not late.faststart and late.top_level_boxes.index("mdat") < late.top_level_boxes.index(
        "moov"
    )
    assert early.faststart
    assert (early.width, early.height, early.fps, early.video_codec) == (160, 90, 10.0, "h264")
    assert early.audio_codec == "aac" and abs(early.video_duration_s - 1.0) < 0.05
    assert "mp4" in early.format
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"not a video at all")
    with pytest.raises(ValidationError) as err:
        probe(junk)
    assert err.value.fields == ["path"]
    with pytest.raises(ValidationError):
        probe(tmp_path / "nothing.mp4")


def test_ffprobe_json_needs_an_ffprobe(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    assert ffprobe_json(tmp_path / "any.mp4") is None


@pytest.mark.skipif(shutil.which("ffprobe") is None, reason="no ffprobe on PATH")
def test_ffprobe_json_when_ffprobe_is_installed(tmp_path: Path, video_settings: Settings) -> None:
    data = ffprobe_json(_tiny_mp4(ffmpeg_exe(video_settings), tmp_path / "a.mp4", True))
    assert data is not None
    assert {s["codec_name"] for s in data["streams"]} == {"h264", "aac"}


def test_thumbnail_is_a_16_9_jpeg_under_2_mb_with_the_title(tmp_path: Path) -> None:
    still = draw_still(tmp_path / "s.png", (40, 90, 160), 3, size=(900, 900))  # square source
    data = thumbnail(still, "Why everyone is talking about the dragon of Eldmoor this week")
    img = Image.open(io.BytesIO(data))
    assert (img.format, img.size) == ("JPEG", (1280, 720)) and len(data) < 2 * 1024 * 1024
    plain = np.asarray(Image.open(still).convert("RGB").resize((720, 720)), dtype=np.int16)
    pixels = np.asarray(img.convert("RGB"), dtype=np.int16)
    lower = pixels[400:]
    assert ((lower > 235).all(axis=2)).sum() > 5000  # white letters
    assert ((lower < 20).all(axis=2)).sum() > 5000  # their black outline
    assert plain.size  # the source was readable
    upper_white = ((pixels[:200] > 235).all(axis=2)).sum()
    assert upper_white < 500  # the title stays in the lower part


def test_thumbnail_of_noise_still_fits_2_mb_and_bad_requests_name_the_field() -> None:
    rng = np.random.default_rng(5)
    noise = Image.fromarray(rng.integers(0, 255, (1080, 1920, 3), dtype=np.uint8))
    buf = io.BytesIO()
    noise.save(buf, "PNG")
    data = thumbnail(buf.getvalue(), "Noise", size=(1920, 1080))
    assert len(data) < 2 * 1024 * 1024 and Image.open(io.BytesIO(data)).size == (1920, 1080)
    for kwargs, field in (({"size": (1000, 1000)}, "size"), ({"size": (320, 180)}, "size"),
                          ({"title": "  "}, "title")):  # fmt: skip
        args = {"image": buf.getvalue(), "title": "T", **kwargs}
        with pytest.raises(ValidationError) as err:
            thumbnail(**args)  # type: ignore[arg-type]
        assert err.value.fields == [field]
    with pytest.raises(ValidationError) as err:
        thumbnail(bytes(random.Random(1).randbytes(100)), "T")
    assert err.value.fields == ["image"]
