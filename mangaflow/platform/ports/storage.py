"""Storage ports: :class:`ItemTable` for metadata (single-table keys, SQLite or DynamoDB) and
:class:`BlobStore` for files (local disk or S3)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

Item = dict[str, Any]


@dataclass(frozen=True)
class Put:
    """Write ``item``. ``if_not_exists`` fails the write when the key exists;
    ``if_equals`` fails it unless each named attribute currently has that value."""

    item: Item
    if_not_exists: bool = False
    if_equals: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class Delete:
    pk: str
    sk: str


class ItemTable(ABC):
    """A key-value table with the single-table design: every item has ``PK`` and ``SK``,
    and may have ``GSI1PK``/``GSI1SK`` and ``GSI2PK``/``GSI2SK`` for the two indexes.
    Writes are atomic; a failed condition raises :class:`~mangaflow.platform.errors.ConditionFailed`."""

    @abstractmethod
    def put(self, op: Put) -> None:
        """Write one item, honouring the op's condition."""

    @abstractmethod
    def get(self, pk: str, sk: str) -> Item | None:
        """The item with this key, or ``None``."""

    @abstractmethod
    def query(
        self,
        pk: str,
        sk_prefix: str = "",
        *,
        index: Literal["", "GSI1", "GSI2"] = "",
        descending: bool = False,
        limit: int | None = None,
    ) -> list[Item]:
        """Items whose partition key (of the table or the index) is ``pk`` and whose sort
        key starts with ``sk_prefix``, ordered by sort key."""

    @abstractmethod
    def transact(self, ops: Sequence[Put | Delete]) -> None:
        """Apply all ops or none; any failed condition raises ``ConditionFailed``."""

    @abstractmethod
    def delete(self, pk: str, sk: str) -> None:
        """Remove an item (no error when absent)."""


class BlobStore(ABC):
    """Files under ``/``-separated keys. ``put`` is atomic: readers see the old bytes
    or the new ones, never a partial file."""

    @abstractmethod
    def put(self, key: str, data: bytes, content_type: str = "application/octet-stream") -> str:
        """Store bytes and return the key."""

    @abstractmethod
    def get(self, key: str) -> bytes:
        """The bytes under ``key``; raises ``NotFound`` when absent."""

    @abstractmethod
    def exists(self, key: str) -> bool:
        """Whether ``key`` holds a blob."""

    @abstractmethod
    def list(self, prefix: str) -> list[str]:
        """Keys under ``prefix``, sorted."""

    @abstractmethod
    def locate(self, key: str) -> str:
        """Where a person finds the blob: a filesystem path or an ``s3://`` URL."""

    def put_file(self, key: str, path: Path, content_type: str = "application/octet-stream") -> str:
        """Store a file's bytes under ``key`` (adapters stream it; this default reads it)."""
        return self.put(key, Path(path).read_bytes(), content_type)

    def get_file(self, key: str, path: Path) -> Path:
        """Write the blob to ``path`` (adapters stream it; this default reads it whole)."""
        Path(path).write_bytes(self.get(key))
        return Path(path)

    def download_url(self, key: str, filename: str, expires: int = 300) -> str | None:
        """A time-limited URL a client may fetch the blob from directly (saved as ``filename``),
        or ``None`` when the bytes must be served by the caller (local files)."""
        return None
