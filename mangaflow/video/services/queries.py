"""What the API and the dashboard read about a user's video work: a video with its usage and
cost (owner only), where its files are, a topic's trend reports, detecting trends now, and
the budget overview (spend today and this month against the caps, recent alerts)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from mangaflow.platform.errors import NotFound
from mangaflow.video import budget
from mangaflow.video.domain import TrendReport, topic_key
from mangaflow.video.parts import Studio
from mangaflow.video.services import finish
from mangaflow.video.services import trends as trend_service

#: Downloadable files of a video: kind → media type and file name.
FILES: dict[str, tuple[str, str]] = {
    "mp4": ("video/mp4", "video.mp4"),
    "srt": ("application/x-subrip", "captions.srt"),
    "vtt": ("text/vtt", "captions.vtt"),
    "thumbnail": ("image/jpeg", "thumbnail.jpg"),
}


def video(st: Studio, user_id: str, video_id: str) -> dict[str, Any]:
    """The video's record, its usage per ``kind/provider`` and what it cost so far
    (``NotFound`` for another user's video)."""
    st.store.get_video(video_id, user_id)
    return finish.describe(st, video_id)


def file_source(st: Studio, user_id: str, video_id: str, kind: str) -> tuple[str, str, str]:
    """Blob key, media type and file name of one of the video's files; ``NotFound`` before
    the video is rendered (or for another user's video)."""
    if kind not in FILES:
        raise NotFound(f"no file kind {kind!r}; use one of {', '.join(FILES)}")
    found = st.store.get_video(video_id, user_id)
    key = found.files.get(kind, "")
    if not key or not st.blobs.exists(key):
        raise NotFound(f"video {video_id} has no {kind} yet (status {found.status}); files "
                       "appear once it is rendered")  # fmt: skip
    media, name = FILES[kind]
    return key, media, f"{video_id}-{name}"


def trend_reports(st: Studio, user_id: str, topic_id: str, limit: int = 30) -> list[TrendReport]:
    """Stored trend reports of one of the user's topics, newest day first."""
    st.store.get_topic(user_id, topic_id)
    return st.store.trends(user_id, topic_id, limit=limit)


def detect(
    st: Studio, user_id: str, topic_id: str = "", now: datetime | None = None
) -> list[TrendReport]:
    """Detect (and store) today's trends for one of the user's topics, or for all of them."""
    chosen = [st.store.get_topic(user_id, topic_id)] if topic_id else st.store.topics(user_id)
    return [trend_service.detect(st, topic, now) for topic in chosen]


def _period(spent: float, cap: float) -> dict[str, Any]:
    return {"spent_usd": round(spent, 6), "cap_usd": cap,
            "remaining_usd": round(max(cap - spent, 0.0), 6) if cap > 0 else None,
            "used_ratio": round(spent / cap, 4) if cap > 0 else None}  # fmt: skip


def budget_overview(
    st: Studio, user_id: str, now: datetime | None = None, alerts: int = 10
) -> dict[str, Any]:
    """Spend today and this month (UTC, all videos) against the global caps; the same per
    topic of the user against the topic's caps, with its estimated cost per video; the
    recent budget alerts that concern everyone or one of the user's topics."""
    now = now or datetime.now(UTC)
    day, month = now.strftime("%Y-%m-%d"), now.strftime("%Y-%m")
    s = st.settings
    mine = st.store.topics(user_id)
    topics = []
    for t in mine:
        topics.append({
            "topic_id": t.topic_id, "name": t.name, "cap_per_video_usd": t.cap_per_video_usd,
            "estimate_usd": budget.estimate(s, t).total,
            "today": _period(st.store.spent(f"TOPIC#{topic_key(user_id, t.topic_id)}#DAY#{day}"),
                             t.cap_daily_usd),  # fmt: skip
            "month": _period(st.store.spent(f"TOPIC#{topic_key(user_id, t.topic_id)}#MONTH#{month}"),
                             t.cap_monthly_usd),
        })  # fmt: skip
    ids = {topic_key(user_id, t.topic_id) for t in mine}
    recent = [a for a in st.store.alerts(limit=alerts * 4) if _concerns(a, ids)][:alerts]
    return {
        "day": day, "month": month,
        "today": _period(st.store.spent(f"DAY#{day}"), s.video_daily_cap_usd),
        "month_to_date": _period(st.store.spent(f"MONTH#{month}"), s.video_monthly_cap_usd),
        "alert_ratio": s.video_alert_ratio, "topics": topics, "alerts": recent,
    }  # fmt: skip


def _concerns(alert: dict[str, Any], topic_keys: set[str]) -> bool:
    """Global caps concern every user; a topic's cap only its owner."""
    owner = str(alert.get("topic_key") or "")
    return not owner or owner in topic_keys
