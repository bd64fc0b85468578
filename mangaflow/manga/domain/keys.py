"""Blob key layout (the seed's S3 structure), used by every blob store."""

from __future__ import annotations


def story_md(user: str, story: str) -> str:
    return f"stories/{user}/{story}/story.md"


def story_json(user: str, story: str) -> str:
    return f"stories/{user}/{story}/story.json"


def episode_dir(user: str, story: str, number: int) -> str:
    return f"episodes/{user}/{story}/{number}"


def episode_md(user: str, story: str, number: int) -> str:
    return f"{episode_dir(user, story, number)}/episode.md"


def episode_json(user: str, story: str, number: int) -> str:
    return f"{episode_dir(user, story, number)}/episode.json"


def episode_pdf(user: str, story: str, number: int) -> str:
    return f"{episode_dir(user, story, number)}/episode.pdf"


def episode_cbz(user: str, story: str, number: int) -> str:
    return f"{episode_dir(user, story, number)}/episode.cbz"


def page_png(user: str, story: str, number: int, page: int) -> str:
    return f"{episode_dir(user, story, number)}/pages/page-{page:03d}.png"


def panel_image(user: str, story: str, number: int, panel: int, version: int = 1) -> str:
    suffix = "" if version == 1 else f".v{version}"
    return f"images/{user}/{story}/{number}/generated/image-{panel:03d}{suffix}.png"
