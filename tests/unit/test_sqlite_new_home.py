"""Two processes opening one new database at once (two CLI runs on a fresh home) both get
it: switching a new file to WAL takes a lock SQLite's busy handler does not wait for."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

OPEN = "from mangaflow.platform.adapters.storage.sqlite import SqliteItemTable as T; T({!r})"


def test_processes_opening_one_new_database_at_once_all_succeed(tmp_path: Path) -> None:
    for attempt in range(12):
        path = str(tmp_path / f"home-{attempt}" / "mangaflow.db")
        procs = [subprocess.Popen([sys.executable, "-c", OPEN.format(path)],
                                  stderr=subprocess.PIPE, text=True) for _ in range(8)]  # fmt: skip
        errors = [p.communicate(timeout=120)[1] for p in procs]
        assert [p.returncode for p in procs] == [0] * 8, "\n".join(errors)
