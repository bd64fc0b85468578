"""Regenerating one panel: a new image version (optionally from a new prompt), its page
re-lettered, PDF and CBZ rebuilt. Earlier versions are kept."""

from __future__ import annotations

import uuid

from mangaflow.manga.repository import repo
from mangaflow.manga.services.episode import load_episode
from mangaflow.manga.services.episode_context import load_episode_context
from mangaflow.manga.services.panels import generate_image, panel_request
from mangaflow.platform.context import Context
from mangaflow.platform.errors import ValidationError
from mangaflow.platform.requests.model import GenerationRequest

MAX_PROMPT = 600


def start_regeneration(
    c: Context, user_id: str, episode_id: str, panel_number: int, prompt: str | None = None
) -> GenerationRequest:
    """Check the request and store it (PENDING). ``NotFound`` for an unknown episode or one of
    another user; ``ValidationError`` naming ``panel`` or ``prompt`` for bad values."""
    record, script = load_episode(c, episode_id)
    if record.user_id != user_id:
        repo(c).get_episode(episode_id, user_id=user_id)  # raises NotFound, same as unknown
    if record.status != "COMPLETED":
        raise ValidationError(
            f"episode {episode_id} is still being generated",
            details=[{"field": "episodeId", "message": "wait until the episode is COMPLETED"}],
        )
    numbers = [p.number for p in script.panels]
    if panel_number not in numbers:
        raise ValidationError(
            f"episode {episode_id} has panels 1-{len(numbers)}, not {panel_number}",
            details=[{"field": "panel", "message": f"must be between 1 and {len(numbers)}"}],
        )
    if prompt is not None and not (0 < len(prompt.strip()) <= MAX_PROMPT):
        raise ValidationError(
            "the new prompt must be 1-600 characters",
            details=[{"field": "prompt", "message": f"1-{MAX_PROMPT} characters"}],
        )
    version = repo(c).claim_panel_version(record.story_id, record.number, panel_number)
    req = GenerationRequest(
        request_id=uuid.uuid4().hex, user_id=user_id, type="REGENERATE",
        story_id=record.story_id, episode_id=episode_id, episode_number=record.number,
        params={"panel": panel_number, "version": version, "prompt": prompt},
    )  # fmt: skip
    repo(c).create_request(req)
    return req


def draw_new_version(c: Context, request_id: str) -> str:
    """Draw the request's panel version (skipped when already stored); returns its key."""
    req = c.requests.mark_stage(request_id, "images")
    assert req.episode_id is not None
    panel_number, version = int(req.params["panel"]), int(req.params["version"])
    ep = load_episode_context(c, req.episode_id)
    key = ep.record.panel_key(panel_number, version)
    if not c.blobs.exists(key):
        request = panel_request(ep, panel_number, prompt=req.params.get("prompt"), version=version)
        c.blobs.put(key, generate_image(c, request_id, request), "image/png")
    versions = dict(ep.record.panel_versions)
    versions[str(panel_number)] = max(version, ep.record.panel_version(panel_number))
    repo(c).update_episode(req.episode_id, panel_versions=versions)
    return key


def page_of(c: Context, episode_id: str, panel_number: int) -> int:
    return load_episode(c, episode_id)[1].page_of(panel_number)
