"""The SQLite item table passes the item-table contract (:mod:`mangaflow.testing.storage`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from mangaflow.platform.adapters.storage.sqlite import SqliteItemTable
from mangaflow.platform.ports import ItemTable, Put
from mangaflow.testing.storage import ItemTableContract, item


class TestSqliteItemTable(ItemTableContract):
    adapter = SqliteItemTable

    @pytest.fixture
    def table(self, tmp_path: Path) -> ItemTable:
        return SqliteItemTable(tmp_path / "db" / "mangaflow.db")

    def test_data_survives_reopening(self, tmp_path: Path) -> None:
        path = tmp_path / "m.db"
        SqliteItemTable(path).put(Put(item("K", "1", v="kept")))
        assert SqliteItemTable(path).get("K", "1")["v"] == "kept"  # type: ignore[index]
