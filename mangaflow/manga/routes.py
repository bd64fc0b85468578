"""Manga's event routes: each stage's event starts the next stage's flow."""

from __future__ import annotations

from mangaflow.manga.domain.events import (
    BatchWorkflowRequested,
    EpisodeGenerationRequested,
    ImageGenerationRequested,
    PanelRegenerationRequested,
    StoryGenerationRequested,
)
from mangaflow.platform.routes import Route

ROUTES = (
    Route(StoryGenerationRequested, "generate-story", "story",
          "flows/manga/generation.py:generate_story"),
    Route(EpisodeGenerationRequested, "generate-episode", "episode",
          "flows/manga/generation.py:generate_episode"),
    Route(ImageGenerationRequested, "generate-images", "images",
          "flows/manga/generation.py:generate_images"),
    Route(BatchWorkflowRequested, "run-batch", "batch", "flows/manga/batch.py:run_batch"),
    Route(PanelRegenerationRequested, "regenerate-panel", "regenerate",
          "flows/manga/regenerate.py:regenerate_panel"),
)  # fmt: skip
