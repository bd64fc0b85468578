"""A manga episode as a storyboard (``mangaflow.storyboards`` source ``manga``): one shot per
panel, in reading order, narrated with its dialogue (speaker names before speech) or, for a
silent panel, its description."""

from __future__ import annotations

from mangaflow.manga.domain import keys
from mangaflow.manga.domain.episode import EpisodeScript
from mangaflow.manga.repository import repo
from mangaflow.platform.context import Context
from mangaflow.platform.errors import Conflict
from mangaflow.platform.storyboard import Storyboard, StoryboardShot


def episode_storyboard(c: Context, user_id: str, episode_id: str) -> Storyboard:
    ep = repo(c).get_episode(episode_id, user_id)
    if not ep.json_key or not ep.pdf_s3_key:
        raise Conflict(f"episode {episode_id} is not finished (status {ep.status}); "
                       "generate it first")  # fmt: skip
    script = EpisodeScript.model_validate_json(c.blobs.get(ep.json_key))
    shots = []
    for page in script.pages:
        for panel in page.panels:
            lines = []
            for d in panel.dialogue:
                if d.kind == "narration" or not d.speaker:
                    lines.append(d.text)
                else:
                    lines.append(f"{d.speaker}: {d.text}")
            narration = " ".join(lines) or panel.description
            version = ep.panel_versions.get(str(panel.number), 1)
            shots.append(StoryboardShot(
                image_key=keys.panel_image(user_id, ep.story_id, ep.number, panel.number, version),
                narration=narration[:2900], heading=f"Page {page.number}",
            ))  # fmt: skip
    return Storyboard(
        title=f"{script.title} (motion comic)"[:100],
        description=f"{script.summary}\n\nA narrated motion comic of episode {ep.number}, "
        "made with MangaFlow (synthetic content).",
        shots=shots, tags=["manga", "motion comic", script.title[:30]],
    )  # fmt: skip
