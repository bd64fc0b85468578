"""``mangaflow generate`` rejects bad preferences before anything is written."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from mangaflow.cli import app

BASE = ["generate", "--genre", "Action", "--theme", "Friendship", "--art-style",
        "Black and White", "--audience", "Teens", "--rating", "PG-13"]  # fmt: skip


def swap(option: str, value: str) -> list[str]:
    args = list(BASE)
    args[args.index(option) + 1] = value
    return args


CASES = [
    ("too many genres",
     BASE + [x for g in ("Comedy", "Drama", "Horror", "Mecha", "Music") for x in ("--genre", g)],
     "genres"),
    ("unknown theme", swap("--theme", "Gardening"), "themes"),
    ("children with R", swap("--audience", "Children")[:-1] + ["R"], "contentRating"),
    ("unknown art style", swap("--art-style", "Pixel"), "artStyle"),
    ("duplicate genre", BASE + ["--genre", "Action"], "genres"),
    ("pages out of range", BASE + ["--pages", "0"], "pagesPerEpisode"),
    ("bad direction", BASE + ["--direction", "up"], "readingDirection"),
    ("notes too long", BASE + ["--notes", "x" * 501], "notes"),
]  # fmt: skip


@pytest.mark.parametrize(("case", "args", "field"), CASES, ids=[c[0] for c in CASES])
def test_invalid_input_exits_non_zero_naming_the_field(
    case: str, args: list[str], field: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    monkeypatch.setenv("MANGAFLOW_HOME", str(home))
    result = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "out")])
    assert result.exit_code == 2, result.output
    assert field in result.output
    assert "Traceback" not in result.output
    assert not home.exists() and not (tmp_path / "out").exists()  # nothing written


def test_wrong_type_is_reported_by_the_option_parser(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, [*BASE, "--pages", "many"])
    assert result.exit_code == 2 and "--pages" in result.output


def test_status_of_unknown_request(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MANGAFLOW_HOME", str(tmp_path / "home"))
    result = CliRunner().invoke(app, ["status", "nope"])
    assert result.exit_code == 1 and "no request nope" in result.output


def test_help_lists_the_commands() -> None:
    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("generate", "status", "list"):
        assert command in result.output


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("MANGAFLOW_TEXT_PROVIDER", "gpt9", "unknown text provider 'gpt9' (registered: bedrock, offline, openai)"),
        ("MANGAFLOW_IMAGE_CONCURRENCY", "lots", "image_concurrency"),
        ("MANGAFLOW_TABLE_BACKEND", "oracle", "table_backend"),
    ],
)
def test_bad_settings_are_reported_not_raised(
    variable: str, value: str, message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    monkeypatch.setenv("MANGAFLOW_HOME", str(home))
    monkeypatch.setenv(variable, value)
    result = CliRunner().invoke(app, BASE)
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output
    assert not home.exists()
