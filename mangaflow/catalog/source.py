"""Reading the anime-offline-database as a stream: the ``.json`` release (one object whose
``data`` array holds the entries), ``.jsonl`` (first line metadata, then one entry per line)
and either of them ``.zst``-compressed; from a local file or an HTTP(S) URL.

The source's version is the release's ``lastUpdate`` when it has one and always the SHA-256 of
the bytes read, so an unchanged source is recognised without parsing it twice. Every problem
is a :class:`SourceError` naming the entry (line or index) and the field."""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from pydantic import ValidationError

from mangaflow.catalog.domain import SourceEntry
from mangaflow.platform.errors import MangaFlowError

CHUNK = 1 << 16


class SourceError(MangaFlowError):
    """The source cannot be read: missing, corrupt, truncated, or an entry breaks the schema."""


@dataclass
class SourceInfo:
    location: str
    fmt: str
    metadata: dict[str, Any] = field(default_factory=dict)
    sha256: str = ""

    @property
    def version(self) -> str:
        return f"sha256:{self.sha256}"


def describe_errors(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors()[:3]:
        where = ".".join(str(p) for p in err["loc"]) or "entry"
        parts.append(f"{where}: {err['msg']}")
    return "; ".join(parts)


class _Hashing(io.RawIOBase):
    """A binary stream that hashes what passes through it."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw, self.digest = raw, hashlib.sha256()

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        data = self.raw.read(len(b))
        self.digest.update(data)
        n = len(data)
        b[:n] = data
        return n


@contextmanager
def open_bytes(location: str) -> Iterator[IO[bytes]]:
    if location.startswith(("http://", "https://")):
        import httpx

        try:
            with httpx.stream("GET", location, follow_redirects=True, timeout=60) as resp:
                if resp.status_code != 200:
                    raise SourceError(f"source {location}: HTTP {resp.status_code}")
                yield io.BufferedReader(_IterStream(resp.iter_bytes(CHUNK)))
        except httpx.HTTPError as exc:
            raise SourceError(f"source {location}: {type(exc).__name__}: {exc}") from exc
        return
    path = Path(location).expanduser()
    if not path.is_file():
        raise SourceError(f"source {location}: no such file")
    with path.open("rb") as fh:
        yield fh


class _IterStream(io.RawIOBase):
    def __init__(self, chunks: Iterator[bytes]) -> None:
        self.chunks, self.buf = chunks, b""

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        while not self.buf:
            try:
                self.buf = next(self.chunks)
            except StopIteration:
                return 0
        n = min(len(b), len(self.buf))
        b[:n], self.buf = self.buf[:n], self.buf[n:]
        return n


def _format(location: str) -> tuple[str, bool]:
    name = location.lower().split("?")[0]
    compressed = name.endswith(".zst")
    if compressed:
        name = name[:-4]
    if name.endswith(".jsonl"):
        return "jsonl", compressed
    if name.endswith(".json"):
        return "json", compressed
    raise SourceError(f"source {location}: unknown format (expected .json, .jsonl or .zst)")


class SourceReader:
    """Iterate ``(position, SourceEntry)``; afterwards :attr:`info` holds metadata and hash.
    The first entry that breaks the schema raises :class:`SourceError`."""

    def __init__(self, location: str) -> None:
        self.location = location
        self.fmt, self.compressed = _format(location)
        self.info = SourceInfo(location=location, fmt=self.fmt)

    def __iter__(self) -> Iterator[tuple[str, SourceEntry]]:
        with open_bytes(self.location) as raw:
            hashing = _Hashing(raw)
            stream: IO[bytes] = io.BufferedReader(hashing, CHUNK)
            if self.compressed:
                import zstandard

                stream = zstandard.ZstdDecompressor().stream_reader(stream, read_size=CHUNK)
            text = io.TextIOWrapper(stream, encoding="utf-8", errors="strict")
            try:
                items = self._jsonl(text) if self.fmt == "jsonl" else self._json(text)
                for where, obj in items:
                    yield where, self._entry(where, obj)
                # Drain so the hash covers the whole file.
                while hashing.readinto(bytearray(CHUNK)):
                    pass
            except UnicodeDecodeError as exc:
                raise SourceError(f"source {self.location}: not UTF-8 text ({exc.reason})") from exc
            except Exception as exc:
                if type(exc).__module__.startswith("zstd") or "zstd" in type(exc).__name__.lower():
                    raise SourceError(f"source {self.location}: corrupt zstd data: {exc}") from exc
                raise
            self.info.sha256 = hashing.digest.hexdigest()

    def _entry(self, where: str, obj: Any) -> SourceEntry:
        if not isinstance(obj, dict):
            raise SourceError(f"source {self.location}, {where}: expected an object, "
                              f"got {type(obj).__name__}")  # fmt: skip
        try:
            return SourceEntry.model_validate(obj)
        except ValidationError as exc:
            raise SourceError(f"source {self.location}, {where}: {describe_errors(exc)}") from exc

    def _jsonl(self, text: IO[str]) -> Iterator[tuple[str, Any]]:
        first = True
        for number, line in enumerate(text, start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                truncated = not line.endswith("\n")
                what = "truncated" if truncated else "not JSON"
                raise SourceError(f"source {self.location}, line {number}: {what} ({exc.msg})") from exc
            if first:
                first = False
                if isinstance(obj, dict) and "sources" not in obj:
                    self.info.metadata = obj
                    continue
            yield f"line {number}", obj
        if first:
            raise SourceError(f"source {self.location}: empty")

    def _json(self, text: IO[str]) -> Iterator[tuple[str, Any]]:
        """Stream the top-level object: metadata keys are kept, the ``data`` array is
        decoded one entry at a time (the file is never held whole)."""
        dec = json.JSONDecoder()
        buf, pos, eof = "", 0, False

        def fill() -> bool:
            nonlocal buf, pos, eof
            chunk = text.read(CHUNK)
            if not chunk:
                eof = True
                return False
            buf, pos = buf[pos:] + chunk, 0
            return True

        def skip(chars: str) -> str:
            nonlocal pos
            while True:
                while pos < len(buf) and buf[pos] in chars:
                    pos += 1
                if pos < len(buf):
                    return buf[pos]
                if not fill():
                    raise SourceError(f"source {self.location}: truncated (ended early)")

        def value() -> Any:
            nonlocal pos
            skip(ws)
            while True:
                try:
                    obj, end = dec.raw_decode(buf, pos)
                    # A number at the very end of the buffer may continue in the next chunk.
                    if end < len(buf) or eof:
                        pos = end
                        return obj
                except json.JSONDecodeError as exc:
                    if eof:
                        raise SourceError(
                            f"source {self.location}: truncated or not JSON ({exc.msg})"
                        ) from exc
                fill()

        ws = " \t\r\n"
        if skip(ws) != "{":
            raise SourceError(f"source {self.location}: not a JSON object (expected '{{')")
        pos += 1
        seen_data = False
        while True:
            ch = skip(ws + ",")
            if ch == "}":
                break
            key = value()
            if skip(ws) != ":":
                raise SourceError(f"source {self.location}: malformed object near key {key!r}")
            pos += 1
            if key != "data":
                self.info.metadata[str(key)] = value()
                continue
            seen_data = True
            if skip(ws) != "[":
                raise SourceError(f"source {self.location}: 'data' is not an array")
            pos += 1
            index = 0
            while True:
                ch = skip(ws + ",")
                if ch == "]":
                    pos += 1
                    break
                yield f"data[{index}]", value()
                index += 1
        if not seen_data:
            raise SourceError(f"source {self.location}: no 'data' array")
