"""The item-table contract: every backend passes the same suite (SQLite here; DynamoDB under
moto subclasses it later)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from mangaflow.platform.adapters.storage.sqlite import SqliteItemTable
from mangaflow.platform.errors import ConditionFailed
from mangaflow.platform.ports import Delete, ItemTable, Put


def item(pk: str, sk: str, **attrs: object) -> dict[str, object]:
    return {"PK": pk, "SK": sk, **attrs}


class ItemTableContract:
    """Subclass and provide a ``table`` fixture."""

    def test_put_then_get_returns_the_item(self, table: ItemTable) -> None:
        table.put(Put(item("USER#a", "PROFILE", email="a@x", n=3, tags=["x"])))
        assert table.get("USER#a", "PROFILE") == item("USER#a", "PROFILE", email="a@x", n=3,
                                                        tags=["x"])  # fmt: skip
        assert table.get("USER#a", "MISSING") is None

    def test_if_not_exists_rejects_a_second_write(self, table: ItemTable) -> None:
        table.put(Put(item("K", "1", v=1), if_not_exists=True))
        with pytest.raises(ConditionFailed):
            table.put(Put(item("K", "1", v=2), if_not_exists=True))
        assert table.get("K", "1")["v"] == 1  # type: ignore[index]

    def test_if_equals_guards_concurrent_updates(self, table: ItemTable) -> None:
        table.put(Put(item("K", "1", version=1)))
        table.put(Put(item("K", "1", version=2), if_equals={"version": 1}))
        with pytest.raises(ConditionFailed):
            table.put(Put(item("K", "1", version=3), if_equals={"version": 1}))
        assert table.get("K", "1")["version"] == 2  # type: ignore[index]

    def test_transaction_is_all_or_nothing(self, table: ItemTable) -> None:
        table.put(Put(item("K", "taken")))
        with pytest.raises(ConditionFailed):
            table.transact([Put(item("K", "new")), Put(item("K", "taken"), if_not_exists=True)])
        assert table.get("K", "new") is None
        table.transact([Put(item("K", "new")), Delete("K", "taken")])
        assert table.get("K", "new") is not None and table.get("K", "taken") is None

    def test_query_by_prefix_in_sort_order(self, table: ItemTable) -> None:
        for sk in ("EPISODE#002", "EPISODE#001", "EPISODE#010", "STORY#x", "EPISODE_X"):
            table.put(Put(item("STORY#s", sk)))
        sks = [i["SK"] for i in table.query("STORY#s", "EPISODE#")]
        assert sks == ["EPISODE#001", "EPISODE#002", "EPISODE#010"]
        last = table.query("STORY#s", "EPISODE#", descending=True, limit=1)
        assert [i["SK"] for i in last] == ["EPISODE#010"]
        assert len(table.query("STORY#s")) == 5

    def test_prefix_characters_are_literal(self, table: ItemTable) -> None:
        table.put(Put(item("P", "A_B")))
        table.put(Put(item("P", "AXB")))
        table.put(Put(item("P", "A%C")))
        assert [i["SK"] for i in table.query("P", "A_")] == ["A_B"]
        assert [i["SK"] for i in table.query("P", "A%")] == ["A%C"]

    def test_secondary_indexes(self, table: ItemTable) -> None:
        table.put(Put(item("USER#u", "STORY#1", GSI1PK="STORY#1", GSI1SK="METADATA",
                           GSI2PK="STATUS#COMPLETED", GSI2SK="2026-01-02")))  # fmt: skip
        table.put(Put(item("USER#v", "STORY#2", GSI1PK="STORY#2", GSI1SK="METADATA",
                           GSI2PK="STATUS#COMPLETED", GSI2SK="2026-01-01")))  # fmt: skip
        assert table.query("STORY#2", "METADATA", index="GSI1")[0]["PK"] == "USER#v"
        by_status = table.query("STATUS#COMPLETED", index="GSI2")
        assert [i["SK"] for i in by_status] == ["STORY#2", "STORY#1"]

    def test_delete(self, table: ItemTable) -> None:
        table.put(Put(item("K", "1")))
        table.delete("K", "1")
        table.delete("K", "1")  # absent: no error
        assert table.get("K", "1") is None

    def test_concurrent_conditional_writers_never_lose_updates(self, table: ItemTable) -> None:
        table.put(Put(item("C", "counter", value=0)))
        per_thread, threads = 15, 4

        def bump() -> None:
            done = 0
            while done < per_thread:
                current = table.get("C", "counter")
                assert current is not None
                try:
                    table.put(Put({**current, "value": current["value"] + 1},
                                  if_equals={"value": current["value"]}))  # fmt: skip
                    done += 1
                except ConditionFailed:
                    continue

        workers = [threading.Thread(target=bump) for _ in range(threads)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        assert table.get("C", "counter")["value"] == per_thread * threads  # type: ignore[index]


class TestSqliteItemTable(ItemTableContract):
    @pytest.fixture
    def table(self, tmp_path: Path) -> ItemTable:
        return SqliteItemTable(tmp_path / "db" / "mangaflow.db")

    def test_data_survives_reopening(self, tmp_path: Path) -> None:
        path = tmp_path / "m.db"
        SqliteItemTable(path).put(Put(item("K", "1", v="kept")))
        assert SqliteItemTable(path).get("K", "1")["v"] == "kept"  # type: ignore[index]
