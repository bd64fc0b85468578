"""The Qloo insights provider against a real HTTP server on loopback (tests/fakes/qloo_server):
the insights contract (:mod:`mangaflow.testing.models`), the exact query, the 403 fallback over entity types, the mapping to recommendations and
trends, the error mapping, and the circuit breaker."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from mangaflow.platform.adapters.insights import breaker as breaker_module
from mangaflow.platform.adapters.insights import qloo as qloo_module
from mangaflow.platform.adapters.insights.breaker import BreakerState, CircuitBreaker
from mangaflow.platform.adapters.insights.qloo import ENTITY_TYPES, QlooInsights, register
from mangaflow.platform.config import Settings
from mangaflow.platform.errors import (
    ConfigError,
    ProviderAuthError,
    ProviderError,
    ProviderRateLimited,
    ProviderUnavailable,
)
from mangaflow.platform.registry import ProviderRegistry
from mangaflow.testing.models import Failure, MakeFailing, TasteInsightsContract
from tests.fakes.net import closed_port, closed_url
from tests.fakes.qloo_server import FakeQloo, qloo_entity

KEY = "qloo-secret-key-123"
GENRES = ["Action", "Fantasy"]
THEMES = ["Friendship"]
EXPECTED_TAGS = "urn:tag:genre:media:action,urn:tag:genre:media:fantasy,urn:tag:keyword:media:friendship"  # fmt: skip


class FakeClock:
    now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def make_settings(tmp_path: Path, base_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "home": tmp_path / "home", "qloo_base_url": base_url, "qloo_api_key": KEY,
        "http_timeout_seconds": 5.0, "qloo_breaker_failures": 3,
        "qloo_breaker_cooldown_seconds": 30.0,
    }  # fmt: skip
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture(autouse=True)
def _fresh_breakers() -> Iterator[None]:
    breaker_module.reset_breakers()
    yield
    breaker_module.reset_breakers()


@pytest.fixture
def server() -> Iterator[FakeQloo]:
    with FakeQloo(required_key=KEY) as fake:
        yield fake


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def breaker(clock: FakeClock) -> CircuitBreaker:
    return CircuitBreaker(3, 30.0, clock, name="qloo")


@pytest.fixture
def provider(tmp_path: Path, server: FakeQloo, breaker: CircuitBreaker) -> Iterator[QlooInsights]:
    p = QlooInsights(make_settings(tmp_path, server.url), breaker=breaker)
    yield p
    p.close()


def _fail(provider: QlooInsights, times: int) -> None:
    for _ in range(times):
        with pytest.raises(ProviderUnavailable):
            provider.insights(GENRES, THEMES)


class TestQlooInsights(TasteInsightsContract):
    adapter = QlooInsights  # the ``provider`` fixture above: the fake server, a fresh breaker

    @pytest.fixture
    def make_failing(self, tmp_path: Path, server: FakeQloo) -> MakeFailing:
        def make(failure: Failure) -> QlooInsights:
            url, key = server.url, KEY
            if failure == "unreachable":
                url = closed_url()
            elif failure == "auth":
                key = "not-the-key"
            else:
                server.fail_with = [{"unavailable": 503, "rate_limited": 429}[failure]]
            return QlooInsights(make_settings(tmp_path, url, qloo_api_key=key))

        return make


def test_exact_query_parameters_and_header(provider: QlooInsights, server: FakeQloo) -> None:
    result = provider.insights(GENRES, THEMES)
    assert server.request_count == 1
    req = server.requests[0]
    assert (req.method, req.path) == ("GET", "/v2/insights")
    assert req.params == {"filter.type": "urn:entity:book", "filter.tags": EXPECTED_TAGS, "take": "10"}  # fmt: skip
    assert req.headers["x-api-key"] == KEY
    assert (result.provider, result.usage.calls) == ("qloo", 1)
    assert result.recommendations and result.trends


def test_tag_ids_follow_qloo_format() -> None:
    tags = qloo_module.filter_tags(["Sci-Fi", "Slice of Life"], ["Coming of Age", "Good vs Evil"])
    assert tags == ["urn:tag:genre:media:science_fiction", "urn:tag:genre:media:slice_of_life",
                    "urn:tag:keyword:media:coming_of_age", "urn:tag:keyword:media:good_vs_evil"]  # fmt: skip
    assert qloo_module.filter_tags(["Action", "Action"], []) == ["urn:tag:genre:media:action"]


@pytest.mark.parametrize("forbidden", [1, 2, 3])
def test_403_falls_back_tv_show_movie_video_game(
    provider: QlooInsights, server: FakeQloo, forbidden: int
) -> None:
    server.forbidden_types = set(ENTITY_TYPES[:forbidden])
    result = provider.insights(GENRES, THEMES)
    assert ENTITY_TYPES == ("urn:entity:book", "urn:entity:tv_show", "urn:entity:movie",
                            "urn:entity:video_game")  # fmt: skip
    assert server.requested_types() == list(ENTITY_TYPES[: forbidden + 1])
    assert result.usage.calls == forbidden + 1
    kinds = {r["attributes"]["entity_type"] for r in result.recommendations}
    assert kinds == {ENTITY_TYPES[forbidden]}
    for req in server.requests:  # the same query each time, only the type changes
        assert (req.params["filter.tags"], req.params["take"]) == (EXPECTED_TAGS, "10")
        assert req.headers["x-api-key"] == KEY


def test_all_types_forbidden_is_an_auth_error(
    provider: QlooInsights, server: FakeQloo, breaker: CircuitBreaker
) -> None:
    server.forbidden_types = set(ENTITY_TYPES)
    with pytest.raises(ProviderAuthError) as err:
        provider.insights(GENRES, THEMES)
    message = str(err.value)
    assert "MANGAFLOW_QLOO_API_KEY" in message and KEY not in message
    assert "entity types" in message and "urn:entity:video_game" in message
    assert server.requested_types() == list(ENTITY_TYPES)
    assert not err.value.retryable and breaker.state is BreakerState.CLOSED


def test_401_is_an_auth_error_naming_the_setting(tmp_path: Path, server: FakeQloo) -> None:
    server.required_key = "some-other-key"
    p = QlooInsights(make_settings(tmp_path, server.url))
    with pytest.raises(ProviderAuthError) as err:
        p.insights(GENRES, THEMES)
    assert "MANGAFLOW_QLOO_API_KEY" in str(err.value)
    assert KEY not in str(err.value) and KEY not in repr(err.value)
    assert server.request_count == 1  # no entity-type fallback on 401


def test_missing_key_is_a_config_error_at_first_call(tmp_path: Path, server: FakeQloo) -> None:
    p = QlooInsights(make_settings(tmp_path, server.url, qloo_api_key=""))  # construction is fine
    with pytest.raises(ConfigError, match="MANGAFLOW_QLOO_API_KEY"):
        p.insights(GENRES, THEMES)
    assert server.request_count == 0


def test_mapping_to_recommendations_and_trends(provider: QlooInsights, server: FakeQloo) -> None:
    action, fantasy = "urn:tag:genre:media:action", "urn:tag:genre:media:fantasy"
    found = ("urn:tag:keyword:media:found_family", "Found Family")
    rivals = ("urn:tag:keyword:media:rivalry", "Rivalry")
    server.entities = [
        qloo_entity("Low Affinity Saga", popularity=0.5, affinity=0.41, tags=[fantasy, found]),
        qloo_entity("Blade of Dawn", popularity=0.9, affinity=0.87, tags=[action, found, rivals]),
        qloo_entity("Popular Only", popularity=0.7, affinity=None, tags=[rivals]),
    ]
    result = provider.insights(GENRES, THEMES)
    recs = result.recommendations
    assert [r["attributes"]["name"] for r in recs] == [
        "Blade of Dawn", "Popular Only", "Low Affinity Saga",
    ]  # fmt: skip
    assert [r["score"] for r in recs] == [0.87, 0.7, 0.41]  # affinity, else popularity
    top = recs[0]
    assert top["category"] == "action book"  # the reader's genre it matched + readable type
    assert top["attributes"] == {
        "name": "Blade of Dawn", "entity_id": server.entities[1]["entity_id"],
        "entity_type": "urn:entity:book", "genre": "Action", "theme": None,
        "tags": ["Action", "Found Family", "Rivalry"], "popularity": 0.9, "source": "qloo",
    }  # fmt: skip
    assert recs[1]["category"] == "book" and recs[1]["attributes"]["genre"] is None
    assert recs[2]["attributes"]["genre"] == "Fantasy"
    # Trends: the shared tags that were not asked for; share × mean popularity of carriers.
    assert result.trends == [
        {"topic": "Rivalry", "popularity": round(2 / 3 * (0.9 + 0.7) / 2, 3)},  # 0.533
        {"topic": "Found Family", "popularity": round(2 / 3 * (0.9 + 0.5) / 2, 3)},  # 0.467
    ]
    assert all(0.0 <= r["score"] <= 1.0 for r in recs)


def test_generated_answer_maps_deterministically(provider: QlooInsights, server: FakeQloo) -> None:
    first, second = provider.insights(GENRES, THEMES), provider.insights(GENRES, THEMES)
    assert first.as_dict() == second.as_dict()
    assert len(first.recommendations) == 4
    assert {"category", "score", "attributes"} == set(first.recommendations[0])
    assert {"topic", "popularity"} == set(first.trends[0])
    assert {"Action", "Fantasy"} <= {r["attributes"]["genre"] for r in first.recommendations}
    assert all(t["topic"] not in ("Action", "Fantasy", "Friendship") for t in first.trends)


def test_empty_results_are_valid(provider: QlooInsights, server: FakeQloo) -> None:
    server.entities = []
    result = provider.insights(GENRES, THEMES)
    assert (result.recommendations, result.trends, result.usage.calls) == ([], [], 1)


def test_tolerates_id_tags_and_nested_popularity() -> None:
    body = {"results": {"entities": [{
        "name": "Django-like", "entity_id": "E1", "type": "urn:entity", "subtype": "urn:entity:movie",
        "properties": {"popularity": 0.99, "tags": [
            {"id": "urn:tag:keyword:media:historical_fiction", "name": "Historical Fiction",
             "type": "urn:tag:keyword:media"}]},
    }, {"no": "name"}]}}  # fmt: skip
    [e] = qloo_module.parse_entities(body, "urn:entity:book")
    assert (e.subtype, e.popularity, e.affinity) == ("urn:entity:movie", 0.99, None)
    assert e.tags[0].tag_id == "urn:tag:keyword:media:historical_fiction"
    assert qloo_module.parse_entities({"success": True}, "urn:entity:book") == []


@pytest.mark.parametrize(
    ("status", "error"),
    [(500, ProviderUnavailable), (503, ProviderUnavailable), (429, ProviderRateLimited),
     (400, ProviderError)],
)  # fmt: skip
def test_error_statuses(
    provider: QlooInsights, server: FakeQloo, status: int, error: type[ProviderError]
) -> None:
    server.fail_with = [status]
    with pytest.raises(error) as err:
        provider.insights(GENRES, THEMES)
    assert type(err.value) is error and KEY not in str(err.value)
    assert err.value.retryable == (status != 400)
    assert server.request_count == 1  # no entity-type fallback except on 403


@pytest.mark.parametrize("failure", ["timeout", "refused"])
def test_timeouts_and_refused_connections_are_unavailable(
    tmp_path: Path, server: FakeQloo, breaker: CircuitBreaker, failure: str
) -> None:
    server.delay = 1.0
    url = server.url if failure == "timeout" else f"http://127.0.0.1:{closed_port()}"
    p = QlooInsights(make_settings(tmp_path, url, http_timeout_seconds=0.2), breaker=breaker)
    expected = "timed out" if failure == "timeout" else "could not be reached"
    with pytest.raises(ProviderUnavailable, match=expected):
        p.insights(GENRES, THEMES)
    assert breaker.failures == 1


def test_key_echoed_by_the_remote_is_scrubbed(tmp_path: Path) -> None:
    def echo(request: httpx.Request) -> httpx.Response:
        return httpx.Response(400, text=f"bad key {request.headers['x-api-key']}")

    client = httpx.Client(transport=httpx.MockTransport(echo))
    p = QlooInsights(make_settings(tmp_path, "http://qloo.invalid"), client=client)
    with pytest.raises(ProviderError) as err:
        p.insights(GENRES, THEMES)
    assert KEY not in str(err.value) and "***" in str(err.value)


def test_breaker_opens_after_n_failures_and_fails_fast(
    provider: QlooInsights, server: FakeQloo, breaker: CircuitBreaker
) -> None:
    server.down = True
    _fail(provider, 3)
    assert server.request_count == 3 and breaker.state is BreakerState.OPEN
    for _ in range(5):
        with pytest.raises(ProviderUnavailable, match=r"circuit open; retry after 30s"):
            provider.insights(GENRES, THEMES)
    assert server.request_count == 3  # no request reached the server


def test_breaker_half_opens_after_cooldown_and_closes_on_success(
    provider: QlooInsights, server: FakeQloo, breaker: CircuitBreaker, clock: FakeClock
) -> None:
    server.fail_with = [500, 500, 500]
    _fail(provider, 3)
    clock.advance(29)
    with pytest.raises(ProviderUnavailable, match="retry after 1s"):
        provider.insights(GENRES, THEMES)
    assert server.request_count == 3
    clock.advance(1)
    assert breaker.state is BreakerState.HALF_OPEN
    assert provider.insights(GENRES, THEMES).recommendations  # the trial reaches the server
    assert server.request_count == 4
    assert breaker.state is BreakerState.CLOSED and breaker.failures == 0
    provider.insights(GENRES, THEMES)
    assert server.request_count == 5


def test_breaker_reopens_when_the_trial_fails(
    provider: QlooInsights, server: FakeQloo, breaker: CircuitBreaker, clock: FakeClock
) -> None:
    server.down = True
    _fail(provider, 3)
    clock.advance(30)
    with pytest.raises(ProviderUnavailable, match=r"unavailable \(500\)"):
        provider.insights(GENRES, THEMES)  # the trial: one request, fails
    assert server.request_count == 4 and breaker.state is BreakerState.OPEN
    with pytest.raises(ProviderUnavailable, match="circuit open; retry after 30s"):
        provider.insights(GENRES, THEMES)
    assert server.request_count == 4
    server.down = False
    clock.advance(30)
    provider.insights(GENRES, THEMES)
    assert server.request_count == 5 and breaker.state is BreakerState.CLOSED


def test_auth_errors_do_not_open_the_breaker(
    provider: QlooInsights, server: FakeQloo, breaker: CircuitBreaker
) -> None:
    server.required_key = "not-ours"
    for _ in range(6):
        with pytest.raises(ProviderAuthError):
            provider.insights(GENRES, THEMES)
    assert server.request_count == 6 and breaker.state is BreakerState.CLOSED


def test_a_success_resets_the_consecutive_count(
    provider: QlooInsights, server: FakeQloo, breaker: CircuitBreaker
) -> None:
    server.fail_with = [500, 500, 0, 500, 500]  # 0: no scripted failure, a normal answer
    for i in range(5):
        with pytest.raises(ProviderUnavailable) if i != 2 else contextlib.nullcontext():
            provider.insights(GENRES, THEMES)
    assert breaker.state is BreakerState.CLOSED and breaker.failures == 2


def test_providers_share_one_breaker_per_base_url(tmp_path: Path, server: FakeQloo) -> None:
    settings = make_settings(tmp_path, server.url, qloo_breaker_failures=2)
    a, b = QlooInsights(settings), QlooInsights(settings)
    assert a.breaker is b.breaker
    assert a.breaker is breaker_module.breaker_for(f"qloo:{server.url}", 2, 30.0)
    server.down = True
    for p in (a, b):
        with pytest.raises(ProviderUnavailable):
            p.insights(GENRES, THEMES)
    with pytest.raises(ProviderUnavailable, match="circuit open"):
        QlooInsights(settings).insights(GENRES, THEMES)
    assert server.request_count == 2
    with FakeQloo(required_key=KEY) as other:  # another base URL has its own breaker
        QlooInsights(make_settings(tmp_path, other.url, qloo_breaker_failures=2)).insights(
            GENRES, THEMES
        )
        assert other.request_count == 1


def test_half_open_admits_one_trial_at_a_time(clock: FakeClock) -> None:
    breaker = CircuitBreaker(1, 10.0, clock, name="qloo")
    with pytest.raises(ProviderUnavailable), breaker:
        raise ProviderUnavailable("down")
    clock.advance(10)
    started, release = threading.Event(), threading.Event()
    outcome: list[str] = []

    def slow_trial() -> str:
        started.set()
        release.wait(5)
        return "ok"

    worker = threading.Thread(target=lambda: outcome.append(breaker.call(slow_trial)))
    worker.start()
    assert started.wait(5)
    with pytest.raises(ProviderUnavailable, match="trial call is in progress"):
        breaker.call(lambda: "second")
    release.set()
    worker.join(5)
    assert outcome == ["ok"] and breaker.state is BreakerState.CLOSED


def test_breaker_as_context_manager(clock: FakeClock) -> None:
    breaker = CircuitBreaker(2, 5.0, clock)
    for _ in range(2):
        with pytest.raises(ProviderUnavailable), breaker:
            raise ProviderUnavailable("boom")
    assert breaker.state is BreakerState.OPEN
    with pytest.raises(ProviderUnavailable, match="retry after 5s"), breaker:
        pytest.fail("the block must not run while the breaker is open")
    fresh = CircuitBreaker(1, 5.0, clock)
    with pytest.raises(KeyError), fresh.guard():  # not a provider failure: not counted
        raise KeyError("x")
    with pytest.raises(ProviderAuthError), fresh:  # permanent: raised as is, not counted
        raise ProviderAuthError("bad key")
    assert fresh.state is BreakerState.CLOSED and fresh.failures == 0


def test_register_adds_the_qloo_provider(tmp_path: Path, server: FakeQloo) -> None:
    registry = ProviderRegistry()
    register(registry)
    created = registry.create_insights("qloo", make_settings(tmp_path, server.url + "/"))
    assert isinstance(created, QlooInsights) and (created.name, created.offline) == ("qloo", False)
    assert created.insights(GENRES, THEMES).provider == "qloo"
    assert server.requests[0].path == "/v2/insights"  # a trailing slash in the base URL is fine
