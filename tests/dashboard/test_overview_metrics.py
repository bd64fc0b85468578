"""The Overview's numbers match a store seeded with known outcomes and durations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from dashboard import metrics
from mangaflow.manga.domain.events import StoryGenerationRequested
from mangaflow.manga.domain.preferences import parse_preferences
from mangaflow.manga.repository import repo
from mangaflow.platform.context import Context
from mangaflow.platform.ports import Usage
from mangaflow.platform.requests.model import GenerationRequest
from tests.conftest import VALID_PREFS
from tests.dashboard.conftest import open_page

DAY1 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
DAY2 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def _ts(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _seed(c: Context, rid: str, kind: str, status: str, start: datetime, seconds: float) -> None:
    req = GenerationRequest(
        request_id=rid, user_id="someone", type=kind, status=status,  # type: ignore[arg-type]
        stage="done" if status == "COMPLETED" else "images",
        error="provider refused" if status == "FAILED" else None,
        created_at=_ts(start), updated_at=_ts(start + timedelta(seconds=seconds)),
    )  # fmt: skip
    repo(c).create_request(req, parse_preferences(VALID_PREFS) if kind == "STORY" else None)


@pytest.fixture
def seeded(store: Context) -> Context:
    # STORY: completed in 10, 20, 30 and 100 s, one failure, one still pending.
    for i, secs in enumerate((10, 20, 30)):
        _seed(store, f"s-ok-{i}", "STORY", "COMPLETED", DAY1 + timedelta(minutes=i), secs)
    _seed(store, "s-ok-3", "STORY", "COMPLETED", DAY2, 100)
    _seed(store, "s-failed", "STORY", "FAILED", DAY2 + timedelta(minutes=5), 7)
    _seed(store, "s-pending", "STORY", "PENDING", DAY2 + timedelta(minutes=9), 0)
    # EPISODE: one completed in 50 s, one failure.
    _seed(store, "e-ok", "EPISODE", "COMPLETED", DAY1 + timedelta(hours=1), 50)
    _seed(store, "e-failed", "EPISODE", "FAILED", DAY2 + timedelta(hours=1), 3)
    store.requests.record_usage("s-ok-0", "offline", "text", Usage(calls=2, input_tokens=100,
                                                               output_tokens=250))  # fmt: skip
    store.requests.record_usage("s-ok-0", "offline", "image", Usage(calls=3, images=3, cost_usd=0.12))
    store.requests.record_usage("e-ok", "offline", "text", Usage(calls=1, input_tokens=40,
                                                             output_tokens=60, cost_usd=0.005))  # fmt: skip
    store.requests.add_dead_letter(
        StoryGenerationRequested(userId="someone", requestId="s-failed").envelope(),
        "ProviderAuthError: bad key",
    )
    return store


def _metric(at: object, label: str) -> str:
    found = [m.value for m in at.metric if m.label == label]  # type: ignore[attr-defined]
    assert len(found) == 1, label
    return str(found[0])


def test_overview_metrics_match_the_store(seeded: Context) -> None:
    at = open_page("pages/platform/overview.py")
    assert not at.exception, [e.value for e in at.exception]

    assert _metric(at, "Pending") == "1"
    assert _metric(at, "Processing") == "0"
    assert _metric(at, "Completed") == "5"
    assert _metric(at, "Failed") == "2"
    assert _metric(at, "Success rate") == "71%"  # 5 / 7
    assert _metric(at, "Queue depth") == "1"
    assert _metric(at, "Dead letters") == "1"

    by_type = at.dataframe[0].value.set_index("Type")
    story, episode = by_type.loc["STORY"], by_type.loc["EPISODE"]
    assert (story["Requests"], story["Completed"], story["Failed"], story["Running"]) == (
        6,
        4,
        1,
        1,
    )
    assert story["Success rate"] == "80%"
    assert story["p50"] == "20.0 s"  # nearest rank 2 of [10, 20, 30, 100]
    assert story["p95"] == "1 min 40 s"  # nearest rank 4: 100 s
    assert (episode["Requests"], episode["Completed"], episode["Failed"]) == (2, 1, 1)
    assert episode["Success rate"] == "50%"
    assert episode["p50"] == episode["p95"] == "50.0 s"

    by_day = at.dataframe[1].value
    day1_story = by_day[(by_day["Day"] == "2026-11-01") & (by_day["Type"] == "STORY")].iloc[0]
    assert (day1_story["Completed"], day1_story["p50"], day1_story["p95"]) == (
        3,
        "20.0 s",
        "30.0 s",
    )
    day2_story = by_day[(by_day["Day"] == "2026-11-02") & (by_day["Type"] == "STORY")].iloc[0]
    assert (day2_story["Requests"], day2_story["Success rate"]) == (3, "50%")
    assert len(at.get("vega_lite_chart")) == 2  # two days: both charts drawn

    assert _metric(at, "Provider calls") == "6"
    assert _metric(at, "Images") == "3"
    assert _metric(at, "Tokens (in / out)") == "140 / 310"
    assert _metric(at, "Estimated cost") == "$0.1250"
    usage = at.dataframe[2].value.set_index(["Kind", "Provider"])
    assert usage.loc[("text", "offline"), "Calls"] == 3
    assert usage.loc[("image", "offline"), "Images"] == 3


def test_percentile_is_nearest_rank() -> None:
    assert metrics.percentile([], 50) is None
    assert metrics.percentile([5.0], 95) == 5.0
    values = [float(v) for v in range(1, 21)]  # 1..20
    assert metrics.percentile(values, 50) == 10.0
    assert metrics.percentile(values, 95) == 19.0
    assert metrics.percentile(values, 100) == 20.0


def test_run_stats_group_prefect_runs_by_flow() -> None:
    runs = [
        {"flow": "generate-story", "state_type": "COMPLETED", "duration_s": 4.0},
        {"flow": "generate-story", "state_type": "COMPLETED", "duration_s": 6.0},
        {"flow": "generate-story", "state_type": "CRASHED", "duration_s": 1.0},
        {"flow": "generate-images", "state_type": "RUNNING", "duration_s": 3.0},
    ]
    stats = {s["flow"]: s for s in metrics.run_stats(runs)}
    assert stats["generate-story"]["success_rate"] == pytest.approx(2 / 3)
    assert (stats["generate-story"]["p50_s"], stats["generate-story"]["p95_s"]) == (4.0, 6.0)
    assert stats["generate-images"]["success_rate"] is None
    assert stats["generate-images"]["p50_s"] is None
