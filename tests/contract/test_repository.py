"""The key design on the item table: requests, episodes and events under concurrency.
One suite, run on every item-table backend."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from mangaflow.manga.domain.preferences import parse_preferences
from mangaflow.manga.repository import Repository
from mangaflow.platform.adapters.storage.dynamodb import DynamoItemTable
from mangaflow.platform.adapters.storage.sqlite import SqliteItemTable
from mangaflow.platform.errors import NotFound
from mangaflow.platform.requests.model import GenerationRequest
from tests.conftest import VALID_PREFS


class RepositoryContract:
    """Subclass and provide a ``repo`` fixture."""

    def test_request_lifecycle_and_isolation(self, repo: Repository) -> None:
        req = repo.create_request(GenerationRequest(request_id="r1", user_id="alice"),
                                  parse_preferences(VALID_PREFS))  # fmt: skip
        assert repo.requests.get_request("r1").status == "PENDING"
        assert repo.latest_preferences("alice") is not None
        repo.requests.mark_stage("r1", "story")
        assert repo.requests.get_request("r1").status == "PROCESSING"
        repo.requests.mark_finished("r1", "FAILED", error="boom")
        got = repo.requests.get_request("r1", user_id="alice")
        assert (got.status, got.error, got.stage) == ("FAILED", "boom", "story")
        with pytest.raises(NotFound):
            repo.requests.get_request("r1", user_id="mallory")
        assert [r.request_id for r in repo.requests.requests_by_status("FAILED")] == [req.request_id]


    def test_concurrent_episode_claims_get_distinct_numbers(self, repo: Repository) -> None:
        got: list[int] = []
        lock = threading.Lock()

        def claim() -> None:
            n = repo.claim_episode_number("s1", "alice")
            with lock:
                got.append(n)

        threads = [threading.Thread(target=claim) for _ in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(got) == [1, 2, 3, 4, 5, 6]


    def test_an_event_is_claimed_once(self, repo: Repository) -> None:
        assert repo.requests.claim_event("e1", "Story Generation Requested")
        assert not repo.requests.claim_event("e1", "Story Generation Requested")
        repo.requests.release_event("e1")
        assert repo.requests.claim_event("e1", "Story Generation Requested")


    def test_profile_created_once(self, repo: Repository) -> None:
        assert repo.requests.ensure_profile("alice", "a@example.com")
        assert not repo.requests.ensure_profile("alice", "a@example.com")


class TestSqliteRepository(RepositoryContract):
    @pytest.fixture
    def repo(self, tmp_path: Path) -> Repository:
        return Repository(SqliteItemTable(tmp_path / "m.db"))


class TestDynamoRepository(RepositoryContract):
    @pytest.fixture
    def repo(self, dynamo: DynamoItemTable) -> Repository:
        return Repository(dynamo)
