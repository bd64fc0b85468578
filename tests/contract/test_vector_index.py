"""The qdrant vector index: the contract (:mod:`mangaflow.testing.vectors`) in embedded
local mode on disk and in memory, each searched by the exact numpy mirror and by Qdrant
itself (``exact=False``: the filter translation the server path uses); then settings-built
clients, including the server / Qdrant Cloud construction (no network)."""

from __future__ import annotations

import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from mangaflow.platform.adapters.vector.qdrant import ID_KEY, QdrantVectorIndex, to_filter
from mangaflow.platform.errors import ConfigError
from mangaflow.platform.ports import VectorFilter, VectorIndex, VectorPoint
from mangaflow.platform.registry import build_vector_index, load_registry
from mangaflow.testing.vectors import VectorIndexContract
from tests.conftest import make_settings


class TestQdrantLocalPath(VectorIndexContract):
    adapter = QdrantVectorIndex

    @pytest.fixture(params=[True, False], ids=["exact", "qdrant"])
    def index(self, tmp_path: Path, request: pytest.FixtureRequest) -> Any:
        index = QdrantVectorIndex(path=str(tmp_path / "qdrant"), exact=request.param)
        yield index
        index.close()

    @pytest.fixture
    def reopen(self, tmp_path: Path) -> Callable[[VectorIndex], VectorIndex]:
        def again(index: VectorIndex) -> VectorIndex:
            index.close()
            return QdrantVectorIndex(path=str(tmp_path / "qdrant"))

        return again


class TestQdrantInMemory(VectorIndexContract):
    adapter = QdrantVectorIndex

    @pytest.fixture(params=[True, False], ids=["exact", "qdrant"])
    def index(self, request: pytest.FixtureRequest) -> Any:
        index = QdrantVectorIndex(location=":memory:", exact=request.param)
        yield index
        index.close()

    @pytest.fixture
    def reopen(self) -> None:
        return None


def test_settings_default_to_local_files_under_home(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "home")
    index = build_vector_index(settings, load_registry())
    try:
        assert isinstance(index, QdrantVectorIndex) and index.local and index.exact
        assert (tmp_path / "home" / "qdrant").is_dir()
        index.ensure_collection("c", 3)
        index.upsert("c", [VectorPoint("x", [1, 2, 3], {"title": "X"})])
    finally:
        index.close()
    assert any((tmp_path / "home" / "qdrant").rglob("*"))


def test_server_url_and_api_key_build_a_remote_client_without_network(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_network(*_: Any, **__: Any) -> None:
        raise AssertionError("a network connection was attempted")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    settings = make_settings(tmp_path / "home", qdrant_url="https://abc.cloud.qdrant.io:6333",
                             qdrant_api_key="qd-secret-key")  # fmt: skip
    index = QdrantVectorIndex(settings)
    remote = index.client._client
    assert type(remote).__name__ == "QdrantRemote"
    assert not index.local and not index.exact and index.url.startswith("https://abc.")
    assert remote.rest_uri == "https://abc.cloud.qdrant.io:6333"
    assert remote._rest_headers.get("api-key") == "qd-secret-key"
    assert not (tmp_path / "home" / "qdrant").exists()  # no local files for a server
    with pytest.raises(ConfigError, match="MANGAFLOW_QDRANT_URL"):
        make_settings(tmp_path / "home", qdrant_url="abc.cloud.qdrant.io")


def test_filters_translate_to_qdrant_conditions() -> None:
    flt = VectorFilter(equals={"type": "TV"}, any_of={"tags": ["a", "b"]}, all_of={"g": ["x", "y"]},
                       ranges={"year": (2000, None)}, exclude={"airing": [True]})  # fmt: skip
    q = to_filter(flt, exclude_ids=["id1"])
    assert [c.key for c in q.must] == ["type", "tags", "g", "g", "year"]
    assert q.must[1].match.any == ["a", "b"] and q.must[4].range.gte == 2000
    assert q.must[4].range.lte is None and q.must_not[0].match.value is True
    assert len(q.must_not[1].has_id) == 1
    assert to_filter(None) is None and to_filter(VectorFilter()) is None


def test_reserved_payload_key_and_unknown_collection(tmp_path: Path) -> None:
    index = QdrantVectorIndex(location=":memory:")
    index.ensure_collection("c", 2)
    with pytest.raises(ConfigError, match=ID_KEY):
        index.upsert("c", [VectorPoint("x", [1, 0], {ID_KEY: "y"})])
    from mangaflow.platform.errors import NotFound

    with pytest.raises(NotFound):
        index.search("missing", [1, 0])
    index.close()


def test_a_local_index_open_in_another_process_is_a_clear_error(tmp_path: Path) -> None:
    """Embedded Qdrant locks its folder: a second process gets a ConfigError saying what to do."""
    import subprocess
    import sys
    import textwrap

    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import sys, time
        from qdrant_client import QdrantClient
        c = QdrantClient(path={str(tmp_path)!r})
        print("ready", flush=True)
        time.sleep(60)
    """)], stdout=subprocess.PIPE, text=True)  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        with pytest.raises(ConfigError, match="open in another process.*MANGAFLOW_QDRANT_URL"):
            QdrantVectorIndex(path=str(tmp_path))
    finally:
        holder.kill()
        holder.wait()
