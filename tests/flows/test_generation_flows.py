"""The generation flows under a real Prefect server, on SQLite + local files."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest

from flows.manga.generation import generate_images
from flows.manga.pipeline import generate_manga
from flows.platform.dispatch import run_once
from mangaflow.bootstrap import build, set_context
from mangaflow.manga.domain.events import ImageGenerationRequested, StoryGenerationRequested
from mangaflow.manga.repository import repo
from mangaflow.manga.services.submit import submit_preferences
from mangaflow.manga.taste import OfflineInsights
from mangaflow.platform.context import Context
from mangaflow.platform.errors import ProviderAuthError, ProviderUnavailable
from tests.conftest import VALID_PREFS, make_settings
from tests.doubles import CountingImage, ScriptedText

pytestmark = pytest.mark.slow
SMALL = {**VALID_PREFS, "pagesPerEpisode": 2}


def wire(tmp_path: Path, text: Any = None, image: Any = None, **settings: Any) -> Context:
    c = build(
        make_settings(tmp_path / "home", **settings),
        text=text or ScriptedText(), image=image or CountingImage(), insights=OfflineInsights(),
    )
    set_context(c)
    return c


def pdf_pages(data: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page\b", data))


def test_one_episode_end_to_end(tmp_path: Path) -> None:
    c = wire(tmp_path)
    result = generate_manga(VALID_PREFS, user_id="alice", seed=7)
    req = c.requests.get_request(result["request_id"])
    assert (req.status, req.stage, req.error) == ("COMPLETED", "done", None)
    ep = repo(c).get_episode(req.episode_id, user_id="alice")
    pdf = c.blobs.get(ep.pdf_s3_key)
    assert pdf.startswith(b"%PDF") and pdf_pages(pdf) == 1 + 8
    with zipfile.ZipFile(io.BytesIO(c.blobs.get(ep.cbz_s3_key))) as z:
        pages = [n for n in z.namelist() if n.startswith("page-")]
        assert len(pages) == 8 and "ComicInfo.xml" in z.namelist()
    assert "offline" in c.blobs.get(repo(c).get_story(req.story_id).s3_key).decode()
    panels = c.blobs.list(f"images/alice/{req.story_id}/1/generated/")
    assert len(panels) == ep.panels >= 8
    assert req.usage["image/offline"]["images"] == ep.panels
    assert req.usage["text/offline"]["calls"] == 2


def test_transient_text_failures_are_retried(tmp_path: Path) -> None:
    text = ScriptedText(failures=2, error=ProviderUnavailable)
    c = wire(tmp_path, text=text)
    result = generate_manga(SMALL, user_id="alice")
    assert c.requests.get_request(result["request_id"]).status == "COMPLETED"
    assert text.calls == 2 + 2  # two failures, then the story and the episode


def test_permanent_failure_fails_fast_and_marks_the_request(tmp_path: Path) -> None:
    text = ScriptedText(failures=99, error=ProviderAuthError)
    c = wire(tmp_path, text=text)
    req = submit_preferences(c, "alice", SMALL)
    with pytest.raises(ProviderAuthError):
        generate_manga(SMALL, user_id="alice", request_id=req.request_id)
    failed = c.requests.get_request(req.request_id)
    assert failed.status == "FAILED" and failed.stage == "story"
    assert "ProviderAuthError" in (failed.error or "") and "scripted failure" in failed.error
    assert text.calls == 1  # not retried


def test_image_failures_after_retries_mark_the_request_failed(tmp_path: Path) -> None:
    image = CountingImage(error=ProviderUnavailable)
    c = wire(tmp_path, image=image, retries=1)
    req = submit_preferences(c, "alice", SMALL)
    with pytest.raises(ProviderUnavailable):
        generate_manga(SMALL, user_id="alice", request_id=req.request_id)
    failed = c.requests.get_request(req.request_id)
    assert (failed.status, failed.stage) == ("FAILED", "images")
    assert "ProviderUnavailable" in (failed.error or "")


def test_a_rerun_redraws_only_missing_panels(tmp_path: Path) -> None:
    image = CountingImage()
    c = wire(tmp_path, image=image)
    result = generate_manga(SMALL, user_id="alice")
    drawn = image.calls
    req = c.requests.get_request(result["request_id"])
    episode = repo(c).get_episode(req.episode_id)
    panel_keys = c.blobs.list(f"images/alice/{req.story_id}/1/generated/")
    kept = {k: c.blobs.get(k) for k in panel_keys[1:]}
    Path(c.blobs.locate(panel_keys[0])).unlink()  # as if the run crashed before drawing it
    Path(c.blobs.locate(episode.pdf_s3_key)).unlink()
    c.requests.update_request(req.request_id, status="PROCESSING", stage="images")

    generate_images(ImageGenerationRequested(userId="alice", requestId=req.request_id,
                                             storyId=req.story_id,
                                             episodeId=req.episode_id).detail())  # fmt: skip

    assert image.calls == drawn + 1  # only the missing panel
    assert all(c.blobs.get(k) == data for k, data in kept.items())
    assert c.blobs.exists(panel_keys[0]) and c.blobs.exists(episode.pdf_s3_key)
    assert c.requests.get_request(req.request_id).status == "COMPLETED"


def test_a_crashed_flow_leaves_the_request_failed(tmp_path: Path) -> None:
    from types import SimpleNamespace

    from prefect.states import Crashed

    from flows.platform.hooks import mark_request_failed

    c = wire(tmp_path)
    req = submit_preferences(c, "alice", SMALL, publish=False)
    c.requests.mark_stage(req.request_id, "images")
    run = SimpleNamespace(parameters={"event": {"requestId": req.request_id}})
    mark_request_failed(None, run, Crashed(message="Execution was aborted by the runtime."))
    crashed = c.requests.get_request(req.request_id)
    assert (crashed.status, crashed.stage) == ("FAILED", "images")
    assert "aborted by the runtime" in (crashed.error or "")


def test_the_same_event_delivered_twice_runs_once(tmp_path: Path) -> None:
    text = ScriptedText()
    c = wire(tmp_path, text=text)
    req = submit_preferences(c, "alice", SMALL, publish=False)
    event = StoryGenerationRequested(userId="alice", requestId=req.request_id)
    assert run_once(event) is not None
    assert run_once(event) is None
    assert len(repo(c).list_stories("alice")) == 1 and text.calls == 1


def test_panels_are_drawn_concurrently_within_the_limit(tmp_path: Path) -> None:
    image = CountingImage(delay=0.2)
    c = wire(tmp_path, image=image, image_concurrency=2)
    result = generate_manga({**VALID_PREFS, "pagesPerEpisode": 3}, user_id="alice")
    assert c.requests.get_request(result["request_id"]).status == "COMPLETED"
    assert image.calls >= 6 and image.max_in_flight == 2
