"""CLI output is printed literally: text from users, providers or stored records is never read
as Rich markup (a ``[/x]`` used to raise MarkupError with a traceback)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from mangaflow.bootstrap import build
from mangaflow.cli import app
from mangaflow.manga.services.submit import submit_preferences
from tests.conftest import VALID_PREFS, make_settings


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv("MANGAFLOW_HOME", str(home))
    return home


def test_status_of_an_id_that_looks_like_markup_says_not_found(home: Path) -> None:
    result = CliRunner().invoke(app, ["status", "[/x]"])
    assert result.exit_code == 1
    assert "no request [/x]" in result.output
    assert "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit)  # a clean exit, not a MarkupError


def test_a_provider_error_with_brackets_is_shown_as_written(home: Path) -> None:
    c = build(make_settings(home))
    req = submit_preferences(c, "local", VALID_PREFS, publish=False)
    error = "ProviderError: model said [/INST] [bold]no[/bold] [red]"
    c.requests.mark_finished(req.request_id, "FAILED", error=error)
    c.requests.add_note(req.request_id, "note with [/dim] inside")

    for _ in range(2):  # every later status too
        result = CliRunner().invoke(app, ["status", req.request_id])
        assert result.exit_code == 0, result.output
        assert error in result.output
        assert "note with [/dim] inside" in result.output
