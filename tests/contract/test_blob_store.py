"""The blob-store contract: every backend passes the same suite (local disk here; S3 under
moto subclasses it later)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from mangaflow.platform.adapters.storage.localfs import LocalBlobStore
from mangaflow.platform.errors import NotFound, ValidationError
from mangaflow.platform.ports import BlobStore


class BlobStoreContract:
    """Subclass and provide a ``store`` fixture."""

    def test_round_trip_and_overwrite(self, store: BlobStore) -> None:
        key = "episodes/u/s/1/episode.md"
        store.put(key, b"# one", "text/markdown")
        assert store.get(key) == b"# one"
        store.put(key, b"# two", "text/markdown")
        assert store.get(key) == b"# two"
        assert store.exists(key)

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
        stop = threading.Event()

        def read() -> None:
            while not stop.is_set():
                data = store.get(key)
                seen.add(data[:1] + data[-1:] + len(data).to_bytes(4, "big"))

        reader = threading.Thread(target=read)
        reader.start()
        for p in payloads[1:] * 3:
            store.put(key, p)
        stop.set()
        reader.join()
        whole = {p[:1] + p[-1:] + len(p).to_bytes(4, "big") for p in payloads}
        assert seen <= whole


class TestLocalBlobStore(BlobStoreContract):
    @pytest.fixture
    def store(self, tmp_path: Path) -> BlobStore:
        return LocalBlobStore(tmp_path / "blobs")

    def test_locate_is_a_readable_path(self, store: BlobStore) -> None:
        store.put("stories/u/s/story.md", b"# hi")
        assert Path(store.locate("stories/u/s/story.md")).read_bytes() == b"# hi"
