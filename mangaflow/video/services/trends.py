"""Trend detection (daily, 08:00 America/New_York): per topic, the most-popular chart of its
YouTube category and a keyword search, ranked by engagement, stored per day and topic.
Offline (the default) the trends are deterministic and labelled offline."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from mangaflow.platform.ports import Usage
from mangaflow.video.domain import YOUTUBE_CATEGORY, Topic, TrendItem, TrendReport
from mangaflow.video.parts import Studio
from mangaflow.video.youtube.data import VideoRecord, YouTubeData, rank

ZONE = ZoneInfo("America/New_York")
TOP = 10


def day_of(now: datetime) -> str:
    return now.astimezone(ZONE).strftime("%Y-%m-%d")


def offline_trends(topic: Topic, now: datetime) -> TrendReport:
    """Deterministic trends for a topic and day (the same day gives the same list)."""
    day = day_of(now)
    seed = hashlib.sha256(f"{topic.topic_id}|{day}|{','.join(topic.keywords)}".encode()).digest()
    rng = random.Random(int.from_bytes(seed[:8], "big"))
    forms = ("{k} explained in {n} minutes", "Why everyone is talking about {k}",
             "{k}: {n} things I wish I knew", "The truth about {k}", "{k} for beginners",
             "I tried {k} for {n} days", "{k} in 2026: what changed")  # fmt: skip
    anchor = datetime.strptime(day, "%Y-%m-%d").replace(hour=8, tzinfo=ZONE)  # the daily run
    videos = []
    for i in range(TOP):
        k = topic.keywords[i % len(topic.keywords)]
        views = int(rng.lognormvariate(10.5, 1.0))
        videos.append(VideoRecord(
            id=f"offline-{seed.hex()[:6]}-{i}",
            title=rng.choice(forms).format(k=k.title(), n=rng.randint(3, 30)),
            channel=f"Offline channel {rng.randint(1, 40)}",
            published_at=anchor - timedelta(hours=rng.uniform(6, 96)), views=views,
            likes=int(views * rng.uniform(0.01, 0.06)),
            comments=int(views * rng.uniform(0.001, 0.006)), tags=[k, topic.category],
        ))  # fmt: skip
    return TrendReport(topic_id=topic.topic_id, day=day, source="offline", offline=True,
                       items=ranked_items(videos, anchor))  # fmt: skip


def ranked_items(videos: Iterable[VideoRecord], now: datetime) -> list[TrendItem]:
    """Videos as trend items, best first by the trend score of
    :func:`mangaflow.video.youtube.data.rank` (velocity, then engagement)."""
    return [
        TrendItem(
            video_id=r.video.id, title=r.video.title, channel=r.video.channel,
            published_at=r.video.published_at.astimezone(UTC).isoformat(), views=r.video.views,
            likes=r.video.likes, comments=r.video.comments,
            views_per_hour=round(r.engagement.views_per_hour, 3),
            like_ratio=round(r.engagement.like_ratio, 5),
            comment_ratio=round(r.engagement.comment_ratio, 6), score=round(r.score, 4),
            tags=list(r.video.tags)[:10],
        )
        for r in rank(videos, now)
    ]  # fmt: skip


def youtube_trends(st: Studio, topic: Topic, now: datetime) -> TrendReport:
    """The topic's category chart plus a search per keyword (last 7 days), ranked."""
    units = 0

    def count(usage: Usage) -> None:
        nonlocal units
        units += usage.quota_units

    client = YouTubeData.from_settings(st.settings, st.c.table, on_usage=count)
    region = st.settings.youtube_region
    found: dict[str, VideoRecord] = {}
    try:
        for v in client.most_popular(region=region,
                                     category_id=YOUTUBE_CATEGORY[topic.category],
                                     max_results=25):  # fmt: skip
            found[v.id] = v
        since = now - timedelta(days=7)
        for keyword in topic.keywords[:3]:
            for v in client.search(keyword, published_after=since, max_results=25,
                                   region=region, language=topic.language.split("-")[0]):  # fmt: skip
                found[v.id] = v
    finally:
        client.close()
    return TrendReport(topic_id=topic.topic_id, day=day_of(now), source="youtube", offline=False,
                       items=ranked_items(found.values(), now)[:TOP], quota_units=units)  # fmt: skip


def detect(st: Studio, topic: Topic, now: datetime | None = None) -> TrendReport:
    now = now or datetime.now(UTC)
    if st.settings.video_trends_provider == "youtube":
        report = youtube_trends(st, topic, now)
    else:
        report = offline_trends(topic, now)
    report.user_id = topic.user_id
    st.store.put_trends(report)
    return report


def due_for_video(topic: Topic, now: datetime) -> bool:
    """Whether the topic's schedule asks for a video today (weekly: Mondays, New York time)."""
    if topic.schedule == "daily":
        return True
    return topic.schedule == "weekly" and now.astimezone(ZONE).weekday() == 0


def latest_titles(st: Studio, user_id: str, topic_id: str, n: int = 3) -> list[str]:
    reports = st.store.trends(user_id, topic_id, limit=1)
    return [i.title for i in reports[0].items[:n]] if reports else []
