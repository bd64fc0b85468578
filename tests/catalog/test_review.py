"""Enrichment and human review through a real Prefect server: the enrichment flow assembles
the entry and waits, paused, for the reviewer's typed decision; approve, edit and reject
each do what they say (store, index, audit copy, lock), from the service the dashboard, the
API and the CLI share. Bad decisions are refused and change nothing."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from mangaflow.catalog import sample
from mangaflow.catalog.domain import ReviewDecision, anime_id_for
from mangaflow.catalog.parts import COLLECTION, Catalog
from mangaflow.catalog.services import review, search
from mangaflow.catalog.services.sync import sync
from mangaflow.platform.errors import NotFound, ValidationError
from tests.catalog.conftest import make_catalog, write_source
from tests.catalog.test_images import picture
from tests.fakes.images_server import ImageHost


def discovered(cat: Catalog, tmp_path: Path, n_new: int = 1) -> list[Any]:
    """Bootstrap 10 entries, then sync a source with ``n_new`` more: their events."""
    data = list(sample.entries(10 + n_new, seed=21))
    sync(cat, write_source(tmp_path / "v1.json", data[:10]))
    sync(cat, write_source(tmp_path / "v2.json", data))
    return list(cat.c.bus.published)  # type: ignore[attr-defined]


def run_in_thread(fn: Any, *args: Any) -> tuple[threading.Thread, list[Any]]:
    out: list[Any] = []

    def target() -> None:
        try:
            out.append(fn(*args))
        except BaseException as exc:  # noqa: BLE001 - surfaced by the test
            out.append(exc)

    t = threading.Thread(target=target, daemon=True)
    t.start()
    return t, out


def wait_for(check: Any, timeout: float = 60.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError("timed out waiting")


def paused(flow_run_id: str) -> bool:
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        state = client.read_flow_run(flow_run_id).state
    return bool(state and state.is_paused())


@pytest.mark.slow
@pytest.mark.parametrize("action", ["approve", "edit", "reject"])
def test_the_enrichment_flow_waits_for_the_reviewers_decision(
    prefect_server: None, tmp_path: Path, embedder: Any, action: str
) -> None:
    from flows.catalog.enrich import catalog_enrich
    from mangaflow.platform.adapters.events.inline import InlineEventBus

    with ImageHost() as host:
        cat = make_catalog(tmp_path / "home", embedder, catalog_images=True,
                           catalog_review_wait_seconds=120, catalog_review_poll_seconds=1)  # fmt: skip
        [event] = discovered(cat, tmp_path)
        detail = event.detail()
        detail["entry"]["picture"] = host.serve("/img/p", (200, "image/jpeg", picture("JPEG")))
        detail["entry"]["thumbnail"] = host.serve("/img/t", (500, "text/plain", b"down"))
        cat.c.bus = InlineEventBus()  # decisions are delivered by running the route's flow here
        anime_id = event.anime_id

        thread, out = run_in_thread(catalog_enrich, detail)
        item = wait_for(lambda: (r := cat.store.get_review(anime_id)) and r.flow_run_id and r)
        wait_for(lambda: paused(item.flow_run_id))
        assert cat.store.get(anime_id) is None and thread.is_alive()
        assert item.candidate.images["picture"].status == "OK"
        assert item.candidate.picture == item.candidate.images["picture"].url
        assert item.candidate.images["thumbnail"].status == "DOWNLOAD_FAILED"

        edits = {"title": "Edited Title", "episodes": 99} if action == "edit" else {}
        decision = review.parse_decision({"action": action, "edits": edits, "reviewer": "rita"})
        answer = review.decide(cat, anime_id, decision)
        assert answer["delivered_to"] == item.flow_run_id
        from flows.platform.dispatch import HANDLERS

        assert cat.c.bus.drain(HANDLERS) == 1  # type: ignore[attr-defined]  # as the CLI does
        thread.join(60)
        assert not thread.is_alive()
        [result] = out
        assert not isinstance(result, BaseException), result
        assert result["action"] == action and result["committed"] == (action != "reject")
    assert cat.store.get_review(anime_id) is None and cat.store.lock_owner(anime_id) is None
    entry = cat.store.get(anime_id)
    audit_key = f"processed/updated-entries/{anime_id}.json"
    if action == "reject":
        assert entry is None and not cat.c.blobs.exists(audit_key)
        assert cat.index.get(COLLECTION, [anime_id]) == []
        return
    assert entry is not None
    if action == "edit":
        assert (entry.title, entry.episodes) == ("Edited Title", 99)
    audit = json.loads(cat.c.blobs.get(audit_key))
    assert audit["review"]["action"] == action and audit["review"]["reviewer"] == "rita"
    assert audit["entry"]["title"] == entry.title
    hit = search.search(cat, search.parse_query({"query": entry.embedding_text(), "limit": 1}))
    assert hit["results"][0]["anime_id"] == anime_id
    cat.close()


@pytest.mark.slow
def test_without_a_waiting_run_the_decision_is_applied_directly(
    prefect_server: None, tmp_path: Path, embedder: Any
) -> None:
    from flows.catalog.enrich import catalog_enrich

    cat = make_catalog(tmp_path / "home", embedder)  # review wait 0: queue and return
    events = discovered(cat, tmp_path, n_new=2)
    for event in events:
        assert catalog_enrich(event.detail())["review"] == "queued"
    queued = review.queue(cat)
    assert {r.anime_id for r in queued} == {e.anime_id for e in events}
    assert all(r.flow_run_id is None and r.kind == "new" for r in queued)
    first, second = (e.anime_id for e in events)
    assert review.decide(cat, first, ReviewDecision(action="approve"))["committed"]
    assert cat.store.get(first) is not None and cat.store.get(second) is None
    cat.close()


def test_a_changed_entry_approved_takes_the_source_values(tmp_path: Path, embedder: Any) -> None:
    cat = make_catalog(tmp_path / "home", embedder)
    data = list(sample.entries(5, seed=2))
    sync(cat, write_source(tmp_path / "v1.json", data))
    data[0]["episodes"] += 5
    data[1]["status"] = "ONGOING" if data[1]["status"] != "ONGOING" else "FINISHED"
    sync(cat, write_source(tmp_path / "v2.json", data))
    a, b = anime_id_for(min(data[0]["sources"])), anime_id_for(min(data[1]["sources"]))
    review.decide(cat, a, ReviewDecision(action="approve"))
    review.decide(cat, b, ReviewDecision(action="reject", note="source is wrong"))
    assert cat.store.require(a).episodes == data[0]["episodes"]
    assert cat.store.require(b).status != data[1]["status"]  # ours kept
    assert review.queue(cat) == []
    cat.close()


def test_bad_decisions_are_refused_and_change_nothing(tmp_path: Path, embedder: Any) -> None:
    cat = make_catalog(tmp_path / "home", embedder)
    data = list(sample.entries(3, seed=2))
    sync(cat, write_source(tmp_path / "v1.json", data))
    data[0]["episodes"] += 1
    sync(cat, write_source(tmp_path / "v2.json", data))
    anime_id = anime_id_for(min(data[0]["sources"]))
    before = cat.store.require(anime_id)
    cases = [
        ({"action": "edit"}, "edits"),
        ({"action": "approve", "edits": {"title": "x"}}, "edits"),
        ({"action": "publish"}, "action"),
        ({"action": "edit", "edits": {"anime_id": "other"}}, "anime_id"),
    ]
    for data_, field in cases:
        with pytest.raises(ValidationError) as info:
            review.parse_decision(data_)
        assert field in info.value.message
    for edits, field in (({"colour": "red"}, "colour"), ({"episodes": "many"}, "edits.episodes")):
        with pytest.raises(ValidationError) as info:
            review.decide(cat, anime_id, ReviewDecision(action="edit", edits=edits))
        assert field in info.value.message
    with pytest.raises(NotFound):
        review.decide(cat, "unknown-id", ReviewDecision(action="approve"))
    assert cat.store.require(anime_id) == before and len(review.queue(cat)) == 1
    cat.close()
