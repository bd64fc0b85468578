"""Lettering and export. Pages are lettered one at a time (as soon as their panels exist, so
lettering overlaps drawing), then the PDF and CBZ are assembled from the stored pages."""

from __future__ import annotations

import json
from typing import Any

from mangaflow.manga import compose
from mangaflow.manga.domain import keys
from mangaflow.manga.repository import repo
from mangaflow.manga.services.episode import load_episode
from mangaflow.manga.services.episode_context import load_episode_context
from mangaflow.platform.context import Context
from mangaflow.platform.errors import NotFound


def _footer(c: Context) -> str:
    return "MangaFlow · offline providers" if c.offline or c.image.offline else "MangaFlow"


def letter_page(c: Context, request_id: str, episode_id: str, page_number: int) -> str:
    """Letter one page from its panel images; stores the PNG (and its layout notes)."""
    ep = load_episode_context(c, episode_id)
    record, script, prefs = ep.record, ep.script, ep.prefs
    page = script.pages[page_number - 1]
    images: dict[int, bytes] = {}
    for panel in page.panels:
        try:
            # The current image: a regenerated panel has a later version.
            images[panel.number] = c.blobs.get(record.panel_key(panel.number))
        except NotFound:
            raise NotFound(f"panel {panel.number} of episode {episode_id} has no image") from None
    layout = compose.plan_layouts(script.pages, prefs.reading_direction)[page_number - 1]
    rendered = compose.render_page(
        page, images, direction=prefs.reading_direction, monochrome=prefs.monochrome,
        footer=_footer(c), story=ep.bible, layout=layout,
    )  # fmt: skip
    user, story_id, n = record.user_id, record.story_id, record.number
    key = keys.page_png(user, story_id, n, page_number)
    meta = {"layout": rendered.layout, "overflow": rendered.overflow, "size": rendered.size,
            "monochrome": rendered.monochrome, "panels": rendered.panel_numbers}  # fmt: skip
    c.blobs.put(key.removesuffix(".png") + ".json", json.dumps(meta).encode(), "application/json")
    return c.blobs.put(key, rendered.png, "image/png")


def export_episode(c: Context, request_id: str, episode_id: str) -> dict[str, Any]:
    """Assemble ``episode.pdf`` and ``episode.cbz`` from the lettered pages."""
    c.requests.mark_stage(request_id, "lettering")
    c.progress.stage(request_id, "lettering", "PDF and CBZ")
    ep = load_episode_context(c, episode_id)
    script, bible, prefs = ep.script, ep.bible, ep.prefs
    user, story_id, n = ep.record.user_id, ep.record.story_id, ep.record.number
    pages: list[compose.RenderedPage] = []
    for page in script.pages:
        key = keys.page_png(user, story_id, n, page.number)
        meta = json.loads(c.blobs.get(key.removesuffix(".png") + ".json"))
        pages.append(compose.RenderedPage(
            number=page.number, png=c.blobs.get(key), layout=meta["layout"], panels=[],
            bubbles=[], overflow=meta["overflow"], size=tuple(meta["size"]),
            panel_numbers=meta["panels"], monochrome=meta["monochrome"],
        ))  # fmt: skip
    providers = c.provider_labels
    offline = c.text.offline or c.image.offline
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
    page_keys = [keys.page_png(user, story_id, n, p.number) for p in pages]
    repo(c).update_episode(
        episode_id, status="COMPLETED", pdf_s3_key=pdf_key, cbz_s3_key=cbz_key,
        page_keys=page_keys, layouts=[p.layout for p in pages], overflow=overflow,
    )  # fmt: skip
    if overflow:
        c.requests.add_note(request_id, f"{len(overflow)} text(s) did not fit their bubbles")
    return {"pdf": pdf_key, "cbz": cbz_key, "pages": page_keys, "story_id": story_id}


def letter_episode(c: Context, request_id: str, episode_id: str) -> dict[str, Any]:
    """Letter every page, then export (for callers outside the pipelined flow)."""
    _, script = load_episode(c, episode_id)
    for page in script.pages:
        letter_page(c, request_id, episode_id, page.number)
    return export_episode(c, request_id, episode_id)
