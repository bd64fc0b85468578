"""Drawing panels: one image request per panel, carrying the art style and the character
bible entries of the characters present; bounded by the provider's concurrency slots."""

from __future__ import annotations

import hashlib
from dataclasses import replace

from mangaflow.manga.compose.layouts import plan_layouts
from mangaflow.manga.domain.episode import EpisodeScript, Panel
from mangaflow.manga.domain.preferences import Preferences
from mangaflow.manga.domain.story import StoryBible
from mangaflow.manga.repository import repo
from mangaflow.manga.services.episode import load_episode
from mangaflow.manga.services.episode_context import EpisodeContext, load_episode_context
from mangaflow.manga.services.prompts import SAFER_IMAGE
from mangaflow.platform import usage
from mangaflow.platform.context import Context
from mangaflow.platform.errors import ContentRejected
from mangaflow.platform.ports import CharacterLook, ImageRequest

#: Longest side of a requested panel image; the other side follows the layout cell's shape.
MAX_SIDE = 1024
NEGATIVE = "text, watermark, signature, extra limbs, deformed hands, blurry, lowres"
_MOODS = {"Horror": "eerie", "Thriller": "tense", "Psychological": "eerie", "Comedy": "happy",
          "Romance": "happy", "Slice of Life": "happy", "Drama": "sad", "Military": "tense"}  # fmt: skip


def _stable(*parts: object) -> int:
    return int.from_bytes(hashlib.sha256("|".join(map(str, parts)).encode()).digest()[:4], "big")


def image_size(cell_w: int, cell_h: int, max_side: int = MAX_SIDE) -> tuple[int, int]:
    """The cell's shape scaled so its longer side is ``max_side``, in multiples of 64."""
    scale = max_side / max(cell_w, cell_h)
    return (max(64, round(cell_w * scale / 64) * 64), max(64, round(cell_h * scale / 64) * 64))


def cell_sizes(script: EpisodeScript, direction: str) -> dict[int, tuple[int, int]]:
    """Panel number → pixel size of its cell in the page layouts."""
    sizes: dict[int, tuple[int, int]] = {}
    for page, layout in zip(script.pages, plan_layouts(script.pages, direction), strict=True):
        for panel, rect in zip(page.panels, layout.rects, strict=True):
            sizes[panel.number] = (rect.w, rect.h)
    return sizes


def build_image_request(
    bible: StoryBible, prefs: Preferences, panel: Panel, story_seed: int,
    cell: tuple[int, int], prompt: str | None = None, version: int = 1,
) -> ImageRequest:  # fmt: skip
    """The request for one panel (pure: same inputs → same request)."""
    present = [ch for name in panel.characters if (ch := bible.character(name)) is not None]
    looks = [
        CharacterLook(
            name=ch.name, appearance=ch.appearance, outfit=ch.outfit, palette=ch.palette,
            silhouette=ch.silhouette, seed=ch.seed, position=(i + 0.5) / len(present),
        )
        for i, ch in enumerate(present)
    ]  # fmt: skip
    bible_entries = "; ".join(
        f"{ch.name}: {ch.appearance}, wearing {ch.outfit}, colours {' '.join(ch.palette)}"
        for ch in present
    )
    style = f"{prefs.art_style} manga art" + (", black and white, screentone" if prefs.monochrome
                                               else ", full colour")  # fmt: skip
    text = prompt or panel.description
    # Style and characters first: some image models read only the start of a prompt.
    full = f"{style}."
    if bible_entries:
        full += f" Characters: {bible_entries}."
    full += f" {panel.shot} shot. {text}. Setting: {bible.setting}."
    width, height = image_size(*cell)
    # A stable seed per character keeps looks consistent where models take seeds.
    seed = present[0].seed if len(present) == 1 else _stable(story_seed, panel.number)
    if version > 1:  # a regenerated panel: a new drawing, still derived from the same inputs
        seed = _stable(seed, "version", version)
    mood = next((_MOODS[g] for g in prefs.genres if g in _MOODS), "neutral")
    return ImageRequest(
        prompt=full, negative_prompt=NEGATIVE, width=width, height=height, seed=seed,
        art_style=prefs.art_style, shot=panel.shot, setting=bible.setting,
        setting_kind=bible.setting_kind, description=text, characters=looks,
        monochrome=prefs.monochrome, action=panel.shot == "action" or bool(panel.sfx), mood=mood,
    )  # fmt: skip


def panel_pages(c: Context, episode_id: str) -> dict[int, list[int]]:
    """Page number → the numbers of its panels."""
    _, script = load_episode(c, episode_id)
    return {page.number: [p.number for p in page.panels] for page in script.pages}


def draw_panel(c: Context, request_id: str, episode_id: str, panel_number: int) -> str:
    """Draw one panel and store it; returns its blob key. A panel already stored is not
    drawn again (a retried or resumed run skips finished panels)."""
    key = repo(c).get_episode(episode_id).panel_key(panel_number, version=1)
    if c.blobs.exists(key):
        return key
    ep = load_episode_context(c, episode_id)
    c.blobs.put(key, generate_image(c, request_id, panel_request(ep, panel_number)), "image/png")
    return key


def panel_request(
    ep: EpisodeContext, panel_number: int, prompt: str | None = None, version: int = 1
) -> ImageRequest:
    """The image request for a panel of the episode (see :func:`build_image_request`)."""
    cell = cell_sizes(ep.script, ep.prefs.reading_direction)[panel_number]
    return build_image_request(ep.bible, ep.prefs, ep.panel(panel_number), ep.story.seed, cell,
                               prompt=prompt, version=version)  # fmt: skip


def generate_image(c: Context, request_id: str, request: ImageRequest) -> bytes:
    """One image call within the provider's limits, its usage recorded. A content-filter
    refusal gets one safer re-prompt, then fails with ``ContentRejected``."""
    try:
        return _call_image(c, request_id, request)
    except ContentRejected as exc:
        safer = replace(request, prompt=f"{request.prompt} ({SAFER_IMAGE})",
                        negative_prompt=f"{request.negative_prompt}, gore, blood, nudity")  # fmt: skip
        try:
            return _call_image(c, request_id, safer)
        except ContentRejected as again:
            raise ContentRejected(
                f"{c.image.name} refused this panel twice, also after a safer re-prompt: "
                f"{again.message}. Regenerate it with another --prompt."
            ) from exc


def _call_image(c: Context, request_id: str, request: ImageRequest) -> bytes:
    with c.image_limiter.slot():
        result = c.image.generate(request)
    usage.record(c, request_id, "image", result.provider, result.usage, result.model)
    return result.png
