"""Offline trends (deterministic per topic and New York day, labelled offline, ranked by the
documented score) and the offline script writer (deterministic, the asked length, within
YouTube's limits, labelled offline), through the registered ``offline`` text provider."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from mangaflow.platform.ports import TextRequest
from mangaflow.platform.registry import load_registry
from mangaflow.video.domain import Topic, TopicSettings, VideoScript, tag_length
from mangaflow.video.parts import Studio
from mangaflow.video.services import finish, trends
from mangaflow.video.services.narrate import parts
from mangaflow.video.youtube.data import VideoRecord
from tests.video.conftest import TOPIC

NOW = datetime(2026, 12, 4, 14, 0, tzinfo=UTC)


def _topic(**kw: object) -> Topic:
    return Topic.model_validate({**TOPIC, "topic_id": "espresso", "user_id": "u1", **kw})


def test_offline_trends_are_deterministic_per_day_and_labelled() -> None:
    a = trends.offline_trends(_topic(), NOW)
    b = trends.offline_trends(_topic(), NOW + timedelta(hours=3))
    c = trends.offline_trends(_topic(), NOW + timedelta(days=1))
    assert a.offline and a.source == "offline" and a.day == "2026-12-04"
    assert [i.model_dump() for i in a.items] == [i.model_dump() for i in b.items]
    assert [i.video_id for i in a.items] != [i.video_id for i in c.items]
    assert [i.score for i in a.items] == sorted((i.score for i in a.items), reverse=True)
    assert any("Espresso" in i.title or "Grinder" in i.title for i in a.items)


def test_rank_prefers_velocity_then_engagement() -> None:
    published = NOW - timedelta(hours=10)
    fast = VideoRecord(id="fast", title="f", views=100_000, likes=1000, published_at=published)
    slow = VideoRecord(id="slow", title="s", views=1_000, likes=100, published_at=published)
    loved = VideoRecord(id="loved", title="l", views=100_000, likes=8000, comments=900,
                        published_at=published)  # fmt: skip
    ranked = trends.ranked_items([slow, fast, loved], NOW)
    assert [i.video_id for i in ranked] == ["loved", "fast", "slow"]
    assert ranked[1].views_per_hour == 10_000 and ranked[1].like_ratio == 0.01


def test_detect_stores_the_report_per_topic_and_day(st: Studio) -> None:
    topic = _topic()
    report = trends.detect(st, topic, NOW)
    assert st.store.trends("u1", "espresso")[0].items == report.items
    assert [r.topic_id for r in st.store.trends_on("2026-12-04")] == ["espresso"]
    assert trends.latest_titles(st, "u1", "espresso") == [i.title for i in report.items[:3]]
    # Another user's topic of the same id has its own reports.
    theirs = trends.detect(st, _topic(user_id="u2", keywords=["tea"]), NOW)
    assert st.store.trends("u1", "espresso")[0].items == report.items
    assert st.store.trends("u2", "espresso")[0].items == theirs.items != report.items


def test_weekly_topics_are_due_on_mondays_in_new_york() -> None:
    monday_morning = datetime(2026, 12, 7, 13, 0, tzinfo=UTC)  # 08:00 in New York
    assert trends.due_for_video(_topic(schedule="weekly"), monday_morning)
    assert not trends.due_for_video(_topic(schedule="weekly"), monday_morning + timedelta(days=1))
    assert trends.due_for_video(_topic(schedule="daily"), NOW)
    assert not trends.due_for_video(_topic(schedule="manual"), NOW)


def _write(minutes: float, seed: int = 1) -> VideoScript:
    model = load_registry().create_text("offline", None)
    topic = {
        **TopicSettings.model_validate(TOPIC).model_dump(mode="json"),
        "target_minutes": minutes,
    }
    request = TextRequest(task="video_script", messages=[], context={"topic": topic,
                          "trends": ["Espresso explained"]}, json_schema={}, seed=seed)  # fmt: skip
    return VideoScript.model_validate(json.loads(model.complete(request).text))


def test_offline_writer_writes_the_asked_length_deterministically() -> None:
    one, five = _write(1), _write(5)
    assert one.offline and "offline" in one.title and "synthetic" in one.description
    assert 120 <= one.words <= 200 and 3 <= len(one.segments) <= 4
    assert 700 <= five.words <= 850 and len(five.segments) == 10
    assert _write(1).model_dump() == one.model_dump()
    assert _write(1, seed=2).model_dump() != one.model_dump()
    assert "Espresso explained" in one.segments[0].narration
    assert len(one.title) <= 100 and tag_length(one.tags) <= 500


def test_chapters_only_when_youtube_accepts_them() -> None:
    script = _write(5)
    lengths = [35.0] * len(script.segments)
    text = finish.chapters(script, lengths)
    lines = text.splitlines()
    assert lines[0] == "00:00 Introduction" and lines[1].startswith("00:35 ")
    assert len(lines) == len(script.segments)
    assert finish.chapters(script, [5.0] * len(script.segments)) == ""  # under 10 s each


def test_long_narration_is_cut_at_sentences_within_the_limit() -> None:
    text = "One two three. " * 40 + "A" * 70 + " end."
    pieces = parts(text, 100)
    assert all(len(p) <= 100 and text[o : o + len(p)] == p for o, p in pieces)
    assert " ".join(p for _, p in pieces).split() == text.split()
