"""``generate`` prints a provider's error as written, even when it looks like Rich markup (an
error text with ``[/INST]`` used to crash generate with a MarkupError traceback)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from mangaflow.bootstrap import build
from mangaflow.cli import app
from mangaflow.platform.errors import ProviderError
from mangaflow.platform.ports import TextModel, TextRequest, TextResult

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("prefect_server")]
ERROR = "the model answered: [/INST] [bold]refused[/bold] [red"


class RefusingText(TextModel):
    name = "refusing"

    def complete(self, request: TextRequest) -> TextResult:
        raise ProviderError(ERROR)


def test_generate_shows_a_markup_looking_provider_error_literally(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MANGAFLOW_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("MANGAFLOW_RETRIES", "0")

    def with_refusing_text(settings: Any, **overrides: Any) -> Any:
        return build(settings, text=RefusingText(), **overrides)

    monkeypatch.setattr("mangaflow.bootstrap.build", with_refusing_text)
    result = CliRunner().invoke(app, ["generate", "--genre", "Action", "--theme", "Friendship",
                                      "--art-style", "Black and White", "--audience", "Teens",
                                      "--rating", "PG-13", "--pages", "1"])  # fmt: skip
    assert result.exit_code == 1, result.output
    assert ERROR in " ".join(result.output.split())  # as written (Rich may wrap the line)
    assert "MarkupError" not in result.output  # (Prefect's own log of the task failure stays)
    assert isinstance(result.exception, SystemExit)  # the CLI exited; it did not crash
    request_id = result.output.split("Request ", 1)[1].split()[0]
    shown = CliRunner().invoke(app, ["status", request_id])
    assert shown.exit_code == 0 and ERROR in " ".join(shown.output.split())
