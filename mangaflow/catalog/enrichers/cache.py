"""The enrichers' HTTP cache: decoded answers kept in one SQLite file under
``<home>/cache/enrichers/`` for ``MANGAFLOW_CATALOG_ENRICHER_CACHE_SECONDS``, keyed by the
SHA-256 of method, URL and body. A 404 is kept too (as ``null``): a re-run asks the service
nothing it has already answered. Errors are never cached."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

#: What :meth:`ResponseCache.get` returns when nothing fresh is stored.
MISS = object()


def cache_key(method: str, url: str, body: str = "") -> str:
    return hashlib.sha256(f"{method.upper()}\n{url}\n{body}".encode()).hexdigest()


class ResponseCache:
    """``ttl`` seconds (0: nothing is stored or read). Safe to share between threads."""

    def __init__(self, path: Path, ttl: float, *, clock: Callable[[], float] = time.time) -> None:
        self.path, self.ttl, self._clock = Path(path), float(ttl), clock
        self._lock = threading.Lock()
        self._ready = False

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, timeout=30)
        if not self._ready:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute(
                "CREATE TABLE IF NOT EXISTS responses (key TEXT PRIMARY KEY, url TEXT NOT NULL, "
                "stored_at REAL NOT NULL, value TEXT NOT NULL)"
            )
            self._ready = True
        return conn

    def get(self, method: str, url: str, body: str = "") -> Any:
        """The stored answer (``None`` for a 404), or :data:`MISS`."""
        if self.ttl <= 0:
            return MISS
        with self._lock:
            if not self.path.exists():
                return MISS
            conn = self._connect()
            try:
                row = conn.execute(
                    "SELECT stored_at, value FROM responses WHERE key = ?",
                    (cache_key(method, url, body),),
                ).fetchone()
            finally:
                conn.close()
        if row is None or self._clock() - float(row[0]) >= self.ttl:
            return MISS
        return json.loads(row[1])

    def put(self, method: str, url: str, body: str, value: Any) -> None:
        if self.ttl <= 0:
            return
        with self._lock:
            conn = self._connect()
            try:
                with conn:
                    conn.execute(
                        "INSERT OR REPLACE INTO responses (key, url, stored_at, value) "
                        "VALUES (?, ?, ?, ?)",
                        (cache_key(method, url, body), url, self._clock(), json.dumps(value)),
                    )  # fmt: skip
            finally:
                conn.close()
