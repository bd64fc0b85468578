"""The YouTube quota ledger: Pacific days, refusal before the call, no overspending by
concurrent writers (SQLite and DynamoDB), and YouTube's own quota errors mapped."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from mangaflow.platform.adapters.storage.dynamodb import DynamoItemTable, create_table
from mangaflow.platform.adapters.storage.dynamodb import make_client as dynamo_client
from mangaflow.platform.adapters.storage.sqlite import SqliteItemTable
from mangaflow.platform.errors import ProviderRateLimited, QuotaExceeded
from mangaflow.platform.ports import ItemTable, Put, Usage
from mangaflow.video.youtube.data import YouTubeData
from mangaflow.video.youtube.quota import QUOTA_PK, QuotaLedger, next_reset
from tests.fakes.youtube_server import FakeYouTubeServer, make_video
from tests.video.conftest import REGION, Clock, yt_settings


def test_the_quota_resets_at_pacific_midnight_not_utc_midnight(table: SqliteItemTable) -> None:
    clock = Clock(datetime(2026, 12, 4, 23, 50, tzinfo=UTC))  # 15:50 on Dec 4 in Los Angeles
    ledger = QuotaLedger(table, 200, clock=clock)
    ledger.charge("search.list")
    ledger.charge("search.list")
    clock.advance(minutes=20)  # UTC midnight passed; still Dec 4 in Los Angeles
    with pytest.raises(QuotaExceeded) as info:
        ledger.charge("search.list")
    assert info.value.details == {"method": "search.list", "used": 200, "needed": 100,
                                  "limit": 200, "resets_at": "2026-12-05T00:00:00-08:00"}  # fmt: skip
    assert "2026-12-05 00:00 PST" in info.value.message and "200 of 200" in info.value.message
    clock.now = datetime(2026, 12, 5, 8, 0, 1, tzinfo=UTC)  # 00:00:01 on Dec 5 in Los Angeles
    ledger.charge("search.list")
    assert ledger.state().used == 100 and ledger.state().day.isoformat() == "2026-12-05"
    days = {item["SK"]: item["used"] for item in table.query(QUOTA_PK)}
    assert days == {"2026-12-04": 200, "2026-12-05": 100}


def test_the_reset_follows_daylight_saving_time() -> None:
    summer = next_reset(datetime(2026, 7, 1, 12, 0, tzinfo=UTC))
    winter = next_reset(datetime(2026, 1, 1, 12, 0, tzinfo=UTC))
    assert summer.astimezone(UTC) == datetime(2026, 7, 2, 7, 0, tzinfo=UTC)
    assert winter.astimezone(UTC) == datetime(2026, 1, 2, 8, 0, tzinfo=UTC)


def test_a_call_over_the_quota_is_refused_before_it_is_sent(
    tmp_path: Path, table: SqliteItemTable
) -> None:
    usage: list[Usage] = []
    videos = [make_video(f"v{i}", title=f"cats {i}", views=100 - i) for i in range(3)]
    with FakeYouTubeServer(videos=videos) as yt:
        settings = yt_settings(tmp_path, yt, youtube_daily_quota=150)
        data = YouTubeData.from_settings(settings, table, on_usage=usage.append)
        assert [v.id for v in data.search("cats", max_results=3)] == ["v0", "v1", "v2"]
        sent = len(yt.requests)
        with pytest.raises(QuotaExceeded) as info:
            data.search("cats")
        assert len(yt.requests) == sent  # nothing reached YouTube
    assert info.value.details["used"] == 101 and info.value.details["needed"] == 100
    assert "150" in info.value.message and "MANGAFLOW_YOUTUBE_DAILY_QUOTA" in info.value.message
    assert usage == [Usage(calls=1, quota_units=100), Usage(calls=1, quota_units=1)]


def test_concurrent_writers_never_spend_more_than_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "shared.db"
    SqliteItemTable(path)
    granted: list[int] = []
    refused: list[int] = []
    lock = threading.Lock()

    def worker() -> None:
        ledger = QuotaLedger(SqliteItemTable(path), 50)  # its own connection, like a process
        for _ in range(15):
            try:
                ledger.charge("videos.list")
                outcome = granted
            except QuotaExceeded:
                outcome = refused
            with lock:
                outcome.append(1)

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert (len(granted), len(refused)) == (50, 40)
    assert QuotaLedger(SqliteItemTable(path), 50).state().used == 50


class Interleaved(ItemTable):
    """Delegates to ``inner``; just before its first put, ``meanwhile()`` runs (another
    process charging between our read and our write)."""

    def __init__(self, inner: ItemTable, meanwhile: Any) -> None:
        self.inner, self.meanwhile, self.puts = inner, meanwhile, 0

    def put(self, op: Put) -> None:
        self.puts += 1
        if self.puts == 1:
            self.meanwhile()
        self.inner.put(op)

    def get(self, pk: str, sk: str) -> Any:
        return self.inner.get(pk, sk)

    def query(self, *args: Any, **kwargs: Any) -> Any:
        return self.inner.query(*args, **kwargs)

    def transact(self, ops: Any) -> None:
        self.inner.transact(ops)

    def delete(self, pk: str, sk: str) -> None:
        self.inner.delete(pk, sk)


def test_a_lost_race_on_dynamodb_is_checked_again_against_the_limit(aws: None) -> None:
    client = dynamo_client(REGION)
    create_table(client, "mangaflow")
    dynamo = DynamoItemTable("mangaflow", client=client)
    clock = Clock(datetime(2026, 12, 5, 20, 0, tzinfo=UTC))
    QuotaLedger(dynamo, 1690, clock=clock).charge("thumbnails.set")  # 50 used
    other = QuotaLedger(dynamo, 1690, clock=clock)
    racing = QuotaLedger(Interleaved(dynamo, lambda: other.charge("thumbnails.set")), 1690,
                         clock=clock)  # fmt: skip
    # It read 50 used (room for 1600); the other process took 50 more before it wrote.
    with pytest.raises(QuotaExceeded) as info:
        racing.charge("videos.insert")
    assert info.value.details["used"] == 100
    assert QuotaLedger(dynamo, 1690, clock=clock).state().used == 100
    racing.charge("videos.list")
    assert QuotaLedger(dynamo, 1690, clock=clock).state().used == 101


def test_youtube_quota_exceeded_is_not_retried_and_rate_limits_are(
    tmp_path: Path, table: SqliteItemTable
) -> None:
    with FakeYouTubeServer(videos=[make_video("a", views=5)]) as yt:
        settings = yt_settings(tmp_path, yt, provider_retries=2)
        data = YouTubeData.from_settings(settings, table)
        yt.api_failures = [(403, "quotaExceeded")]
        with pytest.raises(QuotaExceeded) as info:
            data.statistics(["a"])
        assert len(yt.requests) == 1
        assert "quota" in info.value.message and info.value.details["resets_at"]
        yt.api_failures = [(403, "rateLimitExceeded"), (403, "userRateLimitExceeded")]
        assert [v.id for v in data.statistics(["a"])] == ["a"]  # third attempt answered
        assert len(yt.requests) == 4
    assert QuotaLedger(table, 10_000).state().used == 4  # every attempt was charged
    assert issubclass(QuotaExceeded, Exception) and not QuotaExceeded("x").retryable
    assert ProviderRateLimited("x").retryable
