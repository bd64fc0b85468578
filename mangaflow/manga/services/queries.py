"""Read models for the API and dashboard: what a user may see of their own data."""

from __future__ import annotations

from typing import Any

from mangaflow.manga.domain.records import EpisodeRecord, StoryRecord
from mangaflow.manga.repository import repo
from mangaflow.platform.context import Context
from mangaflow.platform.errors import NotFound

DOWNLOADS = {"pdf": ("application/pdf", "episode.pdf"),
             "cbz": ("application/vnd.comicbook+zip", "episode.cbz")}  # fmt: skip


def _camel(record: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for key, value in record.items():
        head, *rest = key.split("_")
        out[head + "".join(p.title() for p in rest)] = value
    return out


def status(c: Context, user_id: str, request_id: str) -> dict[str, Any]:
    """A request's status (or a batch's, with each story's outcome)."""
    try:
        req = c.requests.get_request(request_id, user_id=user_id)
    except NotFound:
        from mangaflow.manga.services.batches import get_batch

        return get_batch(c, request_id, user_id)
    out = _camel(req.model_dump(mode="json"))
    if req.episode_id and req.status == "COMPLETED":
        out["links"] = episode_links(req.episode_id)
    return out


def stories(c: Context, user_id: str) -> list[dict[str, Any]]:
    return [_story_summary(c, s) for s in repo(c).list_stories(user_id)]


def _story_summary(c: Context, record: StoryRecord) -> dict[str, Any]:
    episodes = [e for e in repo(c).list_episodes(record.story_id) if e.written]
    return {
        "storyId": record.story_id, "title": record.title, "logline": record.logline,
        "createdAt": record.created_at, "characters": record.characters,
        "episodes": len(episodes),
    }  # fmt: skip


def story(c: Context, user_id: str, story_id: str) -> dict[str, Any]:
    record = repo(c).get_story(story_id, user_id=user_id)
    summary = _story_summary(c, record)
    summary["preferences"] = record.preferences.wire()
    summary["episodes"] = [_episode_summary(e) for e in repo(c).list_episodes(story_id)
                           if e.written]  # fmt: skip
    return summary


def _episode_summary(e: EpisodeRecord) -> dict[str, Any]:
    return {"episodeId": e.episode_id, "number": e.number, "title": e.title,
            "status": e.status, "pages": e.pages, "panels": e.panels}  # fmt: skip


def episode_links(episode_id: str) -> dict[str, str]:
    return {kind: f"/episodes/{episode_id}/{kind}" for kind in DOWNLOADS}


def episode(c: Context, user_id: str, episode_id: str) -> dict[str, Any]:
    record = repo(c).get_episode(episode_id, user_id=user_id)
    out = {**_episode_summary(record), "storyId": record.story_id, "summary": record.summary,
           "layouts": record.layouts, "panelVersions": record.panel_versions}  # fmt: skip
    if record.status == "COMPLETED":
        out["downloads"] = episode_links(episode_id)
    return out


def download_source(c: Context, user_id: str, episode_id: str, kind: str) -> tuple[str, str, str]:
    """Blob key, media type and file name of an episode's PDF or CBZ (owner only)."""
    if kind not in DOWNLOADS:
        raise NotFound(f"no download {kind!r}; use pdf or cbz")
    record = repo(c).get_episode(episode_id, user_id=user_id)
    media, name = DOWNLOADS[kind]
    key = record.pdf_s3_key if kind == "pdf" else record.cbz_s3_key
    if not key:
        raise NotFound(f"episode {episode_id} has no {kind} yet")
    return key, media, f"{episode_id}-{name}"


def download(c: Context, user_id: str, episode_id: str, kind: str) -> tuple[bytes, str, str]:
    """Bytes, media type and file name of an episode's PDF or CBZ (owner only)."""
    key, media, name = download_source(c, user_id, episode_id, kind)
    return c.blobs.get(key), media, name
