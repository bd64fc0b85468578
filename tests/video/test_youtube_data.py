"""The Data API client for trends: charts and search paged, statistics batched by 50, typed
records, and the trend ranking on a fixed fixture at a fixed ``now``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from mangaflow.platform.adapters.storage.sqlite import SqliteItemTable
from mangaflow.platform.errors import ProviderUnavailable, ValidationError
from mangaflow.video.youtube.data import VideoRecord, YouTubeData, engagement, rank
from mangaflow.video.youtube.quota import QuotaLedger
from tests.fakes.youtube_server import FakeYouTubeServer, make_video
from tests.video.conftest import NOW, yt_settings


def catalogue(n: int) -> list[dict[str, object]]:
    return [make_video(f"v{i:03d}", title=f"{'cat' if i % 2 else 'dog'} clip {i}",
                       views=10_000 - i, category_id="10" if i % 3 == 0 else "24",
                       published_at=f"2026-12-0{1 + i % 4}T00:00:00Z") for i in range(n)]  # fmt: skip


def test_most_popular_pages_through_the_chart(tmp_path: Path, table: SqliteItemTable) -> None:
    with FakeYouTubeServer(videos=catalogue(130)) as yt:
        data = YouTubeData.from_settings(yt_settings(tmp_path, yt, youtube_region="JP"), table)
        top = data.most_popular(max_results=120)
        music = data.most_popular(region="GB", category_id="10", max_results=5)
    assert [v.id for v in top] == [f"v{i:03d}" for i in range(120)]
    calls = [r.query for r in yt.requests]
    assert [c.get("pageToken") for c in calls[:3]] == [None, "50", "100"]
    assert [c["maxResults"] for c in calls[:3]] == ["50", "50", "20"]
    assert {c["chart"] for c in calls} == {"mostPopular"}
    assert (
        calls[0]["part"] == "snippet,statistics,contentDetails" and calls[0]["regionCode"] == "JP"
    )
    assert calls[3]["regionCode"] == "GB" and calls[3]["videoCategoryId"] == "10"
    assert [v.id for v in music] == ["v000", "v003", "v006", "v009", "v012"]


def test_records_are_typed(tmp_path: Path, table: SqliteItemTable) -> None:
    video = make_video("x1", title="Cats", published_at="2026-12-04T10:00:00Z", views=900,
                       likes=None, comments=7, tags=["cats", "pets"], duration="PT1H2M3S",
                       channel="Meow")  # fmt: skip
    with FakeYouTubeServer(videos=[video]) as yt:
        (record,) = YouTubeData.from_settings(yt_settings(tmp_path, yt), table).statistics(["x1"])
    assert record == VideoRecord(
        id="x1", title="Cats", channel="Meow", channel_id="UCMeow",
        published_at=datetime(2026, 12, 4, 10, tzinfo=UTC), duration=timedelta(seconds=3723),
        views=900, likes=0, comments=7, tags=["cats", "pets"], category_id="24",
    )  # fmt: skip


def test_statistics_are_asked_50_ids_at_a_time_in_the_order_given(
    tmp_path: Path, table: SqliteItemTable
) -> None:
    ids = [f"v{i:03d}" for i in range(119, -1, -1)] + ["gone"]
    with FakeYouTubeServer(videos=catalogue(120)) as yt:
        records = YouTubeData.from_settings(yt_settings(tmp_path, yt), table).statistics(ids)
    assert [r.id for r in records] == ids[:-1]
    assert [len(r.query["id"].split(",")) for r in yt.requests] == [50, 50, 21]
    assert QuotaLedger(table, 10_000).state().used == 3


def test_search_by_views_then_statistics(tmp_path: Path, table: SqliteItemTable) -> None:
    with FakeYouTubeServer(videos=catalogue(400)) as yt:  # 200 cats, 100 since Dec 3
        data = YouTubeData.from_settings(yt_settings(tmp_path, yt), table)
        found = data.search("CAT", published_after=datetime(2026, 12, 3, tzinfo=UTC),
                            max_results=60, region="US", language="en")  # fmt: skip
    assert len(found) == 60 and all("cat" in v.title for v in found)
    assert all(v.published_at >= datetime(2026, 12, 3, tzinfo=UTC) for v in found)
    assert [v.views for v in found] == sorted((v.views for v in found), reverse=True)
    searches = [r.query for r in yt.requests if r.path.endswith("/search")]
    assert [s["maxResults"] for s in searches] == ["50", "10"]
    assert searches[0] | {"key": "-"} == {
        "part": "snippet", "type": "video", "order": "viewCount", "q": "CAT", "maxResults": "50",
        "publishedAfter": "2026-12-03T00:00:00Z", "regionCode": "US", "relevanceLanguage": "en",
        "key": "-",
    }  # fmt: skip
    assert QuotaLedger(table, 10_000).state().used == 2 * 100 + 2


@pytest.mark.parametrize(("call", "field"), [
    (lambda d: d.most_popular(region="usa"), "region"),
    (lambda d: d.most_popular(max_results=0), "max_results"),
    (lambda d: d.most_popular(category_id="music"), "category_id"),
    (lambda d: d.search("  "), "query"),
    (lambda d: d.search("cats", language="English"), "language"),
    (lambda d: d.search("cats", published_after=datetime(2026, 1, 1)), "published_after"),
])  # fmt: skip
def test_bad_arguments_name_the_field_and_send_nothing(
    tmp_path: Path, table: SqliteItemTable, yt: FakeYouTubeServer, call: object, field: str
) -> None:
    data = YouTubeData.from_settings(yt_settings(tmp_path, yt), table)
    with pytest.raises(ValidationError) as info:
        call(data)  # type: ignore[operator]
    assert info.value.fields == [field] and yt.requests == []


def test_an_unreadable_video_is_an_invalid_answer(tmp_path: Path, table: SqliteItemTable) -> None:
    with FakeYouTubeServer(videos=[make_video("bad", published_at="yesterday")]) as yt:
        data = YouTubeData.from_settings(yt_settings(tmp_path, yt), table)
        with pytest.raises(ProviderUnavailable, match="video 'bad'"):
            data.statistics(["bad"])


def rec(vid: str, published: datetime, views: int, likes: int, comments: int) -> VideoRecord:
    return VideoRecord(id=vid, title=vid, published_at=published, views=views, likes=likes,
                       comments=comments)  # fmt: skip


def test_trend_ranking_weighs_velocity_and_engagement() -> None:
    videos = [
        rec("viral", NOW - timedelta(hours=24), 2_400_000, 48_000, 2_400),  # 100k/h, cool
        rec("loved", NOW - timedelta(hours=10), 100_000, 10_000, 1_000),  # 10k/h, warm
        rec("old", NOW - timedelta(days=30), 7_200_000, 72_000, 0),  # 10k/h over a month
        rec("fresh", NOW - timedelta(minutes=30), 500, 50, 5),  # counted as one hour old
        rec("hidden", NOW - timedelta(hours=12), 120_000, 0, 0),  # likes hidden
        rec("unseen", NOW - timedelta(hours=2), 0, 0, 0),
    ]
    ranked = rank(videos, NOW)
    assert [r.video.id for r in ranked] == ["loved", "fresh", "viral", "old", "hidden", "unseen"]
    loved = ranked[0]
    assert loved.engagement.views_per_hour == pytest.approx(10_000)
    assert (loved.engagement.like_ratio, loved.engagement.comment_ratio) == (0.1, 0.01)
    assert loved.score == pytest.approx(4.0 * 2.5, rel=1e-4)
    fresh = engagement(videos[3], NOW)
    assert (fresh.age_hours, fresh.views_per_hour) == (0.5, 500.0)
    assert ranked[-1].score == 0.0
    with pytest.raises(ValidationError) as info:
        engagement(videos[0], datetime(2026, 12, 5))
    assert info.value.fields == ["now"]
