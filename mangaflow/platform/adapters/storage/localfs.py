"""Blob store on the local filesystem: keys map to paths under a root; writes are atomic
(temp file in the same directory, fsync, ``os.replace``)."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path, PurePosixPath

from mangaflow.platform.errors import NotFound, StorageError, ValidationError
from mangaflow.platform.ports import BlobStore


class LocalBlobStore(BlobStore):
    """:class:`~mangaflow.platform.ports.BlobStore` under ``root``."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root).resolve()
        self.root.mkdir(parents=True, exist_ok=True)

    def path(self, key: str) -> Path:
        """The file a key maps to; rejects keys that would escape the root."""
        pure = PurePosixPath(key)
        if not key or pure.is_absolute() or ".." in pure.parts or "\\" in key:
            raise ValidationError(
                f"invalid blob key {key!r}",
                details=[{"field": "key", "message": "relative, '/'-separated, no '..'"}],
            )
        return self.root.joinpath(*pure.parts)

    def _write(self, key: str, fill: Callable[[int, str], None]) -> str:
        """Write ``key`` through a temporary file in its folder (``fill(fd, tmp_path)``),
        synced, then renamed over the target: readers never see a part."""
        target = self.path(key)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
            try:
                fill(fd, tmp)
                os.replace(tmp, target)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError as exc:
            raise StorageError(f"could not write {key}: {exc}") from exc
        return key

    def put(self, key: str, data: bytes, content_type: str = "application/octet-stream") -> str:
        def fill(fd: int, tmp: str) -> None:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())

        return self._write(key, fill)

    def put_file(self, key: str, path: Path, content_type: str = "application/octet-stream") -> str:
        """Copy the file in (to a temporary name, then renamed: readers never see a part)."""

        def fill(fd: int, tmp: str) -> None:
            os.close(fd)
            shutil.copyfile(path, tmp)

        return self._write(key, fill)

    def get_file(self, key: str, path: Path) -> Path:
        try:
            shutil.copyfile(self.path(key), path)
        except FileNotFoundError:
            raise NotFound(f"no blob {key}") from None
        except OSError as exc:
            raise StorageError(f"could not read {key}: {exc}") from exc
        return Path(path)

    def get(self, key: str) -> bytes:
        try:
            return self.path(key).read_bytes()
        except FileNotFoundError:
            raise NotFound(f"no blob {key}") from None
        except OSError as exc:
            raise StorageError(f"could not read {key}: {exc}") from exc

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def list(self, prefix: str) -> list[str]:
        # Walk only the deepest directory the prefix names, not the whole store.
        base = self.root
        start = self.path(prefix.rsplit("/", 1)[0]) if "/" in prefix else base
        if not start.is_dir():
            return []
        out = []
        for p in start.rglob("*"):
            if p.is_file() and not p.name.startswith("."):
                key = p.relative_to(base).as_posix()
                if key.startswith(prefix):
                    out.append(key)
        return sorted(out)

    def locate(self, key: str) -> str:
        return str(self.path(key))
