"""Whole video runs through the Prefect flows (a real Prefect server, the inline bus): the
offline providers make a narrated MP4 that probes as H.264 + AAC at the topic's size with
audio and video of one length; the costs recorded per call add up to the video's cost and to
the day's ledger; a failed run resumes without paying twice; a manga episode becomes a
narrated motion comic."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from flows.platform.dispatch import HANDLERS
from flows.platform.local import no_heartbeats
from mangaflow.bootstrap import build, set_context
from mangaflow.platform.adapters.events.inline import InlineEventBus
from mangaflow.platform.errors import NotFound, ProviderAuthError
from mangaflow.platform.ports import SpeechModel, SpeechRequest, SpeechResult
from mangaflow.platform.registry import build_speech
from mangaflow.video.parts import Studio, studio
from mangaflow.video.render.probe import probe
from mangaflow.video.services import finish, produce, topics
from tests.conftest import make_settings
from tests.video.conftest import TOPIC

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("prefect_server")]
PRICES = {"offline": {"per_call": 0.001, "per_image": 0.01}, "espeak": {"per_1k_characters": 0.01},
          "ffmpeg": {"per_second": 0.0001}}  # fmt: skip


class FailingOnce(SpeechModel):
    """The real offline narrator, failing for good on the first call to segment ``index``."""

    def __init__(self, inner: SpeechModel, fail_on: str) -> None:
        self.inner, self.fail_on, self.failed = inner, fail_on, False
        self.name, self.offline, self.max_chars = inner.name, inner.offline, inner.max_chars
        self.calls = 0

    def synthesize(self, request: SpeechRequest) -> SpeechResult:
        self.calls += 1
        if not self.failed and self.fail_on in request.text:
            self.failed = True
            raise ProviderAuthError("speech key revoked (injected)")
        return self.inner.synthesize(request)


def wire(tmp_path: Path, **settings: Any) -> Studio:
    c = build(make_settings(tmp_path / "home", prices=PRICES, **settings),
              bus=InlineEventBus())  # fmt: skip
    set_context(c)
    return studio(c)


def drain(st: Studio) -> None:
    with no_heartbeats():
        st.c.bus.drain(HANDLERS)  # type: ignore[attr-defined]


def test_offline_topic_video_end_to_end(tmp_path: Path) -> None:
    st = wire(tmp_path)
    topic = topics.create(st, "u1", {**TOPIC, "resolution": 720})
    req, video = produce.request_video(st, "u1", topic_id=topic.topic_id, seed=3)
    drain(st)
    final = st.c.requests.get_request(req.request_id)
    assert (final.status, final.error) == ("COMPLETED", None)
    info = finish.describe(st, video.video_id)
    assert info["status"] == "PUBLISHED" and info["offline"]
    mp4 = Path(st.c.blobs.locate(info["files"]["mp4"]))
    media = probe(mp4)
    assert (media.video_codec, media.audio_codec) == ("h264", "aac")
    assert (media.width, media.height) == (1280, 720)
    assert abs(media.video_duration_s - media.audio_duration_s) <= 0.1
    assert 45 <= media.audio_duration_s <= 90 and media.faststart
    srt = st.c.blobs.get(info["files"]["srt"]).decode()
    assert srt.startswith("1\n00:00:0") and "-->" in srt
    # The local publisher's folder holds the video and its metadata, marked synthetic.
    folder = st.settings.publish_dir / info["publish"]["video_id"]
    meta = json.loads((folder / "metadata.json").read_text())["metadata"]
    assert meta["contains_synthetic_media"] is True and meta["title"] == info["title"]
    # Costs: the video's cost is the sum of its recorded calls, and the day's ledger has it.
    usage = info["usage"]
    assert set(usage) >= {"text/offline", "image/offline", "speech/espeak", "render/ffmpeg"}
    recorded = sum(row["cost_usd"] for row in usage.values())
    assert info["cost_usd"] == pytest.approx(recorded) and recorded > 0
    from datetime import UTC, datetime

    assert st.store.spent(f"DAY#{datetime.now(UTC):%Y-%m-%d}") == pytest.approx(recorded)
    images = usage["image/offline"]["images"]
    assert images == len(produce.Job(st, req.request_id).script().segments)


def test_a_failed_narration_resumes_without_paying_twice(tmp_path: Path) -> None:
    st = wire(tmp_path)
    topic = topics.create(st, "u1", {**TOPIC, "resolution": 720, "aspect": "9:16"})
    req, video = produce.request_video(st, "u1", topic_id=topic.topic_id, seed=4)
    speech = FailingOnce(build_speech(st.settings), fail_on="")
    studio(st.c, speech=speech)
    produce.write_script(st, req.request_id)
    script_text = produce.Job(st, req.request_id).script().segments[1].narration[:30]
    speech.fail_on = script_text
    with pytest.raises(ProviderAuthError):
        drain(st)
    failed = st.c.requests.get_request(req.request_id)
    assert failed.status == "FAILED" and "revoked" in (failed.error or "")
    before = st.c.requests.usage_summary(req.request_id)
    produce.resume(st, "u1", req.request_id)
    drain(st)
    done = st.c.requests.get_request(req.request_id)
    assert done.status == "COMPLETED", done.error
    after = st.c.requests.usage_summary(req.request_id)
    assert after["image/offline"]["images"] == before["image/offline"]["images"]  # not redrawn
    assert after["text/offline"]["calls"] == before["text/offline"]["calls"]
    media = probe(Path(st.c.blobs.locate(finish.describe(st, video.video_id)["files"]["mp4"])))
    assert (media.width, media.height) == (720, 1280)


def test_a_manga_episode_becomes_a_narrated_motion_comic(tmp_path: Path) -> None:
    from flows.manga.pipeline import generate_manga
    from tests.conftest import VALID_PREFS

    st = wire(tmp_path)
    manga = generate_manga({**VALID_PREFS, "pagesPerEpisode": 2}, user_id="u1")
    episode_id = manga["episode_id"]
    with pytest.raises(NotFound):  # another user's episode does not exist for them
        produce.request_video(st, "u2", episode_id=episode_id)
    req, video = produce.request_video(st, "u1", episode_id=episode_id)
    drain(st)
    done = st.c.requests.get_request(req.request_id)
    assert done.status == "COMPLETED", done.error
    info = finish.describe(st, video.video_id)
    script = produce.Job(st, req.request_id).script()
    panels = produce.Job(st, req.request_id).images()
    assert len(script.segments) == len(panels) >= 4  # one shot per panel, in reading order
    assert "image/offline" not in info["usage"]  # the panels are the pictures: none drawn
    assert "motion comic" in info["title"]
    media = probe(Path(st.c.blobs.locate(info["files"]["mp4"])))
    assert abs(media.video_duration_s - media.audio_duration_s) <= 0.1
