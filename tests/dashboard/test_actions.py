"""Batch, Continue and Replay store what the services would (the background worker is
switched off here; the slow Create test runs one for real)."""

from __future__ import annotations

import pytest

from dashboard import commands as actions
from mangaflow.manga.repository import repo
from mangaflow.manga.services.submit import submit_preferences
from mangaflow.platform.context import Context
from tests.conftest import VALID_PREFS
from tests.dashboard.conftest import USER, open_page, texts


@pytest.fixture(autouse=True)
def _no_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(actions, "ensure_worker", lambda c: False)


def test_continue_requests_the_next_episode(with_episode: dict[str, str]) -> None:
    from mangaflow.bootstrap import get_context

    at = open_page("pages/manga/batch_continue.py")
    assert at.selectbox(key="continue_story").value == with_episode["story"]
    at.button(key="continue_go").click().run()
    assert not at.exception, [e.value for e in at.exception]
    reqs = [r for r in get_context().requests.list_requests(USER) if r.type == "EPISODE"]
    assert len(reqs) == 1 and reqs[0].episode_number == 2
    assert reqs[0].story_id == with_episode["story"]
    assert "Episode 2 requested" in texts(at)


def test_batch_uses_the_latest_preferences(with_episode: dict[str, str]) -> None:
    at = open_page("pages/manga/batch_continue.py")
    at.number_input(key="batch_n").set_value(2)
    at.button(key="batch_go").click().run()
    assert not at.exception, [e.value for e in at.exception]
    (batch_id,) = at.session_state["followed_batches"]
    from mangaflow.bootstrap import get_context

    batch = repo(get_context()).get_batch(batch_id, user_id=USER)
    assert batch.number_of_stories == 2 and batch.status == "PENDING"
    assert batch.preferences is not None
    assert batch.preferences.genres == VALID_PREFS["genres"]
    body = texts(at)  # nothing runs without the worker: the live card waits
    assert f"`{batch_id}`" in body and "PENDING · 0 of 2 stories started" in body


def test_batch_without_preferences_points_to_create(store: Context) -> None:
    at = open_page("pages/manga/batch_continue.py")
    assert "Create one manga first" in texts(at)
    assert not at.get("number_input")


def test_replay_resubmits_the_same_preferences(store: Context) -> None:
    old = submit_preferences(store, "bob", {**VALID_PREFS, "pagesPerEpisode": 2}, seed=42,
                             publish=False)  # fmt: skip
    store.requests.mark_finished(old.request_id, "FAILED", error="image provider: HTTP 503")
    at = open_page("pages/platform/failures.py")
    assert "image provider: HTTP 503" in "\n".join(str(c.value) for c in at.code)
    at.button(key=f"replay_{old.request_id}").click().run()
    assert not at.exception, [e.value for e in at.exception]
    new = [r for r in store.requests.list_requests("bob") if r.request_id != old.request_id]
    assert len(new) == 1
    assert new[0].seed == 42 and new[0].status == "PENDING"
    prefs, _ = repo(store).request_preferences(new[0].request_id)
    assert prefs == repo(store).request_preferences(old.request_id)[0]
    assert "Resumed and replayed requests in progress" in texts(at)


def test_resume_continues_the_same_request(store: Context) -> None:
    old = submit_preferences(store, "bob", {**VALID_PREFS, "pagesPerEpisode": 2}, seed=42,
                             publish=False)  # fmt: skip
    store.requests.mark_finished(old.request_id, "FAILED", error="text provider: HTTP 503")
    at = open_page("pages/platform/failures.py")
    at.button(key=f"resume_{old.request_id}").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert [r.request_id for r in store.requests.list_requests("bob")] == [old.request_id]
    again = store.requests.get_request(old.request_id)
    assert again.status != "FAILED" and again.error != "text provider: HTTP 503"
    assert any("resumed at stage" in note for note in again.notes)


def test_failed_request_without_preferences_explains_instead_of_replaying(
    with_episode: dict[str, str],
) -> None:
    from mangaflow.bootstrap import get_context
    from mangaflow.manga.services.batches import continue_story

    c = get_context()
    req = continue_story(c, USER, with_episode["story"])
    c.requests.mark_finished(req.request_id, "FAILED", error="text provider refused")
    at = open_page("pages/platform/failures.py")
    assert not at.exception
    assert not [b for b in at.button if b.key == f"replay_{req.request_id}"]
    assert "continue the story again" in texts(at)
