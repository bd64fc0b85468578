"""Insights and the story bible."""

from __future__ import annotations

import uuid
from typing import Any

from mangaflow.manga.domain import keys
from mangaflow.manga.domain.records import StoryRecord
from mangaflow.manga.domain.story import StoryBible
from mangaflow.manga.repository import repo
from mangaflow.manga.services import prompts
from mangaflow.platform import usage
from mangaflow.platform.context import Context
from mangaflow.platform.errors import MangaFlowError, ProviderUnavailable
from mangaflow.platform.ports import TextRequest, TextResult


def gather_insights(c: Context, request_id: str) -> dict[str, Any]:
    """Taste insights for the request's preferences, stored with them."""
    req = c.requests.mark_stage(request_id, "insights")
    c.progress.stage(request_id, "insights", c.insights.name)
    prefs, prefs_ts = repo(c).request_preferences(request_id)
    try:
        result = c.insights.insights(prefs.genres, prefs.themes)
    except MangaFlowError as exc:
        cached = repo(c).cached_insights(prefs) if exc.retryable else None
        if cached is None:
            if exc.retryable:
                raise ProviderUnavailable(
                    f"{exc.message}; no cached insights exist for these preferences to fall "
                    "back on"
                ) from exc
            raise
        c.requests.add_note(request_id, f"insights provider {c.insights.name} unavailable "
                                    f"({exc.message}); used the last cached insights for these "
                                    "preferences")  # fmt: skip
        c.requests.update_request(request_id, params={**req.params, "insightsFallback": True})
        repo(c).save_insights(req.user_id, prefs_ts, prefs, cached, cache=False)
        return cached
    usage.record(c, request_id, "insights", result.provider, result.usage)
    insights = result.as_dict()
    repo(c).save_insights(req.user_id, prefs_ts, prefs, insights)
    return insights


def write_story(c: Context, request_id: str, insights: dict[str, Any] | None = None) -> str:
    """Write and store the story bible (``story.md`` + ``story.json``); returns the story id.
    Idempotent: a request that already has a story returns it."""
    req = c.requests.mark_stage(request_id, "story")
    if req.story_id:
        return req.story_id
    c.progress.stage(request_id, "story", c.text.name)
    prefs, _ = repo(c).request_preferences(request_id)
    insights = insights if insights is not None else (repo(c).cached_insights(prefs) or {})
    episodes = c.settings.outline_episodes
    request = TextRequest(
        task="story_bible",
        messages=prompts.story_messages(prefs, insights, episodes),
        context={"preferences": prefs.wire(), "insights": insights, "episodes": episodes},
        json_schema=StoryBible.model_json_schema(),
        seed=req.seed,
    )

    def count(result: TextResult) -> None:
        usage.record(c, request_id, "text", result.provider, result.usage, result.model)

    bible, result = _structured(c, StoryBible, request, count)
    if c.text.offline and prefs.language != "en":
        c.requests.add_note(request_id, f"the offline writer writes English only; language "
                                    f"{prefs.language!r} needs a real text provider")  # fmt: skip
    story_id = uuid.uuid4().hex
    user = req.user_id
    c.blobs.put(keys.story_json(user, story_id), bible.model_dump_json(indent=2).encode(),
                "application/json")  # fmt: skip
    md = bible.to_markdown(provider=_label(c.text))
    c.blobs.put(keys.story_md(user, story_id), md.encode(), "text/markdown; charset=utf-8")
    repo(c).save_story(StoryRecord(
        story_id=story_id, user_id=user, title=bible.title, logline=bible.logline,
        status="COMPLETED", s3_key=keys.story_md(user, story_id),
        json_key=keys.story_json(user, story_id), request_id=request_id, preferences=prefs,
        seed=req.seed, text_provider=result.provider, text_model=result.model,
        characters=[ch.name for ch in bible.characters],
    ))  # fmt: skip
    c.requests.update_request(request_id, story_id=story_id)
    return story_id


def load_story(c: Context, story_id: str) -> tuple[StoryRecord, StoryBible]:
    """A story's record and its bible."""
    record = repo(c).get_story(story_id)
    return record, StoryBible.model_validate_json(c.blobs.get(record.json_key))


def _label(model: Any) -> str:
    if model.offline and "offline" not in model.name:
        return f"{model.name} (offline)"
    return str(model.name)


def _structured(c: Context, model: Any, request: TextRequest, count: Any) -> Any:
    from mangaflow.platform.structured import generate_structured

    return generate_structured(
        c.text, model, request, repair_attempts=c.settings.repair_attempts, on_result=count,
        limiter=c.text_limiter,
    )  # fmt: skip
