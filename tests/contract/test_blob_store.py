"""The local-disk blob store passes the blob-store contract (:mod:`mangaflow.testing.storage`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from mangaflow.platform.adapters.storage.localfs import LocalBlobStore
from mangaflow.platform.ports import BlobStore
from mangaflow.testing.storage import BlobStoreContract


class TestLocalBlobStore(BlobStoreContract):
    adapter = LocalBlobStore

    @pytest.fixture
    def store(self, tmp_path: Path) -> BlobStore:
        return LocalBlobStore(tmp_path / "blobs")

    def test_locate_is_a_readable_path(self, store: BlobStore) -> None:
        store.put("stories/u/s/story.md", b"# hi")
        assert Path(store.locate("stories/u/s/story.md")).read_bytes() == b"# hi"
