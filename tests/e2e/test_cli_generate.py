"""The README's main command, as a user runs it: a real process, a temporary Prefect server."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
BIN = Path(sys.executable).parent / "mangaflow"


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN), *args], env=env, capture_output=True, text=True,
                          timeout=400)  # fmt: skip


def test_generate_writes_pdf_and_cbz_and_reports_them(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "MANGAFLOW_"))}
    env.update(MANGAFLOW_HOME=str(tmp_path / "home"), PREFECT_HOME=str(tmp_path / "prefect"),
               PREFECT_SERVER_ANALYTICS_ENABLED="false", COLUMNS="120")  # fmt: skip
    out = tmp_path / "out"
    result = run(["generate", "--genre", "Action", "--genre", "Fantasy", "--theme", "Friendship",
                  "--art-style", "Black and White", "--audience", "Teens", "--rating", "PG-13",
                  "--seed", "7", "--out", str(out)], env)  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert f"PDF: {out / 'episode.pdf'}" in result.stdout
    assert f"CBZ: {out / 'episode.cbz'}" in result.stdout
    for name in ("story.md", "episode.md", "episode.pdf", "episode.cbz"):
        assert (out / name).stat().st_size > 0, name
    pdf = (out / "episode.pdf").read_bytes()
    assert len(re.findall(rb"/Type\s*/Page\b", pdf)) == 1 + 8  # title page + 8 pages
    with zipfile.ZipFile(io.BytesIO((out / "episode.cbz").read_bytes())) as z:
        assert len([n for n in z.namelist() if n.startswith("page-")]) == 8
    assert len(list((out / "panels").glob("image-*.png"))) >= 8

    request_id = re.search(r"Request (\w+)", result.stdout).group(1)  # type: ignore[union-attr]
    status = run(["status", request_id], env)
    assert status.returncode == 0 and "COMPLETED" in status.stdout
    listing = run(["list"], env)
    title = (out / "story.md").read_text().splitlines()[0].lstrip("# ").strip()
    assert listing.returncode == 0 and title[:20] in listing.stdout
