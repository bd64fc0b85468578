"""Publish metadata rules (errors name the field), the local folder publisher and the
publisher factory."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from mangaflow.platform.adapters.storage.sqlite import SqliteItemTable
from mangaflow.platform.errors import ValidationError
from mangaflow.video.ports import PublishMetadata, tags_length
from mangaflow.video.publishers import build_publisher
from mangaflow.video.publishers.local import LocalFolderPublisher, file_sha256
from mangaflow.video.publishers.youtube import YouTubePublisher
from tests.conftest import make_settings
from tests.video.conftest import NOW, Clock, video_file

GOOD: dict[str, Any] = {"title": "Trends", "description": "Weekly.", "tags": ["a"]}


@pytest.mark.parametrize(("change", "field", "words"), [
    ({"title": ""}, "title", "at least 1 character"),
    ({"title": "x" * 101}, "title", "at most 100 characters"),
    ({"title": "Best <b>ever</b>"}, "title", "< or >"),
    ({"description": "é" * 2501}, "description", "5002 bytes"),
    ({"description": "a > b"}, "description", "< or >"),
    ({"tags": ["ok", "with <angle>"]}, "tags", "without <, > or commas"),
    ({"tags": ["long tag " + "x" * 51] * 8}, "tags", "count 503 characters"),  # 487 unquoted
    ({"category_id": "music"}, "category_id", "pattern"),
    ({"default_language": "English"}, "default_language", "BCP-47"),
    ({"privacy": "friends"}, "privacy", "'private', 'unlisted' or 'public'"),
    ({"privacy": "public", "publish_at": NOW}, "publish_at", "needs privacy 'private'"),
    ({"publish_at": datetime(2026, 12, 24, 18)}, "publish_at", "time-zone aware"),
    ({"contains_synthetic_media": False}, "contains_synthetic_media", "True"),
    ({"colour": "red"}, "colour", "Extra inputs"),
])  # fmt: skip
def test_bad_metadata_names_the_field(change: dict[str, Any], field: str, words: str) -> None:
    with pytest.raises(ValidationError) as info:
        PublishMetadata.parse(GOOD | change)
    assert info.value.fields == [field]
    assert words in info.value.details[0]["message"]
    assert field in str(info.value)


def test_tags_are_counted_as_youtube_counts_them() -> None:
    assert tags_length(["Foo-Baz"]) == 7 and tags_length(["Foo Baz"]) == 9
    assert tags_length(["a", "b c"]) == 1 + 1 + 5
    fits = ["x" * 249, "y" * 250]  # 499 + a comma: exactly 500
    assert PublishMetadata.parse(GOOD | {"tags": fits}).tags == tuple(fits)
    with pytest.raises(ValidationError):
        PublishMetadata.parse(GOOD | {"tags": ["x" * 250, "y" * 250]})  # 501
    scheduled = PublishMetadata.parse(GOOD | {"publish_at": NOW})
    assert scheduled.privacy == "private" and scheduled.contains_synthetic_media is True


def test_the_local_publisher_writes_a_complete_folder(tmp_path: Path) -> None:
    clip = video_file(tmp_path, 3 * (1 << 20) + 17, "Final.MP4")
    thumb = video_file(tmp_path, 500, "cover.png")
    subs = tmp_path / "subs.srt"
    subs.write_text("1\n00:00:00,000 --> 00:00:01,000\nHi\n")
    root = tmp_path / "published"
    seen: list[tuple[int, int]] = []
    pub = LocalFolderPublisher(root, clock=Clock(NOW))
    meta = PublishMetadata.parse(GOOD | {"privacy": "unlisted", "tags": ["a b"]})
    result = pub.publish(clip, meta, thumbnail=thumb, captions=subs,
                         progress=lambda s, t: seen.append((s, t)))  # fmt: skip
    sha = file_sha256(clip)
    folder = root / result.video_id
    assert result.video_id == f"local-{sha[:16]}" and result.url == folder.resolve().as_uri()
    assert sorted(os.listdir(root)) == [result.video_id]  # no staging folder left behind
    assert sorted(os.listdir(folder)) == ["captions.srt", "metadata.json", "thumbnail.png",
                                          "video.mp4"]  # fmt: skip
    assert file_sha256(folder / "video.mp4") == sha
    assert (folder / "thumbnail.png").read_bytes() == thumb.read_bytes()
    record = json.loads((folder / "metadata.json").read_text())
    assert record["metadata"]["tags"] == ["a b"] and record["sha256"] == sha
    assert record["metadata"]["contains_synthetic_media"] is True
    assert (result.privacy, result.publisher, result.published_at) == ("unlisted", "local", NOW)
    assert seen[-1] == (clip.stat().st_size, clip.stat().st_size) and len(seen) == 4
    stats = pub.statistics([result.video_id, "local-0000000000000000", "../etc"])
    assert list(stats) == [result.video_id]
    assert (stats[result.video_id].views, stats[result.video_id].source) == (0, "local")


def test_publishing_the_same_video_twice_returns_the_first_folder(tmp_path: Path) -> None:
    clip = video_file(tmp_path, 4096)
    clock = Clock(NOW)
    pub = LocalFolderPublisher(tmp_path / "out", clock=clock)
    first = pub.publish(clip, PublishMetadata.parse(GOOD))
    clock.advance(hours=1)
    again = pub.publish(clip, PublishMetadata.parse(GOOD | {"title": "Renamed"}))
    assert again == first
    other = pub.publish(video_file(tmp_path, 4096, "other.mp4"), PublishMetadata.parse(GOOD))
    assert other.video_id != first.video_id and other.published_at == datetime(
        2026, 12, 5, 13, tzinfo=UTC
    )


def test_missing_files_are_named(tmp_path: Path) -> None:
    clip = video_file(tmp_path, 10)
    (tmp_path / "empty.png").write_bytes(b"")
    pub = LocalFolderPublisher(tmp_path / "out")
    with pytest.raises(ValidationError) as info:
        pub.publish(clip, PublishMetadata.parse(GOOD), thumbnail=tmp_path / "empty.png",
                    captions=tmp_path / "none.vtt")  # fmt: skip
    assert info.value.fields == ["thumbnail", "captions"]
    assert not (tmp_path / "out").exists()


def test_the_factory_picks_the_publisher_the_settings_name(tmp_path: Path) -> None:
    table = SqliteItemTable(tmp_path / "t.db")
    local = build_publisher(make_settings(tmp_path / "home"), table)
    assert isinstance(local, LocalFolderPublisher)
    assert local.root == tmp_path / "home" / "published"
    chosen = make_settings(tmp_path / "home", video_publisher="youtube",
                           video_publish_dir=tmp_path / "elsewhere")  # fmt: skip
    youtube = build_publisher(chosen, table)
    assert isinstance(youtube, YouTubePublisher) and youtube.name == "youtube"
    youtube.close()
