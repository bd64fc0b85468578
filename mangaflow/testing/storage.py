"""Contract suites of the storage ports: :class:`ItemTableContract` and
:class:`BlobStoreContract`. Every backend (SQLite, DynamoDB; local disk, S3) passes the same
suite; each adapter's test module subclasses the contract and supplies the fixture::

    class TestSqliteItemTable(ItemTableContract):
        adapter = SqliteItemTable

        @pytest.fixture
        def table(self, tmp_path: Path) -> ItemTable:
            return SqliteItemTable(tmp_path / "mangaflow.db")
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from mangaflow.platform.errors import ConditionFailed, NotFound, ValidationError
from mangaflow.platform.ports import BlobStore, Delete, ItemTable, Put
from mangaflow.testing._base import Contract

__all__ = ["BlobStoreContract", "ItemTableContract", "item"]


def item(pk: str, sk: str, **attrs: object) -> dict[str, object]:
    return {"PK": pk, "SK": sk, **attrs}


class ItemTableContract(Contract):
    """What every :class:`ItemTable` promises. Subclass it, set ``adapter`` and provide a
    ``table`` fixture (an empty table)."""

    port = ItemTable

    def test_is_the_declared_adapter(self, table: ItemTable) -> None:
        self.check_declared_adapter(table)

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


class BlobStoreContract(Contract):
    """What every :class:`BlobStore` promises. Subclass it, set ``adapter`` and provide a
    ``store`` fixture (an empty store)."""

    port = BlobStore

    def test_is_the_declared_adapter(self, store: BlobStore) -> None:
        self.check_declared_adapter(store)

    def test_round_trip_and_overwrite(self, store: BlobStore) -> None:
        key = "episodes/u/s/1/episode.md"
        store.put(key, b"# one", "text/markdown")
        assert store.get(key) == b"# one"
        store.put(key, b"# two", "text/markdown")
        assert store.get(key) == b"# two"
        assert store.exists(key)

    def test_files_round_trip(self, store: BlobStore, tmp_path: Path) -> None:
        source = tmp_path / "in.bin"
        data = os.urandom(300_000)
        source.write_bytes(data)
        assert store.put_file("files/big.bin", source, "video/mp4") == "files/big.bin"
        assert store.get("files/big.bin") == data
        out = store.get_file("files/big.bin", tmp_path / "out.bin")
        assert out.read_bytes() == data
        with pytest.raises(NotFound):
            store.get_file("files/missing.bin", tmp_path / "none.bin")

    def test_missing_blob_is_not_found(self, store: BlobStore) -> None:
        assert not store.exists("nope/x.png")
        with pytest.raises(NotFound):
            store.get("nope/x.png")

    def test_list_by_prefix(self, store: BlobStore) -> None:
        for n in (2, 1, 3):
            store.put(f"images/u/s/1/generated/image-{n:03d}.png", b"png")
        store.put("images/u/s/2/generated/image-001.png", b"png")
        assert store.list("images/u/s/1/") == [
            f"images/u/s/1/generated/image-{n:03d}.png" for n in (1, 2, 3)
        ]
        assert store.list("images/u/none/") == []

    @pytest.mark.parametrize("key", ["../escape", "/abs/path", "a/../../b", ""])
    def test_keys_cannot_escape(self, store: BlobStore, key: str) -> None:
        with pytest.raises(ValidationError):
            store.put(key, b"x")

    def test_readers_never_see_partial_writes(self, store: BlobStore) -> None:
        key = "big/blob.bin"
        payloads = [bytes([i]) * 2_000_000 for i in range(4)]
        store.put(key, payloads[0])
        seen: set[bytes] = set()
        errors: list[BaseException] = []
        stop = threading.Event()

        def read() -> None:
            try:
                while not stop.is_set():
                    data = store.get(key)
                    seen.add(data[:1] + data[-1:] + len(data).to_bytes(4, "big"))
            except BaseException as exc:  # surfaced below: a failed read is a failed test
                errors.append(exc)

        reader = threading.Thread(target=read)
        reader.start()
        for p in payloads[1:] * 3:
            store.put(key, p)
        stop.set()
        reader.join()
        whole = {p[:1] + p[-1:] + len(p).to_bytes(4, "big") for p in payloads}
        assert not errors, errors
        assert seen, "the reader never read"
        assert seen <= whole
