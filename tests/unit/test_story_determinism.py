"""Same preferences + seed → the same story; different preferences → a different story."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mangaflow.bootstrap import build
from mangaflow.manga.services.episode import load_episode, write_episode
from mangaflow.manga.services.story import gather_insights, load_story, write_story
from mangaflow.manga.services.submit import submit_preferences
from tests.conftest import VALID_PREFS, make_settings

OTHER = {
    "genres": ["Romance", "Slice of Life"], "themes": ["Love", "Family"],
    "artStyle": "Colorful", "targetAudience": "Young Adults", "contentRating": "PG",
}  # fmt: skip


def write(home: Path, prefs: dict[str, Any], seed: int) -> dict[str, Any]:
    c = build(make_settings(home))
    req = submit_preferences(c, "alice", {**prefs, "pagesPerEpisode": 3}, seed=seed,
                             publish=False)  # fmt: skip
    story_id = write_story(c, req.request_id, gather_insights(c, req.request_id))
    episode_id = write_episode(c, req.request_id, story_id, 1)
    record, bible = load_story(c, story_id)
    ep_record, script = load_episode(c, episode_id)
    return {
        "story_md": c.blobs.get(record.s3_key), "episode_md": c.blobs.get(ep_record.s3_key),
        "title": bible.title, "cast": {ch.name for ch in bible.characters},
        "lines": {d.text for p in script.panels for d in p.dialogue},
    }  # fmt: skip


def test_same_preferences_and_seed_give_the_same_story(tmp_path: Path) -> None:
    a = write(tmp_path / "a", VALID_PREFS, seed=7)
    b = write(tmp_path / "b", VALID_PREFS, seed=7)
    assert a["story_md"] == b["story_md"] and a["episode_md"] == b["episode_md"]
    assert b"offline" in a["story_md"]


def test_different_preferences_give_different_titles_casts_and_dialogue(tmp_path: Path) -> None:
    a = write(tmp_path / "a", VALID_PREFS, seed=7)
    b = write(tmp_path / "b", OTHER, seed=7)
    assert a["title"] != b["title"]
    assert a["cast"].isdisjoint(b["cast"])
    assert len(a["lines"] & b["lines"]) <= len(a["lines"]) // 10


def test_another_seed_gives_another_story(tmp_path: Path) -> None:
    a = write(tmp_path / "a", VALID_PREFS, seed=7)
    b = write(tmp_path / "b", VALID_PREFS, seed=8)
    assert a["story_md"] != b["story_md"]
