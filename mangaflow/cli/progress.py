"""A Rich progress display for long runs (stages and panels)."""

from __future__ import annotations

import threading

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

STAGE_LABELS = {
    "insights": "Gathering taste insights",
    "story": "Writing the story bible",
    "episode": "Writing the episode script",
    "images": "Drawing panels",
    "lettering": "Lettering pages, exporting PDF and CBZ",
    "script": "Writing the video script",
    "visuals": "Drawing stills",
    "narration": "Narrating",
    "render": "Rendering the video",
    "publish": "Publishing",
    "done": "Done",
}


class RichProgress:
    """Progress sink drawing one line per stage and a bar for panels."""

    def __init__(self, console: Console) -> None:
        self.progress = Progress(
            SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
            MofNCompleteColumn(), TimeElapsedColumn(), console=console, transient=False,
        )  # fmt: skip
        self._current: TaskID | None = None
        self._stage = ""
        self._panels: TaskID | None = None
        self._lock = threading.Lock()

    def __enter__(self) -> RichProgress:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        with self._lock:
            self._finish_current()
        self.progress.stop()

    def _finish_current(self) -> None:
        if self._current is not None:
            self.progress.update(self._current, completed=1, total=1)
            self._current = None

    def stage(self, request_id: str, stage: str, detail: str = "") -> None:
        with self._lock:
            label = STAGE_LABELS.get(stage, stage)
            text = f"{label} [dim]({escape(detail)})[/dim]" if detail else label
            if stage == self._stage and self._current is not None:  # news of the same stage
                self.progress.update(self._current, description=text)
                return
            self._finish_current()
            self._stage = stage
            if stage == "done":
                return
            if stage == "images":
                self._panels = self.progress.add_task(text, total=None)
            else:
                self._current = self.progress.add_task(text, total=1)

    def panels(self, request_id: str, done: int, total: int) -> None:
        with self._lock:
            if self._panels is not None:
                self.progress.update(self._panels, completed=done, total=total)
