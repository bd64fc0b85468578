"""Lettering and export: compose pages from panel images and dialogue, write PDF and CBZ."""

from __future__ import annotations

from typing import Any

from mangaflow import compose
from mangaflow.bootstrap import Container
from mangaflow.domain import keys
from mangaflow.domain.preferences import Preferences
from mangaflow.errors import NotFound
from mangaflow.services.episode import load_episode
from mangaflow.services.story import load_story


def letter_episode(c: Container, request_id: str, episode_id: str) -> dict[str, Any]:
    """Compose every page, export ``episode.pdf`` and ``episode.cbz``; returns their keys."""
    c.repo.mark_stage(request_id, "lettering")
    c.progress.stage(request_id, "lettering", "pages, PDF and CBZ")
    record, script = load_episode(c, episode_id)
    user, story_id, n = record["userId"], record["storyId"], record["number"]
    story_record, bible = load_story(c, story_id)
    prefs = Preferences.model_validate(story_record["preferences"])
    versions: dict[str, int] = record.get("panelVersions", {})
    images: dict[int, bytes] = {}
    for panel in script.panels:
        key = keys.panel_image(user, story_id, n, panel.number, versions.get(str(panel.number), 1))
        try:
            images[panel.number] = c.blobs.get(key)
        except NotFound:
            raise NotFound(f"panel {panel.number} of episode {episode_id} has no image") from None
    offline = c.image.offline or c.text.offline
    footer = "MangaFlow · offline providers" if offline else "MangaFlow"
    pages = compose.render_pages(
        script, bible, images, direction=prefs.reading_direction,
        monochrome=prefs.monochrome, footer=footer,
    )  # fmt: skip
    page_keys = []
    for page in pages:
        page_keys.append(c.blobs.put(keys.page_png(user, story_id, n, page.number), page.png,
                                     "image/png"))  # fmt: skip
    providers = c.provider_labels
    note = (
        "Generated offline: story by the offline text provider, art drawn procedurally."
        if offline else f"Providers: text {providers['text']}, image {providers['image']}."
    )  # fmt: skip
    pdf = compose.write_pdf(
        pages, story=bible, episode=script, author="MangaFlow",
        keywords=[*prefs.genres, *prefs.themes, prefs.art_style,
                  *(f"{k}:{v}" for k, v in providers.items())],
        note=note,
    )  # fmt: skip
    cbz = compose.write_cbz(
        pages, story=bible, episode=script, writer=f"MangaFlow ({providers['text']})",
        language=prefs.language, direction=prefs.reading_direction,
    )  # fmt: skip
    pdf_key = c.blobs.put(keys.episode_pdf(user, story_id, n), pdf, "application/pdf")
    cbz_key = c.blobs.put(keys.episode_cbz(user, story_id, n), cbz, "application/vnd.comicbook+zip")
    overflow = [t for p in pages for t in p.overflow]
    c.repo.update_episode(
        episode_id, status="COMPLETED", pdfS3Key=pdf_key, cbzS3Key=cbz_key,
        pageKeys=page_keys, layouts=[p.layout for p in pages], overflow=overflow,
    )  # fmt: skip
    if overflow:
        c.repo.add_note(request_id, f"{len(overflow)} text(s) did not fit their bubbles")
    return {"pdf": pdf_key, "cbz": cbz_key, "pages": page_keys, "story_id": story_id}
