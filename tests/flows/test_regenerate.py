"""Regenerating one panel: only that panel changes, earlier versions are kept."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.manga.pipeline import generate_manga
from flows.manga.regenerate import regenerate_panel
from flows.platform.local import run_here
from mangaflow.bootstrap import build, set_context
from mangaflow.manga.domain import keys
from mangaflow.manga.repository import repo
from mangaflow.manga.services.regenerate import page_of, start_regeneration
from mangaflow.manga.taste import OfflineInsights
from mangaflow.platform.context import Context
from mangaflow.platform.errors import NotFound, ValidationError
from tests.conftest import VALID_PREFS, make_settings
from tests.doubles import CountingImage, ScriptedText

pytestmark = pytest.mark.slow
PREFS = {**VALID_PREFS, "pagesPerEpisode": 3}


@pytest.fixture
def episode(tmp_path: Path) -> tuple[Context, dict[str, str], CountingImage]:
    image = CountingImage()
    c = build(make_settings(tmp_path / "home"), text=ScriptedText(), image=image,
              insights=OfflineInsights())  # fmt: skip
    set_context(c)
    result = generate_manga(PREFS, user_id="alice", seed=3)
    return c, result, image


def snapshot(c: Context, episode_id: str) -> dict[str, bytes]:
    ep = repo(c).get_episode(episode_id)
    prefix = f"images/{ep.user_id}/{ep.story_id}/{ep.number}/generated/"
    pages = [keys.page_png(ep.user_id, ep.story_id, ep.number, n)
             for n in range(1, ep.pages + 1)]  # fmt: skip
    return {k: c.blobs.get(k) for k in [*c.blobs.list(prefix), *pages]}


def test_regenerating_a_panel_changes_only_that_panel(episode: tuple) -> None:  # type: ignore[type-arg]
    c, result, image = episode
    episode_id = result["episode_id"]
    panel = 2
    before = snapshot(c, episode_id)
    old_pdf = c.blobs.get(repo(c).get_episode(episode_id).pdf_s3_key)
    calls = image.calls

    req = start_regeneration(c, "alice", episode_id, panel)
    out = run_here(regenerate_panel, {"requestId": req.request_id})

    after = snapshot(c, episode_id)
    ep = repo(c).get_episode(episode_id)
    old_key = keys.panel_image("alice", ep.story_id, 1, panel)
    new_key = keys.panel_image("alice", ep.story_id, 1, panel, 2)
    page_key = keys.page_png("alice", ep.story_id, 1, page_of(c, episode_id, panel))
    assert image.calls == calls + 1
    assert out["image"] == new_key and after[new_key] != before[old_key]
    assert after[old_key] == before[old_key]  # the previous version is kept
    changed = {k for k in before if before[k] != after[k]}
    assert changed == {page_key}  # every other panel image and page is byte-identical
    assert ep.panel_versions == {str(panel): 2}
    new_pdf = c.blobs.get(ep.pdf_s3_key)
    assert new_pdf != old_pdf and new_pdf.startswith(b"%PDF")
    with zipfile.ZipFile(io.BytesIO(c.blobs.get(ep.cbz_s3_key))) as z:
        assert len([n for n in z.namelist() if n.startswith("page-")]) == ep.pages
    assert c.requests.get_request(req.request_id).status == "COMPLETED"

    # A second regeneration with a new prompt makes version 3 and keeps 1 and 2.
    req3 = start_regeneration(c, "alice", episode_id, panel, prompt="A quiet rooftop at dusk")
    run_here(regenerate_panel, {"requestId": req3.request_id})
    v3 = keys.panel_image("alice", ep.story_id, 1, panel, 3)
    assert c.blobs.exists(v3) and c.blobs.exists(new_key) and c.blobs.exists(old_key)
    assert repo(c).get_episode(episode_id).panel_versions == {str(panel): 3}


def test_bad_regeneration_requests_are_refused(episode: tuple) -> None:  # type: ignore[type-arg]
    c, result, image = episode
    episode_id = result["episode_id"]
    panels = repo(c).get_episode(episode_id).panels
    with pytest.raises(ValidationError) as info:
        start_regeneration(c, "alice", episode_id, panels + 1)
    assert info.value.fields == ["panel"]
    with pytest.raises(ValidationError) as info:
        start_regeneration(c, "alice", episode_id, 1, prompt="x" * 601)
    assert info.value.fields == ["prompt"]
    with pytest.raises(NotFound):
        start_regeneration(c, "mallory", episode_id, 1)  # another user's episode
    with pytest.raises(NotFound):
        start_regeneration(c, "alice", "no-such-episode", 1)


def test_cli_regenerate(episode: tuple, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[type-arg]
    c, result, image = episode
    monkeypatch.setenv("MANGAFLOW_HOME", str(c.settings.home))
    monkeypatch.setenv("MANGAFLOW_USER_ID", "alice")
    from mangaflow.cli import app

    bad = CliRunner().invoke(app, ["regenerate", result["episode_id"], "999"])
    assert bad.exit_code == 2 and "panel" in bad.output
    ok = CliRunner().invoke(app, ["regenerate", result["episode_id"], "1"])
    assert ok.exit_code == 0, ok.output
    assert "image-001.v2.png" in ok.output and "Previous image (kept)" in ok.output
