"""Trend detection (daily, 08:00 America/New_York): per topic, the most-popular chart of its
YouTube category and a keyword search, ranked by engagement, stored per day and topic.
Offline (the default) the trends are deterministic and labelled offline."""

from __future__ import annotations

import hashlib
import math
import random
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from mangaflow.platform.ports import Usage
from mangaflow.video.domain import YOUTUBE_CATEGORY, Topic, TrendItem, TrendReport
from mangaflow.video.parts import Studio

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
    items = []
    for i in range(TOP):
        k = topic.keywords[i % len(topic.keywords)]
        hours = rng.uniform(6, 96)
        views = int(rng.lognormvariate(10.5, 1.0))
        likes = int(views * rng.uniform(0.01, 0.06))
        comments = int(views * rng.uniform(0.001, 0.006))
        items.append(TrendItem(
            video_id=f"offline-{seed.hex()[:6]}-{i}", title=rng.choice(forms).format(
                k=k.title(), n=rng.randint(3, 30)),
            channel=f"Offline channel {rng.randint(1, 40)}",
            published_at=(anchor - timedelta(hours=hours)).astimezone(UTC).isoformat(),
            views=views, likes=likes, comments=comments, tags=[k, topic.category],
        ))  # fmt: skip
    return TrendReport(topic_id=topic.topic_id, day=day, source="offline", offline=True,
                       items=rank(items, anchor))  # fmt: skip


def engagement(item: TrendItem, now: datetime) -> TrendItem:
    """Views per hour since publishing, like and comment ratios."""
    try:
        published = datetime.fromisoformat(item.published_at.replace("Z", "+00:00"))
        hours = max((now - published).total_seconds() / 3600, 1.0)
    except ValueError:
        hours = 24.0
    views = max(item.views, 0)
    return item.model_copy(update={
        "views_per_hour": round(views / hours, 3),
        "like_ratio": round(item.likes / views, 5) if views else 0.0,
        "comment_ratio": round(item.comments / views, 6) if views else 0.0,
    })  # fmt: skip


def rank(items: list[TrendItem], now: datetime) -> list[TrendItem]:
    """Best first by score = log10(1 + views/hour) x (1 + 10 x like ratio + 50 x comment ratio):
    velocity dominates, engagement breaks ties between similarly fast videos."""
    scored = []
    for item in items:
        e = engagement(item, now)
        score = math.log10(1 + e.views_per_hour) * (1 + 10 * e.like_ratio + 50 * e.comment_ratio)
        scored.append(e.model_copy(update={"score": round(score, 4)}))
    return sorted(scored, key=lambda i: (-i.score, i.video_id))


def youtube_trends(st: Studio, topic: Topic, now: datetime) -> TrendReport:
    """The topic's category chart plus a search per keyword (last 7 days), ranked."""
    from mangaflow.video.youtube.data import YouTubeData

    units = 0

    def count(usage: Usage) -> None:
        nonlocal units
        units += usage.quota_units

    client = YouTubeData(st.settings, st.c.table, on_usage=count)
    region = st.settings.youtube_region
    found: dict[str, Any] = {}
    for v in client.most_popular(region=region, category_id=YOUTUBE_CATEGORY[topic.category],
                                 max_results=25):  # fmt: skip
        found[v.id] = v
    since = now - timedelta(days=7)
    for keyword in topic.keywords[:3]:
        for v in client.search(keyword, published_after=since, max_results=25, region=region,
                               language=topic.language.split("-")[0]):  # fmt: skip
            found[v.id] = v
    items = [TrendItem(video_id=v.id, title=v.title, channel=v.channel,
                       published_at=_iso(v.published_at), views=v.views, likes=v.likes,
                       comments=v.comments, tags=list(v.tags or [])[:10])
             for v in found.values()]  # fmt: skip
    return TrendReport(topic_id=topic.topic_id, day=day_of(now), source="youtube", offline=False,
                       items=rank(items, now)[:TOP], quota_units=units)  # fmt: skip


def _iso(value: Any) -> str:
    return value.isoformat() if isinstance(value, datetime) else str(value or "")


def detect(st: Studio, topic: Topic, now: datetime | None = None) -> TrendReport:
    now = now or datetime.now(UTC)
    if st.settings.video_trends_provider == "youtube":
        report = youtube_trends(st, topic, now)
    else:
        report = offline_trends(topic, now)
    st.store.put_trends(report)
    return report


def due_for_video(topic: Topic, now: datetime) -> bool:
    """Whether the topic's schedule asks for a video today (weekly: Mondays, New York time)."""
    if topic.schedule == "daily":
        return True
    return topic.schedule == "weekly" and now.astimezone(ZONE).weekday() == 0


def latest_titles(st: Studio, topic_id: str, n: int = 3) -> list[str]:
    reports = st.store.trends(topic_id, limit=1)
    return [i.title for i in reports[0].items[:n]] if reports else []
