"""The record models read what the services store, and writing them back leaves each item with
exactly the keys the services gave it (the stored layout of SPEC §5)."""

from __future__ import annotations

import time
from typing import Any

import pytest

from mangaflow.bootstrap import Context
from mangaflow.manga.domain.records import BatchRecord, EpisodeRecord, StoryRecord
from mangaflow.manga.repository import episode_sk, repo
from mangaflow.manga.services import batches
from mangaflow.manga.services.episode import write_episode
from mangaflow.manga.services.episode_context import load_episode_context
from mangaflow.manga.services.lettering import export_episode, letter_page
from mangaflow.manga.services.panels import draw_panel
from mangaflow.manga.services.story import gather_insights, write_story
from mangaflow.manga.services.submit import submit_preferences
from mangaflow.platform.ports import Put
from mangaflow.platform.requests.store import strip_keys
from tests.conftest import VALID_PREFS

TABLE_KEYS = {"PK", "SK", "GSI1PK", "GSI1SK", "GSI2PK", "GSI2SK"}
STORY_KEYS = {
    "storyId", "userId", "createdAt", "updatedAt", "title", "logline", "status", "s3Key",
    "jsonKey", "requestId", "preferences", "seed", "textProvider", "textModel", "characters",
}  # fmt: skip
EPISODE_KEYS = {
    "storyId", "userId", "number", "status", "createdAt", "updatedAt", "episodeId", "title",
    "summary", "requestId", "s3Key", "jsonKey", "pages", "panels",
}  # fmt: skip
EXPORTED_KEYS = {"pdfS3Key", "cbzS3Key", "pageKeys", "layouts", "overflow"}
BATCH_KEYS = {
    "batchId", "userId", "status", "stories", "error", "createdAt", "updatedAt", "version",
    "numberOfStories", "preferences", "seed",
}  # fmt: skip
OUTCOME_KEYS = {"index", "requestId", "storyId", "episodeId", "status", "error", "startedAt",
                "finishedAt"}  # fmt: skip


def _episode(container: Context) -> tuple[str, str, str]:
    """A one-page episode written, drawn, lettered and exported by the services."""
    c = container
    req = submit_preferences(c, "alice", {**VALID_PREFS, "pagesPerEpisode": 1}, seed=5,
                             publish=False)  # fmt: skip
    story_id = write_story(c, req.request_id, gather_insights(c, req.request_id))
    episode_id = write_episode(c, req.request_id, story_id, 1)
    ep = load_episode_context(c, episode_id)
    for panel in ep.script.panels:
        draw_panel(c, req.request_id, episode_id, panel.number)
    letter_page(c, req.request_id, episode_id, 1)
    export_episode(c, req.request_id, episode_id)
    return req.request_id, story_id, episode_id


def _item(c: Context, pk: str, sk: str) -> dict[str, Any]:
    item = c.table.get(pk, sk)
    assert item is not None
    return item


def test_story_and_episode_items_round_trip_with_their_keys_unchanged(container: Context) -> None:
    c = container
    _, story_id, episode_id = _episode(c)
    story_item = _item(c, "USER#alice", f"STORY#{story_id}")
    assert set(story_item) == TABLE_KEYS | STORY_KEYS
    story = repo(c).get_story(story_id)
    assert story.item() == strip_keys(story_item)  # every key and value read back as stored
    assert story.preferences.wire() == story_item["preferences"]
    time.sleep(0.002)  # timestamps have millisecond resolution
    repo(c).save_story(story)
    resaved = _item(c, "USER#alice", f"STORY#{story_id}")
    assert set(resaved) == TABLE_KEYS | STORY_KEYS
    assert resaved["createdAt"] == story_item["createdAt"]
    assert resaved["updatedAt"] > story_item["updatedAt"]  # a save is an update

    episode_item = _item(c, f"STORY#{story_id}", episode_sk(1))
    assert set(episode_item) == TABLE_KEYS | EPISODE_KEYS | EXPORTED_KEYS
    record = repo(c).get_episode(episode_id)
    assert record.item() == strip_keys(episode_item)
    assert record.panel_key(1) == f"images/alice/{story_id}/1/generated/image-001.png"

    # A regenerated panel adds its version and nothing else.
    updated = repo(c).update_episode(episode_id, panel_versions={"1": 2})
    assert updated.panel_key(1).endswith("image-001.v2.png")
    after = _item(c, f"STORY#{story_id}", episode_sk(1))
    assert set(after) == TABLE_KEYS | EPISODE_KEYS | EXPORTED_KEYS | {"panelVersions"}
    assert {k: v for k, v in after.items() if k not in ("panelVersions", "updatedAt")} == {
        k: v for k, v in episode_item.items() if k != "updatedAt"
    }


def test_records_keep_attributes_they_do_not_declare(container: Context) -> None:
    c = container
    _, story_id, episode_id = _episode(c)
    item = _item(c, f"STORY#{story_id}", episode_sk(1))
    c.table.put(Put({**item, "reviewedBy": "editor"}))  # written by other code
    record = repo(c).update_episode(episode_id, status="COMPLETED")
    assert record.item()["reviewedBy"] == "editor"
    assert _item(c, f"STORY#{story_id}", episode_sk(1))["reviewedBy"] == "editor"
    with pytest.raises(TypeError, match="pdfS3Key"):
        repo(c).update_episode(episode_id, pdfS3Key="x")  # attribute names, not stored names


def test_batch_items_keep_their_keys(container: Context) -> None:
    c = container
    submit_preferences(c, "alice", VALID_PREFS, publish=False)
    batch_id = batches.start_batch(c, "alice", 2)["batchId"]
    item = _item(c, "USER#alice", f"BATCH#{batch_id}")
    assert set(item) == TABLE_KEYS - {"GSI2PK", "GSI2SK"} | BATCH_KEYS
    batch = repo(c).get_batch(batch_id)
    assert batch.item() == strip_keys(item) and batch.preferences is not None
    assert batch.preferences.wire() == item["preferences"]

    batches.begin_batch(c, batch_id)
    req = submit_preferences(c, "alice", VALID_PREFS, publish=False)
    batches.story_started(c, batch_id, 1, req.request_id)
    failed = batches.fail_batch(c, batch_id, "boom")
    assert failed is not None and failed.status == "FAILED"
    (outcome,) = failed.stories
    assert (outcome.status, outcome.error) == ("FAILED", "boom")
    item = _item(c, "USER#alice", f"BATCH#{batch_id}")
    assert set(item) == TABLE_KEYS - {"GSI2PK", "GSI2SK"} | BATCH_KEYS
    assert [set(s) for s in item["stories"]] == [OUTCOME_KEYS]
    assert batches.get_batch(c, batch_id, "alice")["stories"] == item["stories"]


def test_stored_names_are_the_camel_case_aliases() -> None:
    assert {f.alias for f in StoryRecord.model_fields.values()} == STORY_KEYS
    assert {f.alias for f in EpisodeRecord.model_fields.values()} == (
        EPISODE_KEYS | EXPORTED_KEYS | {"panelVersions"}
    )
    assert {f.alias for f in BatchRecord.model_fields.values()} == BATCH_KEYS
