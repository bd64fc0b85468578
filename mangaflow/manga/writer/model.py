"""The offline text provider: writes story bibles and episode scripts from word tables.

No network and no model weights: every choice comes from ``random.Random`` seeded with
the request seed plus a sha256 of the request context, so the same request always gives
byte-identical JSON (Python's salted ``hash()`` is never used). The word tables live in
:mod:`mangaflow.manga.writer.tables`; stories are written by :mod:`.story`, episodes by
:mod:`.episode`. Other products add writers for their tasks through the
``mangaflow.offline_writers`` entry-point group (name: the task; value: a
``(context, seed) -> BaseModel`` function), so the one ``offline`` text provider serves every
product.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cache
from importlib.metadata import entry_points
from typing import Any, Protocol

from pydantic import BaseModel

from mangaflow.manga.writer.episode import write_episode
from mangaflow.manga.writer.story import write_story
from mangaflow.platform.errors import ValidationError
from mangaflow.platform.ports import TextModel, TextRequest, TextResult, Usage

MODEL_ID = "mangaflow-offline-writer-1"
WRITERS_GROUP = "mangaflow.offline_writers"
Writer = Callable[[Mapping[str, Any], int], BaseModel]


@cache
def offline_writers() -> dict[str, Writer]:
    """Every task the offline writer can write, with its writer (manga's and the plug-ins')."""
    writers: dict[str, Writer] = {"story_bible": write_story, "episode_script": write_episode}
    for ep in entry_points(group=WRITERS_GROUP):
        writers[ep.name] = ep.load()
    return writers


class OfflineTextModel(TextModel):
    """Deterministic, network-free writer for ``story_bible``, ``episode_script`` and every
    task a product registers in ``mangaflow.offline_writers``."""

    name = "offline"
    offline = True

    def complete(self, request: TextRequest) -> TextResult:
        writers = offline_writers()
        if request.task not in writers:
            message = "expected one of " + ", ".join(sorted(writers))
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
