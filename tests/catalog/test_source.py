"""Reading the anime-offline-database: every release format streamed, its version, and each
kind of broken source refused with the entry and field named."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import zstandard

from mangaflow.catalog import sample
from mangaflow.catalog.source import SourceError, SourceReader

FORMATS = ["a.json", "a.jsonl", "a.json.zst", "a.jsonl.zst"]


@pytest.mark.parametrize("name", FORMATS)
def test_every_release_format_reads_the_same_entries_and_metadata(tmp_path: Path, name: str) -> None:
    data = list(sample.entries(25, seed=1))
    path = sample.write(tmp_path / name, data)
    reader = SourceReader(str(path))
    got = [e for _, e in reader]
    assert [e.title for e in got] == [d["title"] for d in data]
    assert got[3].anime_season.season == data[3]["animeSeason"]["season"]
    assert got[3].related_anime == [] and got[3].score is not None
    assert reader.info.metadata["lastUpdate"] == "2026-11-28"
    assert reader.info.version.startswith("sha256:") and len(reader.info.sha256) == 64


def test_the_version_is_the_hash_of_the_bytes(tmp_path: Path) -> None:
    data = list(sample.entries(5))
    a = SourceReader(str(sample.write(tmp_path / "a.jsonl", data)))
    b = SourceReader(str(sample.write(tmp_path / "b.jsonl", data)))
    data[0]["episodes"] += 1
    c = SourceReader(str(sample.write(tmp_path / "c.jsonl", data)))
    for r in (a, b, c):
        list(r)
    assert a.info.version == b.info.version != c.info.version


def test_a_large_json_release_is_streamed_across_chunk_boundaries(tmp_path: Path) -> None:
    data = list(sample.entries(600, seed=2))  # ~700 KB: many 64 KB chunks
    path = sample.write(tmp_path / "big.json", data, {"note": "x" * 70000})
    reader = SourceReader(str(path))
    assert sum(1 for _ in reader) == 600
    assert len(reader.info.metadata["note"]) == 70000


def _read(path: Path) -> None:
    for _ in SourceReader(str(path)):
        pass


@pytest.mark.parametrize("name", ["t.json", "t.jsonl"])
def test_a_truncated_source_is_refused(tmp_path: Path, name: str) -> None:
    path = sample.write(tmp_path / name, list(sample.entries(30)))
    raw = path.read_bytes()
    path.write_bytes(raw[: len(raw) * 2 // 3])
    with pytest.raises(SourceError, match="truncated"):
        _read(path)


def test_a_truncated_zst_is_refused(tmp_path: Path) -> None:
    path = sample.write(tmp_path / "t.jsonl.zst", list(sample.entries(200)))
    raw = path.read_bytes()
    path.write_bytes(raw[: len(raw) // 2])
    with pytest.raises(SourceError):
        _read(path)


def test_a_corrupt_zst_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "c.json.zst"
    path.write_bytes(b"\x28\xb5\x2f\xfd" + b"garbage" * 50)
    with pytest.raises(SourceError, match="zstd|truncated|corrupt"):
        _read(path)


def test_an_entry_breaking_the_schema_is_named_with_its_line_and_field(tmp_path: Path) -> None:
    data = list(sample.entries(10))
    data[6]["episodes"] = "twelve"
    path = sample.write(tmp_path / "s.jsonl", data)
    with pytest.raises(SourceError) as info:
        _read(path)
    assert "line 8" in info.value.message and "episodes" in info.value.message  # metadata is line 1


def test_a_json_entry_with_an_unknown_type_is_named_by_index(tmp_path: Path) -> None:
    data = list(sample.entries(10))
    data[4]["type"] = "SERIES"
    del data[2]["sources"]
    path = sample.write(tmp_path / "s.json", data)
    with pytest.raises(SourceError) as info:
        _read(path)
    assert "data[2]" in info.value.message and "sources" in info.value.message


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "truncated"),
        (b"[1, 2]", "not a JSON object"),
        (b'{"lastUpdate": "x"}', "no 'data' array"),
        (b'{"data": {"a": 1}}', "not an array"),
        (b'{"data": [1]}', "expected an object"),
        (b"\xff\xfe{}", "UTF-8"),
    ],
)
def test_malformed_json_sources(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "m.json"
    path.write_bytes(content)
    with pytest.raises(SourceError, match=message):
        _read(path)


def test_jsonl_garbage_line_and_unknown_format_and_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "g.jsonl"
    path.write_text(json.dumps(sample.METADATA) + "\n{not json}\n")
    with pytest.raises(SourceError, match="line 2: not JSON"):
        _read(path)
    with pytest.raises(SourceError, match="unknown format"):
        SourceReader(str(tmp_path / "x.csv"))
    with pytest.raises(SourceError, match="no such file"):
        _read(tmp_path / "missing.json")


def test_a_zst_of_a_jsonl_streams_without_holding_the_file(tmp_path: Path) -> None:
    data = list(sample.entries(50))
    body = (json.dumps(sample.METADATA) + "\n" + "".join(json.dumps(e) + "\n" for e in data)).encode()
    path = tmp_path / "s.jsonl.zst"
    # A streamed (frame without content size) compression, as release tooling may produce.
    cctx = zstandard.ZstdCompressor()
    with path.open("wb") as fh, cctx.stream_writer(fh) as w:
        w.write(body)
    assert sum(1 for _ in SourceReader(str(path))) == 50
