"""The video routes: topics with validation naming the fields and their cost estimate, trends,
video requests (202, queued on the bus, refused by the budget with nothing stored), files,
statistics, the budget, and isolation between two users."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from mangaflow.bootstrap import build, set_context
from mangaflow.video.events import VideoRequested
from tests.api.conftest import Api
from tests.api.test_routes import assert_error_shape
from tests.conftest import make_settings
from tests.video_builders import (
    CALLS,
    SRT,
    TOPIC,
    VTT,
    CountingPublisher,
    add_topic,
    finished_video,
    tiny_mp4,
    trends_for,
    video_studio,
)

#: Prices that make the offline providers cost something (USD).
PRICES = {"offline": {"per_image": 0.01, "input_per_1k": 0.001, "output_per_1k": 0.002},
          "espeak": {"per_1k_characters": 0.016}, "ffmpeg": {"per_second": 0.0002}}  # fmt: skip


@pytest.fixture
def make_api(tmp_path: Path) -> Iterator[Callable[..., Api]]:
    made: list[int] = []

    def make(**overrides: Any) -> Api:
        made.append(1)
        settings = make_settings(tmp_path / f"home{len(made)}", api_rate_per_minute=1000,
                                 prices=PRICES, **overrides)  # fmt: skip
        c = build(settings)
        set_context(c)
        video_studio(c)
        return Api(c)

    yield make
    set_context(None)


@pytest.fixture
def api(make_api: Callable[..., Api]) -> Api:
    return make_api()


def fields(response: Any, status: int = 422) -> set[str]:
    error = assert_error_shape(response, status)
    return {d["field"] for d in error["details"]}


# ---------------------------------------------------------------------------- topics
def test_topic_round_trip_with_its_estimate(api: Api) -> None:
    client, alice = api.client, api.alice
    created = client.post("/video/topics", json={**TOPIC, "topic_id": ""}, headers=alice)
    assert created.status_code == 201, created.text
    topic = created.json()
    assert topic["topic_id"] == "home-espresso" and topic["user_id"] == "alice"
    assert topic["keywords"] == ["espresso", "coffee grinder"] and topic["language"] == "en"
    estimate = topic["estimate"]
    kinds = {line["kind"]: line for line in estimate["lines"]}
    assert set(kinds) == {"text", "image", "speech", "render", "quota"}
    assert kinds["image"]["usd"] > 0 and kinds["speech"]["usd"] > 0
    assert estimate["total_usd"] == pytest.approx(sum(x["usd"] for x in estimate["lines"]))

    listed = client.get("/video/topics", headers=alice).json()["topics"]
    assert [t["topic_id"] for t in listed] == ["home-espresso"]
    assert listed[0]["estimate"] == estimate
    assert client.get("/video/topics/home-espresso", headers=alice).json() == topic

    changed = client.patch("/video/topics/home-espresso", headers=alice,
                           json={"min_minutes": 8, "max_minutes": 12, "privacy": "unlisted"})  # fmt: skip
    assert changed.status_code == 200, changed.text
    after = changed.json()
    assert (after["min_minutes"], after["max_minutes"], after["privacy"]) == (8, 12, "unlisted")
    assert after["created_at"] == topic["created_at"] and after["name"] == TOPIC["name"]
    # A 10-minute video costs more than a 3-minute one.
    assert after["estimate"]["total_usd"] > estimate["total_usd"]

    gone = client.delete("/video/topics/home-espresso", headers=alice)
    assert gone.status_code == 204 and gone.content == b""
    assert_error_shape(client.get("/video/topics/home-espresso", headers=alice), 404)
    assert client.get("/video/topics", headers=alice).json() == {"topics": []}


def test_topic_validation_names_the_fields_and_stores_nothing(api: Api) -> None:
    client, alice = api.client, api.alice
    post = lambda body: client.post("/video/topics", json=body, headers=alice)  # noqa: E731
    assert fields(post({"name": "", "keywords": []})) == {"name", "keywords"}
    assert fields(post({**TOPIC, "min_minutes": 12, "max_minutes": 6})) == {"min_minutes"}
    assert fields(post({**TOPIC, "resolution": 480, "language": "english!"})) == {
        "resolution", "language"}  # fmt: skip
    assert fields(post({**TOPIC, "colour": "red"})) == {"colour"}
    assert fields(post({**TOPIC, "topic_id": "Not A Slug"})) == {"topic_id"}
    assert fields(post(["not", "an", "object"])) == {"body"}
    assert client.get("/video/topics", headers=alice).json() == {"topics": []}

    assert post(TOPIC).status_code == 201
    assert assert_error_shape(post(TOPIC), 409)["code"] == "conflict"
    patch = lambda body: client.patch("/video/topics/home-espresso", json=body, headers=alice)  # noqa: E731
    assert fields(patch({"max_minutes": 1})) == {"min_minutes"}  # 2 > 1
    assert fields(patch({"keywords": ["x" * 41], "cap_daily_usd": -1})) == {
        "keywords", "cap_daily_usd"}  # fmt: skip
    assert fields(patch({"topic_id": "other"})) == {"topic_id"}
    unchanged = client.get("/video/topics/home-espresso", headers=alice).json()
    assert (unchanged["max_minutes"], unchanged["keywords"]) == (4, TOPIC["keywords"])


def test_estimate_prices_the_topic_at_its_length_or_the_one_asked(api: Api) -> None:
    add_topic(api.c, "alice")
    url = "/video/topics/home-espresso/estimate"
    default = api.client.get(url, headers=api.alice).json()
    assert default["minutes"] == 3 and default["total_usd"] > 0
    topic = api.client.get("/video/topics/home-espresso", headers=api.alice).json()
    assert default["total_usd"] == topic["estimate"]["total_usd"]
    short = api.client.get(url, params={"minutes": 1}, headers=api.alice).json()
    long = api.client.get(url, params={"minutes": 20}, headers=api.alice).json()
    assert short["total_usd"] < default["total_usd"] < long["total_usd"]
    assert fields(api.client.get(url, params={"minutes": 0}, headers=api.alice)) == {"minutes"}


# ---------------------------------------------------------------------------- trends
def test_trends_are_detected_for_the_callers_topics_and_listed_newest_first(api: Api) -> None:
    add_topic(api.c, "alice")
    add_topic(api.c, "alice", name="Night trains", keywords=["sleeper train"], topic_id="")
    detected = api.client.post("/video/trends", headers=api.alice)
    assert detected.status_code == 200, detected.text
    reports = detected.json()["reports"]
    assert sorted(r["topic_id"] for r in reports) == ["home-espresso", "night-trains"]
    for report in reports:
        assert report["offline"] is True and report["source"] == "offline"
        scores = [i["score"] for i in report["items"]]
        assert len(scores) == 10 and scores == sorted(scores, reverse=True)
    one = api.client.post("/video/trends", json={"topic_id": "night-trains"}, headers=api.alice)
    assert [r["topic_id"] for r in one.json()["reports"]] == ["night-trains"]

    days = trends_for(api.c, "alice", "home-espresso", days=3)
    stored = api.client.get("/video/topics/home-espresso/trends", headers=api.alice).json()
    assert [r["day"] for r in stored["reports"]] == days[::-1]
    limited = api.client.get("/video/topics/home-espresso/trends", params={"limit": 1},
                             headers=api.alice).json()  # fmt: skip
    assert [r["day"] for r in limited["reports"]] == [days[-1]]
    missing = api.client.post("/video/trends", json={"topic_id": "nope"}, headers=api.alice)
    assert_error_shape(missing, 404)


# ---------------------------------------------------------------------------- videos
def test_post_video_answers_202_and_queues_the_request_without_making_it(api: Api) -> None:
    add_topic(api.c, "alice")
    at = (datetime.now(UTC) + timedelta(days=2)).replace(microsecond=0)
    response = api.client.post("/video/videos", headers=api.alice, json={
        "topic_id": "home-espresso", "minutes": 2, "seed": 7, "publish_at": at.isoformat()})  # fmt: skip
    assert response.status_code == 202, response.text
    body = response.json()
    rid, vid = body["requestId"], body["videoId"]
    assert body["status"] == "PENDING" and body["statusUrl"] == f"/status/{rid}"
    priced = api.client.get("/video/topics/home-espresso/estimate", params={"minutes": 2},
                            headers=api.alice).json()  # fmt: skip
    assert body["estimate"]["total_usd"] == priced["total_usd"] > 0

    status = api.client.get(body["statusUrl"], headers=api.alice).json()
    assert (status["status"], status["type"]) == ("PENDING", "VIDEO")
    req = api.c.requests.get_request(rid)
    assert req.seed == 7 and req.params["publish_at"] == at.isoformat().replace("+00:00", "Z")
    (event,) = [e for e in api.c.bus.published if isinstance(e, VideoRequested)]  # type: ignore[attr-defined]
    assert (event.video_id, event.request_id, event.user_id) == (vid, rid, "alice")

    listed = api.client.get("/video/videos", headers=api.alice).json()["videos"]
    assert [(v["video_id"], v["status"]) for v in listed] == [(vid, "PENDING")]
    detail = api.client.get(body["videoUrl"], headers=api.alice).json()
    assert detail["topic_id"] == "home-espresso" and detail["files"] == {}
    assert detail["usage"] == {} and detail["recorded_cost_usd"] == 0
    for kind in ("mp4", "srt", "vtt", "thumbnail"):
        error = assert_error_shape(
            api.client.get(f"/video/videos/{vid}/files/{kind}", headers=api.alice), 404
        )
        assert f"has no {kind} yet" in error["message"]
    assert fields(api.client.get(f"/video/videos/{vid}/files/mov", headers=api.alice)) == {"kind"}
    stats = api.client.post(f"/video/videos/{vid}/stats", headers=api.alice)
    assert "not published yet" in assert_error_shape(stats, 409)["message"]


def test_post_video_validation_names_the_field(api: Api) -> None:
    add_topic(api.c, "alice")
    post = lambda body: api.client.post("/video/videos", json=body, headers=api.alice)  # noqa: E731
    assert fields(post({})) == {"topic_id"}
    assert fields(post({"topic_id": "home-espresso", "episode_id": "e1"})) == {"topic_id"}
    assert fields(post({"topic_id": "home-espresso", "minutes": 0.5})) == {"minutes"}
    assert fields(post({"topic_id": "home-espresso", "seed": -1})) == {"seed"}
    past = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    assert fields(post({"topic_id": "home-espresso", "publish_at": past})) == {"publish_at"}
    naive = (datetime.now() + timedelta(days=1)).replace(tzinfo=None).isoformat()
    assert fields(post({"topic_id": "home-espresso", "publish_at": naive})) == {"publish_at"}
    assert fields(post({"topic_id": "home-espresso", "lenght": 3})) == {"lenght"}
    assert_error_shape(post({"topic_id": "nope"}), 404)
    assert_error_shape(post({"episode_id": "no-such-episode"}), 404)
    assert api.c.requests.list_requests("alice") == []
    assert api.client.get("/video/videos", headers=api.alice).json() == {"videos": []}


def test_budget_refusal_is_409_and_stores_nothing(make_api: Callable[..., Api]) -> None:
    api = make_api(video_daily_cap_usd=0.001)
    add_topic(api.c, "alice")
    refused = api.client.post("/video/videos", json={"topic_id": "home-espresso"},
                              headers=api.alice)  # fmt: skip
    error = assert_error_shape(refused, 409)
    assert error["code"] == "budget_exceeded" and "nothing was spent" in error["message"]
    (over,) = error["details"]
    assert over["field"].startswith("MANGAFLOW_VIDEO_DAILY_CAP_USD") and over["cap_usd"] == 0.001
    assert over["needed_usd"] > 0.001 and over["spent_usd"] == 0
    assert api.c.requests.list_requests("alice") == []
    assert api.client.get("/video/videos", headers=api.alice).json() == {"videos": []}
    assert not any(isinstance(e, VideoRequested) for e in api.c.bus.published)  # type: ignore[attr-defined]
    budget = api.client.get("/video/budget", headers=api.alice).json()
    assert budget["today"] == {"spent_usd": 0, "cap_usd": 0.001, "remaining_usd": 0.001,
                               "used_ratio": 0}  # fmt: skip


def test_topic_cap_per_video_refuses_too(api: Api) -> None:
    add_topic(api.c, "alice", cap_per_video_usd=0.0001)
    refused = api.client.post("/video/videos", json={"topic_id": "home-espresso", "minutes": 1},
                              headers=api.alice)  # fmt: skip
    assert (
        assert_error_shape(refused, 409)["details"][0]["field"] == "cap_per_video_usd of the topic"
    )


def test_a_rendered_video_serves_its_files_and_records_statistics(api: Api) -> None:
    add_topic(api.c, "alice")
    publisher = CountingPublisher(views=5000)
    video_studio(api.c, publisher=publisher)
    video = finished_video(api.c, "alice", "home-espresso")
    base = f"/video/videos/{video.video_id}"
    mp4 = api.client.get(f"{base}/files/mp4", headers=api.alice)
    assert mp4.status_code == 200 and mp4.headers["content-type"] == "video/mp4"
    assert mp4.content == tiny_mp4() and mp4.content[4:8] == b"ftyp"
    assert f'filename="{video.video_id}-video.mp4"' in mp4.headers["content-disposition"]
    part = api.client.get(f"{base}/files/mp4", headers={**api.alice, "Range": "bytes=0-99"})
    assert part.status_code == 206 and part.content == tiny_mp4()[:100]
    vtt = api.client.get(f"{base}/files/vtt", headers=api.alice)
    assert vtt.headers["content-type"].startswith("text/vtt") and vtt.content == VTT
    assert api.client.get(f"{base}/files/srt", headers=api.alice).content == SRT
    thumb = api.client.get(f"{base}/files/thumbnail", headers=api.alice)
    assert thumb.headers["content-type"] == "image/jpeg" and thumb.content[:2] == b"\xff\xd8"

    detail = api.client.get(base, headers=api.alice).json()
    assert set(detail["usage"]) == {f"{k}/{p}" for k, p, _ in CALLS}
    assert detail["usage"]["image/offline"]["images"] == 3
    assert detail["recorded_cost_usd"] == pytest.approx(
        sum(r["cost_usd"] for r in detail["usage"].values())) and detail["recorded_cost_usd"] > 0  # fmt: skip

    stats = api.client.post(f"{base}/stats", json={"label": "+24h"}, headers=api.alice)
    assert stats.status_code == 200, stats.text
    assert stats.json()["stats"] | {"at": ""} == {"label": "+24h", "at": "", "views": 5000,
                                                  "likes": 250, "comments": 50}  # fmt: skip
    assert publisher.asked == [[f"local-{video.video_id}"]]
    rows = api.client.get(base, headers=api.alice).json()["stats"]
    assert [(r["label"], r["views"]) for r in rows] == [("+1h", 12), ("+24h", 5000)]
    assert fields(api.client.post(f"{base}/stats", json={"label": "a b"}, headers=api.alice)) == {
        "label"}  # fmt: skip


def test_budget_shows_spend_against_caps_and_the_callers_alerts(
    make_api: Callable[..., Api],
) -> None:
    api = make_api(video_daily_cap_usd=5.0, video_monthly_cap_usd=50.0, video_alert_ratio=0.5)
    add_topic(api.c, "alice", cap_daily_usd=0.06)  # above the estimate; alert at 0.03
    add_topic(api.c, "bob", name="Bob's topic", topic_id="bobs-topic")
    video = finished_video(api.c, "alice", "home-espresso")
    budget = api.client.get("/video/budget", headers=api.alice).json()
    spent = api.client.get(f"/video/videos/{video.video_id}", headers=api.alice).json()[
        "recorded_cost_usd"]  # fmt: skip
    assert 0.03 < spent < 0.06
    assert budget["today"]["spent_usd"] == pytest.approx(spent)
    assert budget["today"]["cap_usd"] == 5.0 and budget["month_to_date"]["cap_usd"] == 50.0
    assert budget["today"]["remaining_usd"] == pytest.approx(5.0 - spent)
    (mine,) = budget["topics"]
    assert mine["topic_id"] == "home-espresso" and mine["today"]["cap_usd"] == 0.06
    assert mine["today"]["spent_usd"] == pytest.approx(spent) and mine["estimate_usd"] > 0
    assert [a["cap"] for a in budget["alerts"]] == ["topic home-espresso daily"]
    # Bob sees the same global spend, his own topic, and not alice's topic alert.
    theirs = api.client.get("/video/budget", headers=api.bob).json()
    assert theirs["today"]["spent_usd"] == pytest.approx(spent) and theirs["alerts"] == []
    assert [t["topic_id"] for t in theirs["topics"]] == ["bobs-topic"]


# ------------------------------------------------------------------------- isolation
def test_another_users_topics_and_videos_answer_404(api: Api) -> None:
    add_topic(api.c, "alice")
    trends_for(api.c, "alice", "home-espresso", days=1)
    video = finished_video(api.c, "alice", "home-espresso")
    vid = video.video_id
    for method, path, body in [
        ("GET", "/video/topics/home-espresso", None),
        ("PATCH", "/video/topics/home-espresso", {"max_minutes": 5}),
        ("DELETE", "/video/topics/home-espresso", None),
        ("GET", "/video/topics/home-espresso/estimate", None),
        ("GET", "/video/topics/home-espresso/trends", None),
        ("POST", "/video/trends", {"topic_id": "home-espresso"}),
        ("POST", "/video/videos", {"topic_id": "home-espresso"}),
        ("GET", f"/video/videos/{vid}", None),
        ("GET", f"/video/videos/{vid}/files/mp4", None),
        ("POST", f"/video/videos/{vid}/stats", None),
    ]:  # fmt: skip
        response = api.client.request(method, path, json=body, headers=api.bob)
        error = assert_error_shape(response, 404)
        assert "alice" not in response.text, (method, path, error)
    for path, key in (("/video/topics", "topics"), ("/video/videos", "videos")):
        assert api.client.get(path, headers=api.bob).json() == {key: []}
    assert api.client.post("/video/trends", headers=api.bob).json() == {"reports": []}
    # Alice's topic and video are as they were.
    assert api.client.get("/video/topics/home-espresso", headers=api.alice).json()[
        "max_minutes"] == 4  # fmt: skip
    assert api.client.get(f"/video/videos/{vid}", headers=api.alice).json()["stats"] == video.stats
    assert len(api.c.requests.list_requests("bob")) == 0


def test_video_routes_need_a_token(api: Api) -> None:
    for method, path in [("GET", "/video/topics"), ("POST", "/video/topics"),
                         ("GET", "/video/budget"), ("POST", "/video/videos"),
                         ("GET", "/video/videos/x/files/mp4")]:  # fmt: skip
        assert_error_shape(api.client.request(method, path, json={}), 401)


def test_on_s3_video_files_redirect_to_a_short_lived_url(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import boto3
    import requests
    from moto import mock_aws

    for key, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                       "AWS_DEFAULT_REGION": "us-east-1"}.items():  # fmt: skip
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        boto3.client("s3").create_bucket(Bucket="mangaflow-test-videos")
        c = build(make_settings(tmp_path / "home", blob_backend="s3",
                                bucket="mangaflow-test-videos"))  # fmt: skip
        api = Api(c)
        add_topic(c, "alice")
        video = finished_video(c, "alice", "home-espresso")
        url = f"/video/videos/{video.video_id}/files/mp4"
        moved = api.client.get(url, headers=api.alice, follow_redirects=False)
        assert moved.status_code == 307
        location = moved.headers["location"]
        assert location.startswith("https://") and "X-Amz-Expires=300" in location
        fetched = requests.get(location, timeout=5)
        assert fetched.status_code == 200 and fetched.content == tiny_mp4()
        assert api.client.get(url, headers=api.bob, follow_redirects=False).status_code == 404


def test_a_motion_comic_of_the_callers_own_finished_episode(api: Api) -> None:
    ids = api.make_episode()
    body = {"episode_id": ids["episode"], "minutes": 1}
    assert_error_shape(api.client.post("/video/videos", json=body, headers=api.bob), 404)
    assert api.c.requests.list_requests("bob") == []
    accepted = api.client.post("/video/videos", json=body, headers=api.alice)
    assert accepted.status_code == 202, accepted.text
    video = api.client.get(accepted.json()["videoUrl"], headers=api.alice).json()
    assert (video["source"], video["episode_id"], video["topic_id"]) == (
        "manga",
        ids["episode"],
        "",
    )
