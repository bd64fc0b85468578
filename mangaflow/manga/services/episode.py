"""Episode scripts."""

from __future__ import annotations

import uuid

from mangaflow.manga.domain import keys
from mangaflow.manga.domain.episode import EpisodeScript
from mangaflow.manga.domain.records import EpisodeRecord
from mangaflow.manga.repository import repo
from mangaflow.manga.services import prompts
from mangaflow.manga.services.story import _label, _structured, load_story
from mangaflow.platform import usage
from mangaflow.platform.context import Context
from mangaflow.platform.ports import TextRequest, TextResult


def write_episode(c: Context, request_id: str, story_id: str, number: int) -> str:
    """Write and store episode ``number`` of a story; returns the episode id.
    Idempotent: an episode already written for this number is returned as is."""
    req = c.requests.mark_stage(request_id, "episode")
    record, bible = load_story(c, story_id)
    user, prefs = record.user_id, record.preferences
    repo(c).claim_episode_number(story_id, user, number)
    existing = [e for e in repo(c).list_episodes(story_id) if e.number == number]
    if existing and existing[0].written and existing[0].json_key:
        c.requests.update_request(request_id, episode_id=existing[0].episode_id,
                              episode_number=number)  # fmt: skip
        return existing[0].episode_id
    c.progress.stage(request_id, "episode", f"episode {number}")
    # Earlier episodes that are written (a reserved, unwritten slot has no summary yet).
    previous = [e.summary for e in repo(c).list_episodes(story_id)
                if e.number < number and e.summary]  # fmt: skip
    request = TextRequest(
        task="episode_script",
        messages=prompts.episode_messages(prefs, bible, number, previous, prefs.pages_per_episode),
        context={
            "preferences": prefs.wire(), "story": bible.model_dump(mode="json"),
            "episode_number": number, "previous_summaries": previous,
            "pages": prefs.pages_per_episode,
        },
        json_schema=EpisodeScript.model_json_schema(),
        seed=req.seed + number,
    )  # fmt: skip

    def count(result: TextResult) -> None:
        usage.record(c, request_id, "text", result.provider, result.usage, result.model)

    script, result = _structured(c, EpisodeScript, request, count)
    script = script.model_copy(update={"number": number})
    episode_id = uuid.uuid4().hex
    c.blobs.put(keys.episode_json(user, story_id, number), script.model_dump_json(indent=2).encode(),
                "application/json")  # fmt: skip
    md = script.to_markdown(story_title=bible.title, provider=_label(c.text))
    c.blobs.put(keys.episode_md(user, story_id, number), md.encode(),
                "text/markdown; charset=utf-8")  # fmt: skip
    repo(c).save_episode(EpisodeRecord(
        story_id=story_id, number=number, episode_id=episode_id, user_id=user,
        title=script.title, summary=script.summary, status="GENERATING", request_id=request_id,
        s3_key=keys.episode_md(user, story_id, number),
        json_key=keys.episode_json(user, story_id, number),
        pages=len(script.pages), panels=len(script.panels),
    ))  # fmt: skip
    c.requests.update_request(request_id, episode_id=episode_id, episode_number=number)
    return episode_id


def load_episode(c: Context, episode_id: str) -> tuple[EpisodeRecord, EpisodeScript]:
    """An episode's record and its script."""
    record = repo(c).get_episode(episode_id)
    return record, EpisodeScript.model_validate_json(c.blobs.get(record.json_key))
