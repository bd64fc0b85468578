"""Budgets: a run whose estimate passes a cap is refused before anything is stored or spent;
a stage re-checks with what was really spent; the ledger adds every priced call; crossing the
alert ratio of a cap alerts once (SNS through moto when configured)."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from mangaflow.platform.errors import BudgetExceeded
from mangaflow.platform.ports import Usage
from mangaflow.video import budget
from mangaflow.video.domain import TopicSettings
from mangaflow.video.parts import Studio
from mangaflow.video.services import produce, topics
from tests.video.conftest import TOPIC, make_studio

PRICES = {"offline": {"per_call": 0.01, "per_image": 0.05}, "ffmpeg": {"per_second": 0.001}}


def _priced(tmp_path: Path, **settings: Any) -> Studio:
    return make_studio(tmp_path / "home", prices=PRICES, **settings)


def test_a_cap_below_the_estimate_refuses_before_anything_is_stored(tmp_path: Path) -> None:
    st = _priced(tmp_path, video_daily_cap_usd=0.05)
    topic = topics.create(st, "u1", TOPIC)
    est = budget.estimate(st.settings, topic).total
    assert est > 0.05
    with pytest.raises(BudgetExceeded) as err:
        produce.request_video(st, "u1", topic_id=topic.topic_id)
    assert "MANGAFLOW_VIDEO_DAILY_CAP_USD" in err.value.message
    assert "nothing was spent" in err.value.message
    assert err.value.details[0]["needed_usd"] == pytest.approx(est)
    assert st.c.requests.list_requests("u1") == []  # no request stored
    assert st.store.videos("u1") == []
    assert st.c.bus.published == []  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("cap", "message"),
    [({"cap_per_video_usd": 0.01}, "cap_per_video_usd"), ({"cap_daily_usd": 0.01}, "cap_daily_usd"),
     ({"cap_monthly_usd": 0.01}, "cap_monthly_usd")],
)  # fmt: skip
def test_topic_caps_refuse_too(tmp_path: Path, cap: dict[str, float], message: str) -> None:
    st = _priced(tmp_path)
    topic = topics.create(st, "u1", {**TOPIC, **cap})
    with pytest.raises(BudgetExceeded, match=message):
        produce.request_video(st, "u1", topic_id=topic.topic_id)


def test_a_cap_above_the_estimate_lets_the_request_through(tmp_path: Path) -> None:
    st = _priced(tmp_path, video_daily_cap_usd=10.0)
    topic = topics.create(st, "u1", TOPIC)
    req, video = produce.request_video(st, "u1", topic_id=topic.topic_id)
    assert req.params["estimate"]["total_usd"] == pytest.approx(video.estimate_usd)
    assert [e.detail_type for e in st.c.bus.published] == ["video.requested"]  # type: ignore[attr-defined]


def test_a_stage_rechecks_with_the_real_spend(tmp_path: Path) -> None:
    """Spend recorded elsewhere today counts: the script stage refuses before calling the
    text model when the day's ledger leaves too little."""
    st = _priced(tmp_path, video_daily_cap_usd=1.0)
    topic = topics.create(st, "u1", TOPIC)
    req, _ = produce.request_video(st, "u1", topic_id=topic.topic_id)
    budget.record(st.c, st.store, "other", "image", "offline", Usage(calls=1, images=19))
    assert st.store.spent(f"DAY#{datetime.now(UTC):%Y-%m-%d}") == pytest.approx(0.96)
    calls = []
    real = st.c.text.complete
    st.c.text.complete = lambda r: calls.append(r) or real(r)  # type: ignore[method-assign]
    with pytest.raises(BudgetExceeded):
        produce.write_script(st, req.request_id)
    assert calls == [] and st.c.requests.usage_summary(req.request_id) == {}


def test_record_prices_stores_and_adds_to_every_ledger(tmp_path: Path) -> None:
    st = _priced(tmp_path)
    topic = TopicSettings.model_validate(TOPIC)
    now = datetime(2026, 12, 4, 12, tzinfo=UTC)
    cost = budget.record(st.c, st.store, "r1", "image", "offline", Usage(calls=2, images=2),
                         topic_id="t1", topic=topic, now=now)  # fmt: skip
    assert cost == pytest.approx(0.12)
    row = st.c.requests.usage_summary("r1")["image/offline"]
    assert row["images"] == 2 and row["cost_usd"] == pytest.approx(0.12)
    for key in ("DAY#2026-12-04", "MONTH#2026-12", "TOPIC#t1#DAY#2026-12-04",
                "TOPIC#t1#MONTH#2026-12"):  # fmt: skip
        assert st.store.spent(key) == pytest.approx(0.12), key
    assert budget.request_cost(st.c, "r1") == pytest.approx(0.12)


def test_concurrent_additions_are_never_lost(tmp_path: Path) -> None:
    st = _priced(tmp_path)

    def add() -> None:
        for _ in range(10):
            st.store.add_spend(["DAY#x"], 0.01)

    threads = [threading.Thread(target=add) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert st.store.spent("DAY#x") == pytest.approx(0.4)


def test_crossing_the_alert_ratio_alerts_once_through_sns(tmp_path: Path) -> None:
    import boto3
    from moto import mock_aws

    with mock_aws():
        sns = boto3.client("sns", region_name="us-east-1")
        arn = sns.create_topic(Name="budget")["TopicArn"]
        sqs = boto3.client("sqs", region_name="us-east-1")
        url = sqs.create_queue(QueueName="inbox")["QueueUrl"]
        qarn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=qarn)
        st = _priced(tmp_path, video_daily_cap_usd=1.0, video_alert_topic_arn=arn)
        for _ in range(20):  # 0.05 each: crosses 0.8 at the 16th call only
            budget.record(st.c, st.store, "r1", "image", "offline", Usage(images=1))
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert len(messages) == 1
    body = json.loads(messages[0]["Body"])["Message"]
    assert "daily spend 0.80 of 1.00 USD (80%)" in body
    alerts = st.store.alerts()
    assert len(alerts) == 1 and alerts[0]["delivered"] == "sns"
