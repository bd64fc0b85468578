"""Video records for the API and dashboard tests, made through the video services (topics,
trends, the request with its budget check) and finished by hand: real files (an MP4 encoded by
ffmpeg, WebVTT/SRT captions, a JPEG thumbnail) and priced usage stand in for the render and
publish stages, which other tests exercise."""

from __future__ import annotations

import functools
import io
import subprocess
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from mangaflow.platform.context import Context
from mangaflow.platform.ports import SpeechModel, SpeechRequest, SpeechResult, Usage
from mangaflow.video import budget
from mangaflow.video.domain import Topic, VideoRecord, topic_key
from mangaflow.video.parts import Studio, studio
from mangaflow.video.services import produce, topics
from mangaflow.video.services import trends as trend_service

TOPIC = {"name": "Home espresso", "keywords": ["espresso", "coffee grinder"],
         "min_minutes": 2, "max_minutes": 4, "topic_id": "home-espresso"}  # fmt: skip
VTT = b"WEBVTT\n\n00:00:00.000 --> 00:00:01.000\nEspresso in one second.\n"
SRT = b"1\n00:00:00,000 --> 00:00:01,000\nEspresso in one second.\n"


class IdleSpeech(SpeechModel):
    """An offline speech model for tests that only request videos (nothing is spoken)."""

    name = "idle"
    offline = True

    def synthesize(self, request: SpeechRequest) -> SpeechResult:
        raise AssertionError("these tests never narrate")


@dataclass
class Counts:
    views: int
    likes: int
    comments: int


@dataclass
class CountingPublisher:
    """Statistics as a publisher reports them; remembers what it was asked."""

    name: str = "local"
    views: int = 1234
    asked: list[list[str]] = field(default_factory=list)

    def statistics(self, ids: list[str]) -> dict[str, Counts]:
        self.asked.append(list(ids))
        return {i: Counts(self.views, self.views // 20, self.views // 100) for i in ids}


def video_studio(c: Context, publisher: Any = None) -> Studio:
    """The context's studio with the idle speech model (and a publisher when given)."""
    return studio(c, speech=IdleSpeech(), publisher=publisher)


@functools.cache
def tiny_mp4() -> bytes:
    """A 1-second 160x90 H.264/AAC MP4 (ffmpeg from imageio-ffmpeg), made once per session."""
    import imageio_ffmpeg

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "tiny.mp4"
        subprocess.run(
            [imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-f", "lavfi", "-i",
             "color=c=navy:s=160x90:d=1:r=10", "-f", "lavfi", "-i",
             "sine=frequency=440:duration=1", "-c:v", "libx264", "-pix_fmt", "yuv420p",
             "-c:a", "aac", "-shortest", "-movflags", "+faststart", str(out)],
            check=True, capture_output=True, timeout=60,
        )  # fmt: skip
        return out.read_bytes()


def thumbnail_jpeg() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (160, 90), (200, 120, 40)).save(out, format="JPEG")
    return out.getvalue()


def add_topic(c: Context, user: str, **fields: Any) -> Topic:
    return topics.create(video_studio(c), user, {**TOPIC, **fields})


def trends_for(c: Context, user: str, topic_id: str, days: int = 2) -> list[str]:
    """Offline trend reports of the last ``days`` days (oldest first); their days."""
    st = video_studio(c)
    topic = st.store.get_topic(user, topic_id)
    now = datetime.now(UTC)
    return [trend_service.detect(st, topic, now - timedelta(days=d)).day
            for d in range(days - 1, -1, -1)]  # fmt: skip


#: Usage a finished 1-minute video recorded: (kind, provider, usage).
CALLS: tuple[tuple[str, str, Usage], ...] = (
    ("text", "offline", Usage(calls=1, input_tokens=900, output_tokens=300)),
    ("image", "offline", Usage(calls=3, images=3)),
    ("speech", "espeak", Usage(calls=3, characters=900)),
    ("render", "ffmpeg", Usage(calls=1, seconds=1.0)),
)


def finished_video(
    c: Context, user: str, topic_id: str, *, published: bool = True, title: str = "Espresso"
) -> VideoRecord:
    """A video requested through the service, then given rendered files, usage (priced by
    the settings' price table) and, when ``published``, a publication with a statistics row."""
    st = video_studio(c)
    req, video = produce.request_video(st, user, topic_id=topic_id, minutes=1)
    topic = st.store.get_topic(user, topic_id)
    for kind, provider, usage in CALLS:
        budget.record(c, st.store, req.request_id, kind, provider, usage,
                      topic_id=topic_key(user, topic_id), topic=topic)  # fmt: skip
    files = {
        "mp4": c.blobs.put(produce.result_key(video, "video.mp4"), tiny_mp4(), "video/mp4"),
        "srt": c.blobs.put(produce.result_key(video, "captions.srt"), SRT, "application/x-subrip"),
        "vtt": c.blobs.put(produce.result_key(video, "captions.vtt"), VTT, "text/vtt"),
        "thumbnail": c.blobs.put(produce.result_key(video, "thumbnail.jpg"), thumbnail_jpeg(),
                                 "image/jpeg"),
    }  # fmt: skip
    changes: dict[str, Any] = {"files": files, "title": title, "width": 160, "height": 90,
                               "duration_s": 1.0, "status": "RENDERING",
                               "cost_usd": budget.request_cost(c, req.request_id)}  # fmt: skip
    if published:
        changes.update(status="PUBLISHED", publish={
            "publisher": "local", "video_id": f"local-{video.video_id}",
            "url": f"file:///published/{video.video_id}.mp4", "privacy": "private",
            "published_at": "2026-12-01T08:30:00+00:00", "publish_at": ""},
            stats=[{"label": "+1h", "at": "2026-12-01T09:30:00Z", "views": 12, "likes": 3,
                    "comments": 1}])  # fmt: skip
        c.requests.mark_finished(req.request_id, "COMPLETED")
    return st.store.update_video(video.video_id, **changes)
