"""Read models for the API and dashboard: what a user may see of their own data."""

from __future__ import annotations

from typing import Any

from mangaflow.manga.repository import repo
from mangaflow.platform.context import Context
from mangaflow.platform.errors import NotFound

DOWNLOADS = {"pdf": ("pdfS3Key", "application/pdf", "episode.pdf"),
             "cbz": ("cbzS3Key", "application/vnd.comicbook+zip", "episode.cbz")}  # fmt: skip


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


def _story_summary(c: Context, record: dict[str, Any]) -> dict[str, Any]:
    episodes = [e for e in repo(c).list_episodes(record["storyId"]) if e.get("episodeId")]
    return {
        "storyId": record["storyId"], "title": record.get("title"),
        "logline": record.get("logline"), "createdAt": record.get("createdAt"),
        "characters": record.get("characters", []), "episodes": len(episodes),
    }  # fmt: skip


def story(c: Context, user_id: str, story_id: str) -> dict[str, Any]:
    record = repo(c).get_story(story_id, user_id=user_id)
    summary = _story_summary(c, record)
    summary["preferences"] = record.get("preferences")
    summary["episodes"] = [_episode_summary(e) for e in repo(c).list_episodes(story_id)
                           if e.get("episodeId")]  # fmt: skip
    return summary


def _episode_summary(e: dict[str, Any]) -> dict[str, Any]:
    return {"episodeId": e["episodeId"], "number": e["number"], "title": e.get("title"),
            "status": e.get("status"), "pages": e.get("pages"), "panels": e.get("panels")}  # fmt: skip


def episode_links(episode_id: str) -> dict[str, str]:
    return {kind: f"/episodes/{episode_id}/{kind}" for kind in DOWNLOADS}


def episode(c: Context, user_id: str, episode_id: str) -> dict[str, Any]:
    record = repo(c).get_episode(episode_id, user_id=user_id)
    out = {**_episode_summary(record), "storyId": record["storyId"],
           "summary": record.get("summary"), "layouts": record.get("layouts", []),
           "panelVersions": record.get("panelVersions", {})}  # fmt: skip
    if record.get("status") == "COMPLETED":
        out["downloads"] = episode_links(episode_id)
    return out


def download_source(c: Context, user_id: str, episode_id: str, kind: str) -> tuple[str, str, str]:
    """Blob key, media type and file name of an episode's PDF or CBZ (owner only)."""
    if kind not in DOWNLOADS:
        raise NotFound(f"no download {kind!r}; use pdf or cbz")
    record = repo(c).get_episode(episode_id, user_id=user_id)
    key_field, media, name = DOWNLOADS[kind]
    if not record.get(key_field):
        raise NotFound(f"episode {episode_id} has no {kind} yet")
    return record[key_field], media, f"{episode_id}-{name}"


def download(c: Context, user_id: str, episode_id: str, kind: str) -> tuple[bytes, str, str]:
    """Bytes, media type and file name of an episode's PDF or CBZ (owner only)."""
    key, media, name = download_source(c, user_id, episode_id, kind)
    return c.blobs.get(key), media, name
