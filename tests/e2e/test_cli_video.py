"""The video product's README command, as a user runs it: a real process, a temporary Prefect
server, offline providers; the MP4 checked with ffprobe (Debian's, installed by CI's
scripts/install-media.sh) when present, else with PyAV."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from mangaflow.video.render.probe import probe

pytestmark = pytest.mark.slow
BIN = Path(sys.executable).parent / "mangaflow"


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN), *args], env=env, capture_output=True, text=True,
                          timeout=600)  # fmt: skip


def streams(mp4: Path) -> dict[str, dict[str, Any]]:
    """codec type → (codec, width, height, duration) as ffprobe (or PyAV) reports them."""
    if ffprobe := shutil.which("ffprobe"):
        out = subprocess.run([ffprobe, "-v", "error", "-show_streams", "-of", "json", str(mp4)],
                             capture_output=True, text=True, check=True).stdout  # fmt: skip
        return {s["codec_type"]: {"codec": s["codec_name"], "width": s.get("width"),
                                  "height": s.get("height"), "duration": float(s["duration"])}
                for s in json.loads(out)["streams"]}  # fmt: skip
    info = probe(mp4)
    return {"video": {"codec": info.video_codec, "width": info.width, "height": info.height,
                      "duration": info.video_duration_s},
            "audio": {"codec": info.audio_codec, "duration": info.audio_duration_s}}  # fmt: skip


def test_video_make_writes_a_narrated_mp4_offline(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "MANGAFLOW_"))}
    env.update(MANGAFLOW_HOME=str(tmp_path / "home"), PREFECT_HOME=str(tmp_path / "prefect"),
               PREFECT_SERVER_ANALYTICS_ENABLED="false", COLUMNS="160")  # fmt: skip
    out = tmp_path / "out"
    result = run(["video", "make", "--name", "Home espresso", "-k", "espresso", "-k", "grinder",
                  "--minutes", "1", "--resolution", "720", "--aspect", "9:16", "--out",
                  str(out)], env)  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "(offline providers)" in result.stdout
    for name, label in (("video.mp4", "MP4"), ("captions.srt", "SRT"), ("captions.vtt", "VTT"),
                        ("thumbnail.jpg", "Thumbnail")):  # fmt: skip
        assert f"{label}: {out / name}" in result.stdout
        assert (out / name).stat().st_size > 0
    found = streams(out / "video.mp4")
    assert found["video"]["codec"] == "h264" and found["audio"]["codec"] == "aac"
    assert (found["video"]["width"], found["video"]["height"]) == (720, 1280)
    assert abs(found["video"]["duration"] - found["audio"]["duration"]) <= 0.1
    assert (out / "captions.vtt").read_text().startswith("WEBVTT")

    video_id = re.search(r"Video (\w+) ·", result.stdout).group(1)  # type: ignore[union-attr]
    shown = run(["video", "show", video_id], env)
    assert shown.returncode == 0 and '"status": "PUBLISHED"' in shown.stdout
    listing = run(["video", "list"], env)
    assert listing.returncode == 0 and video_id in listing.stdout
    bad = run(["video", "topics", "add", "X", "-k", "x", "--max-minutes", "30"], env)
    assert bad.returncode == 1 and "max_minutes" in bad.stderr
