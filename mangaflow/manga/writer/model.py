"""The offline text provider: writes story bibles and episode scripts from word tables.

No network and no model weights: every choice comes from ``random.Random`` seeded with
the request seed plus a sha256 of the request context, so the same request always gives
byte-identical JSON (Python's salted ``hash()`` is never used). The word tables live in
:mod:`mangaflow.manga.writer.tables`; stories are written by :mod:`.story`, episodes by
:mod:`.episode`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol

from pydantic import BaseModel

from mangaflow.manga.writer.episode import write_episode
from mangaflow.manga.writer.story import write_story
from mangaflow.platform.errors import ValidationError
from mangaflow.platform.ports import TextModel, TextRequest, TextResult, Usage

MODEL_ID = "mangaflow-offline-writer-1"


class OfflineTextModel(TextModel):
    """Deterministic, network-free writer for ``story_bible`` and ``episode_script`` tasks."""

    name = "offline"
    offline = True

    def complete(self, request: TextRequest) -> TextResult:
        writers: dict[str, Callable[[Mapping[str, Any], int], BaseModel]] = {
            "story_bible": write_story,
            "episode_script": write_episode,
        }
        if request.task not in writers:
            message = "expected story_bible or episode_script"
            raise ValidationError(f"the offline text model cannot write {request.task!r}",
                                  details=[{"field": "task", "message": message}])  # fmt: skip
        text = writers[request.task](request.context or {}, request.seed).model_dump_json()
        words_in = sum(len(str(m.get("content", "")).split()) for m in request.messages)
        usage = Usage(calls=1, input_tokens=words_in, output_tokens=len(text.split()))
        return TextResult(text=text, provider=self.name, model=MODEL_ID, usage=usage)


class _TextRegistry(Protocol):
    def add_text(self, name: str, factory: Callable[[], TextModel]) -> None: ...


def register(registry: _TextRegistry) -> None:
    """Register the offline writer under the name ``offline``."""
    registry.add_text("offline", OfflineTextModel)


__all__ = ["MODEL_ID", "OfflineTextModel", "register", "write_episode", "write_story"]
