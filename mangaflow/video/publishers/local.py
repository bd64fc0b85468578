"""The local publisher (``video_publisher=local``, the default): a folder per video.

``publish`` copies the video, its thumbnail and captions and a ``metadata.json`` into
``<publish_dir>/<video_id>/``. The folder is written under a temporary name beside it and
renamed into place, so a reader sees a complete folder or none. The id is ``local-`` and
the first 16 hex digits of the video's SHA-256: publishing the same video again returns the
folder already there (nothing is copied twice).

A folder has no audience: :meth:`LocalFolderPublisher.statistics` reports zeros, labelled
``source="local"`` so no one mistakes them for YouTube's.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from mangaflow.video.ports import (
    Progress,
    PublishMetadata,
    PublishResult,
    VideoPublisher,
    VideoStats,
    check_files,
)

_CHUNK = 1 << 20
_ID = re.compile(r"^local-[0-9a-f]{16}$")


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(_CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def _copy(source: BinaryIO, target: BinaryIO, on_bytes: Callable[[int], None]) -> None:
    for block in iter(lambda: source.read(_CHUNK), b""):
        target.write(block)
        on_bytes(len(block))


def _now() -> datetime:
    return datetime.now(UTC)


class LocalFolderPublisher(VideoPublisher):
    """Publishes into folders under ``root`` (see the module)."""

    name = "local"

    def __init__(self, root: Path, *, clock: Callable[[], datetime] = _now) -> None:
        self.root = Path(root)
        self.clock = clock

    def folder(self, video_id: str) -> Path:
        return self.root / video_id

    def publish(
        self, video: Path, metadata: PublishMetadata, thumbnail: Path | None = None,
        captions: Path | None = None, progress: Progress | None = None,
    ) -> PublishResult:  # fmt: skip
        check_files(video, thumbnail, captions)
        sha = file_sha256(video)
        video_id = f"local-{sha[:16]}"
        final = self.folder(video_id)
        total = video.stat().st_size
        if (final / "metadata.json").is_file():
            if progress is not None:
                progress(total, total)
            return self._result(final)
        self.root.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{video_id}-", dir=self.root))
        try:
            sent = 0

            def advance(n: int) -> None:
                nonlocal sent
                sent += n
                if progress is not None:
                    progress(sent, total)

            files = {"video": f"video{video.suffix.lower()}"}
            with video.open("rb") as src, (staging / files["video"]).open("wb") as dst:
                _copy(src, dst, advance)
            for field, path in (("thumbnail", thumbnail), ("captions", captions)):
                if path is not None:
                    files[field] = f"{field}{path.suffix.lower()}"
                    shutil.copyfile(path, staging / files[field])
            record = {
                "video_id": video_id, "sha256": sha, "bytes": total, "files": files,
                "published_at": self.clock().isoformat(), "privacy": metadata.privacy,
                "publisher": self.name, "metadata": metadata.model_dump(mode="json"),
            }  # fmt: skip
            (staging / "metadata.json").write_text(json.dumps(record, indent=2, ensure_ascii=False))
            try:
                os.rename(staging, final)
            except OSError:
                if not (final / "metadata.json").is_file():
                    raise
                # Another process published the same video first: its folder stands.
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        return self._result(final)

    def _result(self, folder: Path) -> PublishResult:
        record = json.loads((folder / "metadata.json").read_text())
        return PublishResult(
            video_id=record["video_id"], url=folder.resolve().as_uri(),
            published_at=datetime.fromisoformat(record["published_at"]),
            privacy=record["privacy"], publisher=self.name,
        )  # fmt: skip

    def statistics(self, video_ids: Sequence[str]) -> dict[str, VideoStats]:
        """Zeros (a folder has no audience), labelled ``local``, for each id published here."""
        at = self.clock()
        return {vid: VideoStats(views=0, likes=0, comments=0, at=at, source="local")
                for vid in dict.fromkeys(video_ids)
                if _ID.fullmatch(vid) and (self.folder(vid) / "metadata.json").is_file()}  # fmt: skip


__all__ = ["LocalFolderPublisher", "file_sha256"]
