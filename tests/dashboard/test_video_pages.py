"""The video pages on a store with a priced, published video, its topic (near its daily cap:
an alert) and trend reports: spend against the caps, topics added and edited through the form
with the errors under the fields, trends as a table and chart, and the video with its player,
captions, thumbnail, cost per kind and statistics."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mangaflow.bootstrap import build, set_context
from mangaflow.platform.config import get_settings
from mangaflow.platform.context import Context
from tests.conftest import make_settings
from tests.dashboard.conftest import USER, open_page, texts
from tests.video_builders import CALLS, add_topic, finished_video, trends_for

TOPICS, TRENDS, VIDEOS = "pages/video/topics.py", "pages/video/trends.py", "pages/video/videos.py"
PRICES = {"offline": {"per_image": 0.01, "input_per_1k": 0.001, "output_per_1k": 0.002},
          "espeak": {"per_1k_characters": 0.016}, "ffmpeg": {"per_second": 0.0002}}  # fmt: skip


@pytest.fixture
def priced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Context]:
    """An empty store whose settings price the offline providers and cap the daily spend."""
    home = tmp_path / "home"
    monkeypatch.setenv("MANGAFLOW_HOME", str(home))
    monkeypatch.delenv("MANGAFLOW_USER_ID", raising=False)
    get_settings.cache_clear()
    c = build(make_settings(home, prices=PRICES, video_daily_cap_usd=2.0, video_alert_ratio=0.4))
    set_context(c)
    yield c
    set_context(None)
    get_settings.cache_clear()


@pytest.fixture
def seeded(priced: Context) -> dict[str, Any]:
    add_topic(priced, USER, cap_daily_usd=0.2)  # the second video crosses 40 %: an alert
    days = trends_for(priced, USER, "home-espresso", days=2)
    video = finished_video(priced, USER, "home-espresso", title="Espresso at home")
    pending = finished_video(priced, USER, "home-espresso", published=False, title="Pending")
    return {"c": priced, "video": video, "pending": pending, "days": days}


def _ok(at: Any) -> None:
    assert not at.exception, [e.value for e in at.exception]


def test_topics_page_shows_spend_caps_alerts_and_estimates(seeded: dict[str, Any]) -> None:
    at = open_page(TOPICS)
    _ok(at)
    spent = seeded["c"].requests.usage_summary(seeded["video"].request_id)
    total = 2 * sum(r["cost_usd"] for r in spent.values())  # two finished videos
    today = at.metric[0]
    assert today.value == f"${total:,.4f}"
    (progress,) = at.get("progress")
    assert progress.proto.text == f"{total / 2:.0%} of $2.0000; ${2 - total:,.4f} left"
    assert "No cap (MANGAFLOW_VIDEO_MONTHLY_CAP_USD)" in texts(at)
    assert any("topic home-espresso daily" in w.value for w in at.warning)
    (table,) = at.dataframe
    row = table.value.iloc[0]
    assert row["id"] == "home-espresso" and row["est. USD / video"] > 0
    assert row["today USD"] == pytest.approx(total) and row["day cap"] == 0.2


def test_adding_a_topic_with_bad_values_shows_the_field_errors_and_stores_nothing(
    priced: Context,
) -> None:
    at = open_page(TOPICS)
    _ok(at)
    assert "No topics yet" in texts(at)
    at.text_input(key="vt_add_name").input("Night trains")
    at.text_input(key="vt_add_keywords").input(" , ")
    at.number_input(key="vt_add_min_minutes").set_value(12.0)
    at.number_input(key="vt_add_max_minutes").set_value(6.0)
    at.button(key="vt_add_submit").click().run()
    _ok(at)
    errors = "\n".join(str(e.value) for e in at.error)
    assert "Nothing was stored" in errors and "**keywords**" in errors
    from mangaflow.video.parts import studio

    assert studio(priced).store.topics(USER) == []

    at.text_input(key="vt_add_keywords").input("sleeper train, night train")
    at.button(key="vt_add_submit").click().run()
    errors = "\n".join(str(e.value) for e in at.error)
    assert "**min_minutes**" in errors and "**keywords**" not in errors
    assert studio(priced).store.topics(USER) == []

    at.number_input(key="vt_add_max_minutes").set_value(14.0)
    at.button(key="vt_add_submit").click().run()
    _ok(at)
    assert not at.error, [e.value for e in at.error]
    (topic,) = studio(priced).store.topics(USER)
    assert (topic.topic_id, topic.keywords) == ("night-trains", ["sleeper train", "night train"])
    assert (topic.min_minutes, topic.max_minutes) == (12.0, 14.0)
    assert any("Night trains" in s.value for s in at.success)
    assert at.dataframe[0].value.iloc[0]["id"] == "night-trains"


def test_editing_a_topic_validates_then_saves(seeded: dict[str, Any]) -> None:
    from mangaflow.video.parts import studio

    store = studio(seeded["c"]).store
    at = open_page(TOPICS)
    prefix = "vt_e_home-espresso_"
    at.text_input(key=f"{prefix}language").input("english!")
    at.button(key="vt_edit_save").click().run()
    _ok(at)
    assert "**language**" in "\n".join(str(e.value) for e in at.error)
    assert store.get_topic(USER, "home-espresso").language == "en"
    at.text_input(key=f"{prefix}language").input("pt-BR")
    at.number_input(key=f"{prefix}max_minutes").set_value(9.0)
    at.button(key="vt_edit_save").click().run()
    _ok(at)
    saved = store.get_topic(USER, "home-espresso")
    assert (saved.language, saved.max_minutes) == ("pt-BR", 9.0)


def test_trends_page_shows_each_days_report_as_table_and_chart(seeded: dict[str, Any]) -> None:
    at = open_page(TRENDS)
    _ok(at)
    days = seeded["days"]
    assert at.selectbox(key="vtr_day_home-espresso").options == days[::-1]
    (table,) = at.dataframe
    scores = list(table.value["score"])
    assert len(scores) == 10 and scores == sorted(scores, reverse=True)
    assert len(at.get("vega_lite_chart")) == 1
    assert "Offline: deterministic sample trends" in texts(at)


def test_trends_page_detects_on_demand(priced: Context) -> None:
    add_topic(priced, USER)
    at = open_page(TRENDS)
    _ok(at)
    assert "No trends stored" in texts(at)
    at.button(key="vtr_detect").click().run()
    _ok(at)
    assert len(at.dataframe) == 1 and len(at.dataframe[0].value) == 10


def test_videos_page_plays_the_video_with_captions_cost_and_statistics(
    seeded: dict[str, Any],
) -> None:
    at = open_page(VIDEOS)
    _ok(at)
    listing = at.dataframe[0].value
    assert set(listing["video"]) == {seeded["video"].video_id, seeded["pending"].video_id}
    at.selectbox(key="vv_pick").set_value(seeded["video"].video_id).run()
    _ok(at)
    assert [h.value for h in at.header] == ["Espresso at home"]
    (player,) = at.get("video")
    assert player.proto.url  # the MP4 bytes, served by the media file manager
    assert [t.label for t in player.proto.subtitles] == ["Captions"]
    assert len(at.get("image")) == 1  # the thumbnail
    assert len(at.get("download_button")) == 3  # MP4, SRT, VTT
    assert "Espresso in one second." in at.code[0].value
    cost = at.dataframe[1].value
    assert sorted(zip(cost["kind"], cost["provider"], strict=True)) == sorted(
        (k, p) for k, p, _ in CALLS)  # fmt: skip
    assert cost["USD"].sum() > 0
    stats = at.dataframe[2].value
    assert list(stats["views"]) == [12] and list(stats["label"]) == ["+1h"]


def test_videos_page_says_when_a_video_is_not_rendered_yet(seeded: dict[str, Any]) -> None:
    from mangaflow.video.parts import studio

    pending = seeded["pending"]
    studio(seeded["c"]).store.update_video(pending.video_id, files={}, status="PENDING")
    at = open_page(VIDEOS)
    at.selectbox(key="vv_pick").set_value(pending.video_id).run()
    _ok(at)
    assert "Not rendered yet (status PENDING)" in texts(at)
    assert not at.get("video")
