"""The item table on SQLite: one ``items`` table with the single-table keys and two indexes.

WAL journal so readers never block the writer; every write runs in ``BEGIN IMMEDIATE`` so
conditions are checked and applied atomically even with several processes.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

from mangaflow.platform.errors import ConditionFailed, StorageError
from mangaflow.platform.ports import Delete, Item, ItemTable, Put

_SCHEMA = """
CREATE TABLE IF NOT EXISTS items (
    pk TEXT NOT NULL, sk TEXT NOT NULL,
    gsi1pk TEXT, gsi1sk TEXT, gsi2pk TEXT, gsi2sk TEXT,
    data TEXT NOT NULL,
    PRIMARY KEY (pk, sk)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS items_gsi1 ON items (gsi1pk, gsi1sk) WHERE gsi1pk IS NOT NULL;
CREATE INDEX IF NOT EXISTS items_gsi2 ON items (gsi2pk, gsi2sk) WHERE gsi2pk IS NOT NULL;
"""

_INDEX_COLUMNS = {"": ("pk", "sk"), "GSI1": ("gsi1pk", "gsi1sk"), "GSI2": ("gsi2pk", "gsi2sk")}


def _escape_like(prefix: str) -> str:
    return prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _wal(conn: sqlite3.Connection, seconds: float = 30.0) -> None:
    """Switch to WAL. Converting a new database takes an exclusive lock that SQLite's busy
    handler does not wait for, so two processes opening one new home at once (two CLI runs)
    would see "database is locked": retry for up to ``seconds``."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


class SqliteItemTable(ItemTable):
    """:class:`~mangaflow.platform.ports.ItemTable` on a SQLite file (one connection per thread)."""

    def __init__(self, path: Path | str) -> None:
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        # Writers of this process queue here rather than in SQLite's sleeping busy-retry
        # (which waits up to ~100 ms per attempt); other processes still meet BEGIN IMMEDIATE.
        self._write_lock = threading.Lock()
        with self._conn() as conn:
            conn.executescript(_SCHEMA)

    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            conn.execute("PRAGMA busy_timeout=30000")
            _wal(conn)
            conn.execute("PRAGMA synchronous=NORMAL")
            self._local.conn = conn
        return conn

    # -- writes
    def put(self, op: Put) -> None:
        self.transact([op])

    def delete(self, pk: str, sk: str) -> None:
        self.transact([Delete(pk, sk)])

    def transact(self, ops: Sequence[Put | Delete]) -> None:
        with self._write_lock:
            self._transact(ops)

    def _transact(self, ops: Sequence[Put | Delete]) -> None:
        conn = self._conn()
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                for i, op in enumerate(ops):
                    if isinstance(op, Delete):
                        conn.execute("DELETE FROM items WHERE pk=? AND sk=?", (op.pk, op.sk))
                        continue
                    self._check(conn, op, i)
                    it = op.item
                    conn.execute(
                        "INSERT OR REPLACE INTO items VALUES (?,?,?,?,?,?,?)",
                        (
                            it["PK"], it["SK"], it.get("GSI1PK"), it.get("GSI1SK"),
                            it.get("GSI2PK"), it.get("GSI2SK"), json.dumps(it, sort_keys=True),
                        ),
                    )  # fmt: skip
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        except ConditionFailed:
            raise
        except (sqlite3.Error, KeyError, TypeError) as exc:
            raise StorageError(f"sqlite write failed: {exc}") from exc

    @staticmethod
    def _check(conn: sqlite3.Connection, op: Put, index: int) -> None:
        if not (op.if_not_exists or op.if_equals):
            return
        row = conn.execute(
            "SELECT data FROM items WHERE pk=? AND sk=?", (op.item["PK"], op.item["SK"])
        ).fetchone()
        key = f"{op.item['PK']}|{op.item['SK']}"
        if op.if_not_exists and row is not None:
            raise ConditionFailed(f"item {key} already exists", details={"op": index})
        if op.if_equals:
            current = json.loads(row[0]) if row else {}
            for attr, want in op.if_equals.items():
                if current.get(attr) != want:
                    raise ConditionFailed(
                        f"item {key}: {attr} is {current.get(attr)!r}, expected {want!r}",
                        details={"op": index},
                    )

    # -- reads
    def get(self, pk: str, sk: str) -> Item | None:
        row = self._conn().execute(
            "SELECT data FROM items WHERE pk=? AND sk=?", (pk, sk)
        ).fetchone()
        return json.loads(row[0]) if row else None

    def query(
        self,
        pk: str,
        sk_prefix: str = "",
        *,
        index: Literal["", "GSI1", "GSI2"] = "",
        descending: bool = False,
        limit: int | None = None,
    ) -> list[Item]:
        pcol, scol = _INDEX_COLUMNS[index]
        sql = f"SELECT data FROM items WHERE {pcol}=?"
        args: list[object] = [pk]
        if sk_prefix:
            sql += f" AND {scol} LIKE ? ESCAPE '\\'"
            args.append(_escape_like(sk_prefix) + "%")
        sql += f" ORDER BY {scol} {'DESC' if descending else 'ASC'}"
        if limit is not None:
            sql += " LIMIT ?"
            args.append(limit)
        try:
            rows = self._conn().execute(sql, args).fetchall()
        except sqlite3.Error as exc:
            raise StorageError(f"sqlite query failed: {exc}") from exc
        return [json.loads(r[0]) for r in rows]
