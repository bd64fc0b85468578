"""The YouTube publisher against the loopback fake: resumable uploads that survive a 503, a
cut connection, an expired session and a revoked token; the metadata sent; thumbnail and
captions; quota charged (and refused before anything is sent)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from mangaflow.platform.adapters.storage.sqlite import SqliteItemTable
from mangaflow.platform.errors import ConfigError, ProviderUnavailable, QuotaExceeded
from mangaflow.platform.ports import Usage
from mangaflow.video.ports import PublishMetadata
from mangaflow.video.publishers.youtube import CHUNK_UNIT, YouTubePublisher
from mangaflow.video.youtube.quota import QuotaLedger
from tests.fakes.youtube_server import FakeYouTubeServer, make_video
from tests.video.conftest import video_file, yt_settings

CHUNK = 2 * CHUNK_UNIT  # 512 KiB
SIZE = 5 * CHUNK_UNIT + 12_345  # three chunks, the last one short
META = PublishMetadata(title="Trend recap", description="What moved this week.")


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def publisher(tmp_path: Path, yt: FakeYouTubeServer, table: SqliteItemTable,
              **kwargs: Any) -> tuple[YouTubePublisher, list[float]]:  # fmt: skip
    waits: list[float] = []
    settings = yt_settings(tmp_path, yt, provider_retry_backoff_seconds=0.5, retry_jitter=0.0,
                           **kwargs.pop("settings", {}))  # fmt: skip
    pub = YouTubePublisher(settings, table, chunk_size=CHUNK, sleep=waits.append, **kwargs)
    return pub, waits


def ranges(yt: FakeYouTubeServer) -> list[str]:
    """Content-Range of every upload PUT, in order (status queries are ``bytes */N``)."""
    return [r.headers["content-range"] for r in yt.requests if r.method == "PUT"]


def test_an_upload_resumes_from_the_acknowledged_byte_after_a_503(
    tmp_path: Path, table: SqliteItemTable
) -> None:
    clip = video_file(tmp_path, SIZE)
    with FakeYouTubeServer(chunk_faults={2: "503"}) as yt:
        pub, waits = publisher(tmp_path, yt, table)
        result = pub.publish(clip, META)
    assert sha(yt.uploaded[result.video_id]) == sha(clip.read_bytes())
    assert ranges(yt) == [f"bytes 0-524287/{SIZE}", f"bytes 524288-1048575/{SIZE}",
                          f"bytes */{SIZE}", f"bytes 524288-1048575/{SIZE}",
                          f"bytes 1048576-{SIZE - 1}/{SIZE}"]  # fmt: skip
    assert waits == [0.5]


def test_an_upload_resumes_after_a_cut_connection_from_what_the_server_kept(
    tmp_path: Path, table: SqliteItemTable
) -> None:
    clip = video_file(tmp_path, SIZE)
    # The 2nd chunk is cut after 384 KiB arrived; the fake keeps the first 256 KiB of them.
    with FakeYouTubeServer(chunk_faults={2: "cut"}, cut_bytes=CHUNK_UNIT + CHUNK_UNIT // 2) as yt:
        pub, waits = publisher(tmp_path, yt, table)
        result = pub.publish(clip, META)
    acknowledged = CHUNK + CHUNK_UNIT  # 786432: neither 0 nor the cut chunk's start
    assert sha(yt.uploaded[result.video_id]) == sha(clip.read_bytes())
    assert ranges(yt)[2:4] == [f"bytes */{SIZE}",
                               f"bytes {acknowledged}-{acknowledged + CHUNK - 1}/{SIZE}"]  # fmt: skip
    assert len(yt.sessions) == 1 and waits == [0.5]
    assert QuotaLedger(table, 10_000).state().used == 1600  # one session, charged once


def test_an_expired_session_starts_a_new_one(tmp_path: Path, table: SqliteItemTable) -> None:
    clip = video_file(tmp_path, SIZE)
    with FakeYouTubeServer(chunk_faults={2: "expire"}) as yt:
        pub, _ = publisher(tmp_path, yt, table)
        result = pub.publish(clip, META)
    assert sha(yt.uploaded[result.video_id]) == sha(clip.read_bytes())
    assert yt.paths("POST").count("/upload/youtube/v3/videos") == 2
    assert ranges(yt)[2] == f"bytes 0-524287/{SIZE}"  # the new session from the start
    assert QuotaLedger(table, 10_000).state().used == 3200


def test_failures_without_progress_give_up_with_backoff(
    tmp_path: Path, table: SqliteItemTable
) -> None:
    clip = video_file(tmp_path, SIZE)
    with FakeYouTubeServer(chunk_faults={2: "503", 3: "cut", 4: "503"}, cut_bytes=1000) as yt:
        pub, waits = publisher(tmp_path, yt, table, max_failures=2)
        with pytest.raises(ProviderUnavailable) as info:
            pub.publish(clip, META)
    assert "3 times in a row" in info.value.message
    assert waits == [0.5, 1.0]  # exponential, then the third failure ends it
    assert yt.uploaded == {}


def test_a_token_revoked_mid_upload_is_refreshed_and_the_upload_goes_on(
    tmp_path: Path, table: SqliteItemTable
) -> None:
    clip = video_file(tmp_path, SIZE)
    seen: list[tuple[int, int]] = []
    with FakeYouTubeServer() as yt:
        pub, _ = publisher(tmp_path, yt, table)

        def progress(sent: int, total: int) -> None:
            seen.append((sent, total))
            if len(seen) == 1:
                yt.revoke_tokens()

        result = pub.publish(clip, META, progress=progress)
    assert sha(yt.uploaded[result.video_id]) == sha(clip.read_bytes())
    assert yt.tokens_issued == 2
    assert seen == [(CHUNK, SIZE), (2 * CHUNK, SIZE), (SIZE, SIZE)]


def test_the_metadata_youtube_receives(tmp_path: Path, table: SqliteItemTable) -> None:
    clip = video_file(tmp_path, 1000)
    when = datetime(2026, 12, 24, 18, 30, tzinfo=UTC)
    meta = PublishMetadata.parse({
        "title": "Top 5 trends", "description": "Narrated by a synthetic voice.",
        "tags": ["trends", "weekly recap"], "category_id": "24", "default_language": "en",
        "privacy": "private", "publish_at": when, "made_for_kids": True,
    })  # fmt: skip
    with FakeYouTubeServer() as yt:
        pub, _ = publisher(tmp_path, yt, table)
        result = pub.publish(clip, meta)
    (start,) = [r for r in yt.requests if r.method == "POST" and r.path.endswith("/videos")]
    assert start.query == {"uploadType": "resumable", "part": "snippet,status"}
    assert start.headers["x-upload-content-length"] == "1000"
    assert start.headers["x-upload-content-type"] == "video/mp4"
    assert start.headers["authorization"].startswith("Bearer ")
    assert start.json == {
        "snippet": {"title": "Top 5 trends", "description": "Narrated by a synthetic voice.",
                    "tags": ["trends", "weekly recap"], "categoryId": "24",
                    "defaultLanguage": "en", "defaultAudioLanguage": "en"},
        "status": {"privacyStatus": "private", "publishAt": "2026-12-24T18:30:00Z",
                   "selfDeclaredMadeForKids": True, "containsSyntheticMedia": True},
    }  # fmt: skip
    assert result.privacy == "private" and result.publisher == "youtube"
    assert result.url == f"https://www.youtube.com/watch?v={result.video_id}"
    assert result.notes == ()


def test_thumbnail_and_captions_follow_the_video_and_cost_quota(
    tmp_path: Path, table: SqliteItemTable
) -> None:
    clip = video_file(tmp_path, 3000)
    thumb = video_file(tmp_path, 2000, "thumb.png")
    subs = tmp_path / "captions.vtt"
    subs.write_text("WEBVTT\n\n00:00.000 --> 00:02.000\nHello\n")
    usage: list[Usage] = []
    with FakeYouTubeServer() as yt:
        pub, _ = publisher(tmp_path, yt, table, on_usage=usage.append)
        result = pub.publish(clip, META.model_copy(update={"default_language": "fr"}),
                             thumbnail=thumb, captions=subs)  # fmt: skip
        stats = pub.statistics([result.video_id, "unknown"])
    assert yt.thumbnails[result.video_id] == thumb.read_bytes()
    ((meta, content),) = yt.captions[result.video_id]
    assert content == subs.read_bytes() and meta["snippet"]["language"] == "fr"
    assert [u.quota_units for u in usage] == [1600, 50, 400, 1]
    assert set(stats) == {result.video_id} and stats[result.video_id].source == "youtube"


def test_a_refused_thumbnail_is_a_note_and_the_video_stays_published(
    tmp_path: Path, table: SqliteItemTable
) -> None:
    clip = video_file(tmp_path, 3000)
    thumb = video_file(tmp_path, 2000, "thumb.jpg")
    with FakeYouTubeServer() as yt:
        pub, _ = publisher(tmp_path, yt, table)

        def refuse_after_upload(sent: int, total: int) -> None:
            if sent == total:
                yt.api_failures.append((403, "forbidden"))

        result = pub.publish(clip, META, thumbnail=thumb, progress=refuse_after_upload)
    assert result.video_id in yt.uploaded and yt.thumbnails == {}
    (note,) = result.notes
    assert note.startswith("thumbnail not set") and "forbidden" in note


def test_an_upload_over_the_quota_is_refused_before_anything_is_sent(
    tmp_path: Path, table: SqliteItemTable
) -> None:
    clip = video_file(tmp_path, 3000)
    with FakeYouTubeServer() as yt:
        pub, _ = publisher(tmp_path, yt, table, settings={"youtube_daily_quota": 1599})
        with pytest.raises(QuotaExceeded) as info:
            pub.publish(clip, META)
        assert yt.requests == []
    assert info.value.details["needed"] == 1600 and info.value.details["limit"] == 1599


@pytest.mark.parametrize("reason", ["quotaExceeded", "uploadLimitExceeded"])
def test_youtube_refusing_the_upload_for_quota_is_not_retried(
    tmp_path: Path, table: SqliteItemTable, reason: str
) -> None:
    clip = video_file(tmp_path, 3000)
    with FakeYouTubeServer(api_failures=[(403, reason)]) as yt:
        pub, waits = publisher(tmp_path, yt, table, settings={"provider_retries": 3})
        with pytest.raises(QuotaExceeded) as info:
            pub.publish(clip, META)
    assert yt.paths() == ["/token", "/upload/youtube/v3/videos"]  # one try, no chunk sent
    assert reason in info.value.message and info.value.details["resets_at"]
    assert waits == [] and yt.uploaded == {}


def test_statistics_of_published_videos(tmp_path: Path, table: SqliteItemTable) -> None:
    with FakeYouTubeServer(videos=[make_video("old", views=120, likes=9, comments=2)]) as yt:
        pub, _ = publisher(tmp_path, yt, table)
        stats = pub.statistics(["old"])
    assert (stats["old"].views, stats["old"].likes, stats["old"].comments) == (120, 9, 2)


def test_chunks_must_be_multiples_of_256_kib(tmp_path: Path, table: SqliteItemTable,
                                             yt: FakeYouTubeServer) -> None:  # fmt: skip
    with pytest.raises(ConfigError, match="multiple of 262144"):
        YouTubePublisher(yt_settings(tmp_path, yt), table, chunk_size=CHUNK_UNIT + 1)
