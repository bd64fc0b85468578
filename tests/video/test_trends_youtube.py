"""Trend detection against the loopback fake YouTube: the topic's category chart and a
keyword search, ranked, stored per day with the quota units spent; a quota too small for the
search is refused before the call, and nothing is stored."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from mangaflow.platform.errors import QuotaExceeded
from mangaflow.video.domain import Topic
from mangaflow.video.services import trends
from tests.fakes.youtube_server import FakeYouTubeServer, make_video
from tests.video.conftest import TOPIC, make_studio

NOW = datetime(2026, 12, 4, 13, 0, tzinfo=UTC)


def _videos() -> list[dict[str, object]]:
    return [
        make_video("fast", title="Espresso at home", published_at="2026-12-04T08:00:00Z",
                   views=50_000, likes=2_000, comments=300, category_id="22"),
        make_video("old", title="Grinder review", published_at="2026-11-20T08:00:00Z",
                   views=400_000, likes=3_000, comments=100, category_id="22"),
        make_video("tiny", title="Latte art", published_at="2026-12-04T11:00:00Z",
                   views=90, likes=1, comments=0, category_id="22"),
    ]  # fmt: skip


def test_youtube_trends_are_ranked_and_stored_with_their_quota(tmp_path: Path) -> None:
    with FakeYouTubeServer(videos=_videos()) as yt:
        st = make_studio(tmp_path / "home", video_trends_provider="youtube",
                         **yt.settings_overrides(oauth=False))  # fmt: skip
        topic = Topic.model_validate({**TOPIC, "topic_id": "espresso", "user_id": "u1"})
        report = trends.detect(st, topic, NOW)
    assert report.source == "youtube" and not report.offline
    assert [i.video_id for i in report.items][:2] == ["fast", "old"]  # velocity wins
    assert report.items[0].views_per_hour == pytest.approx(50_000 / 5)
    assert report.quota_units >= 1 + 100 * 2  # the chart, and a search per keyword
    assert {r.query.get("chart") for r in yt.requests if r.query.get("chart")} == {"mostPopular"}
    assert st.store.trends("u1", "espresso")[0].items == report.items


def test_a_spent_quota_refuses_before_calling(tmp_path: Path) -> None:
    with FakeYouTubeServer(videos=_videos()) as yt:
        st = make_studio(tmp_path / "home", video_trends_provider="youtube",
                         youtube_daily_quota=50, **yt.settings_overrides(oauth=False))  # fmt: skip
        topic = Topic.model_validate({**TOPIC, "topic_id": "espresso", "user_id": "u1"})
        with pytest.raises(QuotaExceeded):
            trends.detect(st, topic, NOW)
        searched = [r for r in yt.requests if r.path.endswith("/search")]
    assert searched == []  # the 100-unit search was never sent
    assert st.store.trends("u1", "espresso") == []
