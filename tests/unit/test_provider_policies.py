"""What the services do around providers: insights fallback, content refusals, cost, limits."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from mangaflow.bootstrap import build
from mangaflow.manga.art.engine import OfflineImageModel
from mangaflow.manga.services import episode, panels, story
from mangaflow.manga.services.prompts import SAFER_IMAGE
from mangaflow.manga.services.submit import submit_preferences
from mangaflow.manga.taste import OfflineInsights
from mangaflow.platform.config import get_settings
from mangaflow.platform.context import Context
from mangaflow.platform.errors import ContentRejected, ProviderAuthError, ProviderUnavailable
from mangaflow.platform.limits import ProviderLimiter
from mangaflow.platform.ports import ImageRequest, ImageResult, InsightsResult, TasteInsights
from tests.conftest import VALID_PREFS, make_settings
from tests.doubles import ScriptedText


class FlakyInsights(TasteInsights):
    name = "flaky"

    def __init__(self, error: type[Exception] | None) -> None:
        self.error = error

    def insights(self, genres: Any, themes: Any) -> InsightsResult:
        if self.error is not None:
            raise self.error("insights service down")
        return OfflineInsights().insights(genres, themes)


class RefusingImage(OfflineImageModel):
    name = "refusing"

    def __init__(self, refusals: int) -> None:
        self.refusals = refusals
        self.prompts: list[str] = []

    def generate(self, request: ImageRequest) -> ImageResult:
        self.prompts.append(request.prompt)
        if len(self.prompts) <= self.refusals:
            raise ContentRejected("blocked by the safety system")
        return super().generate(request)


def container(tmp_path: Path, **parts: Any) -> Context:
    defaults: dict[str, Any] = {"text": ScriptedText(), "image": OfflineImageModel(),
                                "insights": OfflineInsights()}  # fmt: skip
    settings = parts.pop("settings", make_settings(tmp_path / "home"))
    return build(settings, **{**defaults, **parts})


def new_request(c: Context, prefs: dict[str, Any] = VALID_PREFS) -> str:
    return submit_preferences(c, "alice", {**prefs, "pagesPerEpisode": 1},
                              publish=False).request_id  # fmt: skip


def test_insights_fall_back_to_the_cache_and_the_request_says_so(tmp_path: Path) -> None:
    c = container(tmp_path)
    story.gather_insights(c, new_request(c))  # fills the cache for these preferences
    down = container(tmp_path, insights=FlakyInsights(ProviderUnavailable))
    rid = new_request(down)
    insights = story.gather_insights(down, rid)
    assert insights["recommendations"]
    req = down.requests.get_request(rid)
    assert req.params.get("insightsFallback") is True
    assert any("cached insights" in n for n in req.notes)
    assert story.write_story(down, rid, insights)


def test_insights_down_without_cache_fails_clearly(tmp_path: Path) -> None:
    c = container(tmp_path, insights=FlakyInsights(ProviderUnavailable))
    with pytest.raises(ProviderUnavailable, match="no cached insights"):
        story.gather_insights(c, new_request(c))


def test_insights_auth_errors_do_not_fall_back(tmp_path: Path) -> None:
    c = container(tmp_path)
    story.gather_insights(c, new_request(c))
    broken = container(tmp_path, insights=FlakyInsights(ProviderAuthError))
    with pytest.raises(ProviderAuthError):
        story.gather_insights(broken, new_request(broken))


def test_a_refused_text_gets_one_safer_reprompt(tmp_path: Path) -> None:
    text = ScriptedText(failures=1, error=ContentRejected)
    c = container(tmp_path, text=text)
    rid = new_request(c)
    assert story.write_story(c, rid, {})
    assert text.calls == 2
    twice = ScriptedText(failures=2, error=ContentRejected)
    c2 = container(tmp_path / "2", text=twice)
    with pytest.raises(ContentRejected, match="safer re-prompt"):
        story.write_story(c2, new_request(c2), {})
    assert twice.calls == 2


def draw_first_panel(c: Context) -> str:
    rid = new_request(c)
    story_id = story.write_story(c, rid, {})
    episode_id = episode.write_episode(c, rid, story_id, 1)
    return panels.draw_panel(c, rid, episode_id, 1)


def test_a_refused_panel_gets_one_safer_prompt(tmp_path: Path) -> None:
    image = RefusingImage(refusals=1)
    c = container(tmp_path, image=image)
    assert c.blobs.exists(draw_first_panel(c))
    assert len(image.prompts) == 2 and SAFER_IMAGE in image.prompts[1]
    stubborn = RefusingImage(refusals=2)
    c2 = container(tmp_path / "2", image=stubborn)
    with pytest.raises(ContentRejected, match="twice"):
        draw_first_panel(c2)


def test_usage_carries_estimated_cost_from_the_price_table(tmp_path: Path) -> None:
    prices = {"offline:mangaflow-offline-writer-1": {"input_per_1k": 1.0, "output_per_1k": 2.0},
              "offline": {"per_image": 0.5}}  # fmt: skip
    c = container(tmp_path, settings=make_settings(tmp_path / "home", prices=prices))
    rid = new_request(c)
    story.write_story(c, rid, {})
    rows = c.requests.usage_summary(rid)
    text_row = next(v for k, v in rows.items() if k.startswith("text/"))
    expected = text_row["input_tokens"] / 1000 * 1.0 + text_row["output_tokens"] / 1000 * 2.0
    assert text_row["cost_usd"] == pytest.approx(expected, abs=1e-5) and expected > 0


def test_limiter_bounds_concurrency_and_rate() -> None:
    limiter = ProviderLimiter(concurrency=2, rpm=0)
    active, peak, lock = [0], [0], threading.Lock()

    def call() -> None:
        with limiter.slot():
            with lock:
                active[0] += 1
                peak[0] = max(peak[0], active[0])
            time.sleep(0.02)
            with lock:
                active[0] -= 1

    threads = [threading.Thread(target=call) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert peak[0] == 2
    now = [100.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    rated = ProviderLimiter(concurrency=8, rpm=3, clock=lambda: now[0], sleep=sleep)
    for _ in range(3):
        with rated.slot():
            now[0] += 5.0  # three calls, 5 s apart: no waiting
    assert slept == []
    with rated.slot():  # the fourth start waits until the first is a minute old
        pass
    assert now[0] == pytest.approx(160.0) and sum(slept) == pytest.approx(45.0)


def test_providers_command_reports_selection_and_configuration(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mangaflow.cli import app

    monkeypatch.setenv("MANGAFLOW_HOME", str(tmp_path / "home"))
    ok = CliRunner().invoke(app, ["providers"])
    assert ok.exit_code == 0 and "offline" in ok.output and "complete" in ok.output
    monkeypatch.setenv("MANGAFLOW_TEXT_PROVIDER", "nonesuch")
    get_settings.cache_clear()
    bad = CliRunner().invoke(app, ["providers"])
    assert bad.exit_code == 1 and "not registered" in bad.output


def test_a_plugin_whose_package_is_not_installed_is_left_out(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The API Lambda's package has no ``flows``: the ``prefect`` bus it registers is then
    unknown (selecting it names what is registered), while everything else loads."""
    from importlib.metadata import EntryPoint

    from mangaflow.platform import registry as registry_module
    from mangaflow.platform.errors import ConfigError

    real = registry_module.entry_points(group=registry_module.BUS_GROUP)
    absent = EntryPoint("gone", "not_installed_pkg.bus:register", registry_module.BUS_GROUP)
    broken = EntryPoint("broken", "mangaflow.platform.no_such_module:register",
                        registry_module.BUS_GROUP)  # fmt: skip
    monkeypatch.setattr(registry_module, "entry_points", lambda group: [*real, absent])
    loaded = registry_module.load_registry(registry_module.BUS_GROUP)
    assert {"inline", "eventbridge", "prefect"} <= set(loaded.bus)
    with pytest.raises(ConfigError, match="unknown event bus 'gone'"):
        loaded.create_bus("gone", None)
    monkeypatch.setattr(registry_module, "entry_points", lambda group: [*real, broken])
    with pytest.raises(ModuleNotFoundError):  # a module missing inside our own package is a bug
        registry_module.load_registry(registry_module.BUS_GROUP)


def test_an_unknown_bus_names_the_registered_ones() -> None:
    from mangaflow.platform.errors import ConfigError
    from mangaflow.platform.registry import build_bus

    with pytest.raises(ConfigError, match=r"unknown event bus 'kafka' \(registered: "
                                          r"eventbridge, inline, prefect\); set MANGAFLOW_EVENT_BUS"):  # fmt: skip
        build_bus("kafka", None)
    assert build_bus("inline", None).in_process
