"""Test doubles at the provider edge: real offline providers wrapped to fail or to count."""

from __future__ import annotations

import threading
import time

from mangaflow.manga.art.engine import OfflineImageModel
from mangaflow.manga.writer.model import OfflineTextModel
from mangaflow.platform.errors import MangaFlowError
from mangaflow.platform.ports import (
    ImageModel,
    ImageRequest,
    ImageResult,
    TextModel,
    TextRequest,
    TextResult,
)


class ScriptedText(TextModel):
    """The offline writer, except that the first ``failures`` calls raise ``error``."""

    name = "scripted"
    offline = True

    def __init__(self, failures: int = 0, error: type[MangaFlowError] | None = None) -> None:
        self.inner = OfflineTextModel()
        self.failures = failures
        self.error = error
        self.calls = 0
        self._lock = threading.Lock()

    def complete(self, request: TextRequest) -> TextResult:
        with self._lock:
            self.calls += 1
            failing = self.error is not None and self.calls <= self.failures
        if failing:
            assert self.error is not None
            raise self.error(f"scripted failure {self.calls}")
        return self.inner.complete(request)


class CountingImage(ImageModel):
    """The offline artist, counting calls and the most calls in flight at once. With
    ``error``: every call raises it, or with ``doomed=N`` only the calls for the first N
    distinct prompts it sees (those panels fail every attempt; the others are drawn)."""

    name = "counting"
    offline = True
    max_concurrency = 64

    def __init__(
        self, delay: float = 0.0, error: type[MangaFlowError] | None = None, doomed: int = 0
    ) -> None:
        self.inner = OfflineImageModel()
        self.delay = delay
        self.error = error
        self.doomed = doomed
        self.doomed_prompts: set[str] = set()
        self.calls = 0
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()

    def generate(self, request: ImageRequest) -> ImageResult:
        with self._lock:
            self.calls += 1
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            if self.doomed and len(self.doomed_prompts) < self.doomed:
                self.doomed_prompts.add(request.prompt)
            failing = self.error is not None and (
                not self.doomed or request.prompt in self.doomed_prompts
            )
        try:
            if self.delay:
                time.sleep(self.delay)
            if failing:
                assert self.error is not None
                raise self.error("scripted image failure")
            return self.inner.generate(request)
        finally:
            with self._lock:
                self.in_flight -= 1
