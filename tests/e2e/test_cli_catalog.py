"""The catalog's README commands as a user runs them: real processes, a temporary Prefect
server for the sync flow, the real embedder and embedded Qdrant."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
BIN = Path(sys.executable).parent / "mangaflow"


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN), *args], env=env, capture_output=True, text=True, timeout=400)


def test_sample_sync_search_review_snapshot_restore(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "MANGAFLOW_"))}
    env.update(MANGAFLOW_HOME=str(tmp_path / "home"), PREFECT_HOME=str(tmp_path / "prefect"),
               PREFECT_SERVER_ANALYTICS_ENABLED="false", COLUMNS="200")  # fmt: skip
    src = tmp_path / "anime.jsonl.zst"
    made = run(["catalog", "sample", str(src), "--entries", "120"], env)
    assert made.returncode == 0, made.stderr
    synced = run(["catalog", "sync", str(src)], env)
    assert synced.returncode == 0, synced.stdout[-2000:] + synced.stderr[-2000:]
    assert "imported" in synced.stdout and "120" in synced.stdout and "ODbL" in synced.stdout
    again = run(["catalog", "sync", str(src)], env)
    assert again.returncode == 0 and "Source unchanged" in again.stdout

    found = run(["catalog", "search", "magic school friendship", "--type", "TV",
                 "--limit", "5", "--json"], env)  # fmt: skip
    assert found.returncode == 0, found.stderr
    rows = json.loads(found.stdout)
    assert 0 < len(rows) <= 5 and {r["type"] for r in rows} == {"TV"}
    one = run(["catalog", "get", rows[0]["anime_id"], "--field", "title"], env)
    assert one.returncode == 0 and json.loads(one.stdout) == {"title": rows[0]["title"]}

    bad = run(["catalog", "search", "x", "--year-from", "2010", "--year-to", "2000"], env)
    assert bad.returncode == 1 and "year_from" in bad.stderr and "Traceback" not in bad.stderr
    missing = run(["catalog", "get", "no-such-id"], env)
    assert missing.returncode == 1 and "no anime with id" in missing.stderr
    broken = tmp_path / "broken.json"
    broken.write_text('{"data": [{"title": "x"')
    refused = run(["catalog", "sync", str(broken)], env)
    assert refused.returncode == 1 and "truncated" in refused.stderr and "Traceback" not in refused.stderr
    assert "No entries wait" in run(["catalog", "review", "list"], env).stdout

    snap = run(["catalog", "snapshot"], env)
    assert snap.returncode == 0 and "Snapshot of 120 entries" in snap.stdout
    snapshot_file = tmp_path / "home" / "blobs" / "processed" / "enriched_anime_database.json"
    env2 = dict(env, MANGAFLOW_HOME=str(tmp_path / "home2"))
    restored = run(["catalog", "restore", "--from", str(snapshot_file)], env2)
    assert restored.returncode == 0, restored.stderr
    assert "Restored 120 entries (120 indexed)" in restored.stdout
    again = run(["catalog", "search", rows[0]["title"], "--limit", "1", "--json"], env2)
    assert json.loads(again.stdout)[0]["anime_id"] == rows[0]["anime_id"]
