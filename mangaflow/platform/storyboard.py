"""Storyboards: how one product hands finished work to another as pictures with narration
(e.g. a manga episode becomes a narrated motion comic in the video product) without either
importing the other. A product provides a storyboard function through the
``mangaflow.storyboards`` entry-point group (name: the source, e.g. ``manga``; value: a
``(context, user_id, ref) -> Storyboard`` function)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import Any

from mangaflow.platform.errors import ValidationError

GROUP = "mangaflow.storyboards"


@dataclass
class StoryboardShot:
    image_key: str  # a blob key of a PNG/JPEG
    narration: str
    heading: str = ""


@dataclass
class Storyboard:
    title: str
    description: str
    shots: list[StoryboardShot]
    tags: list[str] = field(default_factory=list)
    language: str = "en"


def sources() -> dict[str, Callable[..., Storyboard]]:
    return {ep.name: ep.load() for ep in entry_points(group=GROUP)}


def load(c: Any, source: str, user_id: str, ref: str) -> Storyboard:
    """The storyboard of ``ref`` (e.g. an episode id) from product ``source``."""
    found = sources()
    if source not in found:
        raise ValidationError(
            f"no storyboard source {source!r}",
            details=[{"field": "source", "message": f"one of {sorted(found) or 'none'}"}],
        )
    return found[source](c, user_id, ref)
