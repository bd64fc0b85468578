"""What the video services work with, built from the platform :class:`Context`: its record
store, the speech model and the publisher (built from settings on first use)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from mangaflow.platform.context import Context
from mangaflow.platform.ports import BlobStore, SpeechModel
from mangaflow.video.store import VideoStore


@dataclass
class Studio:
    c: Context
    store: VideoStore
    _speech: SpeechModel | None = None
    _publisher: Any = None
    _blobs: BlobStore | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def settings(self) -> Any:
        return self.c.settings

    @property
    def blobs(self) -> BlobStore:
        """Where videos and their work files go: on S3 the video stack's bucket
        (``MANGAFLOW_VIDEO_BUCKET``, with its lifecycle rules), else the platform's store."""
        with self._lock:
            if self._blobs is None:
                s = self.settings
                if s.blob_backend == "s3" and s.video_bucket and s.video_bucket != s.bucket:
                    from mangaflow.platform.adapters.storage.s3 import S3BlobStore

                    self._blobs = S3BlobStore(s.video_bucket, region=s.aws_region)
                else:
                    self._blobs = self.c.blobs
            return self._blobs

    @property
    def speech(self) -> SpeechModel:
        with self._lock:
            if self._speech is None:
                from mangaflow.platform.registry import build_speech

                self._speech = build_speech(self.settings)
            return self._speech

    def publisher(self, on_usage: Any = None) -> Any:
        """The configured :class:`~mangaflow.video.ports.VideoPublisher`; ``on_usage(usage)``
        sees each priced call it makes (YouTube quota units)."""
        if self._publisher is not None:
            return self._publisher
        from mangaflow.video.publishers import build_publisher

        return build_publisher(self.settings, self.c.table, on_usage=on_usage)


_STUDIOS: dict[int, Studio] = {}
_GUARD = threading.Lock()


def studio(c: Context, *, speech: SpeechModel | None = None, publisher: Any = None) -> Studio:
    """The video parts of this context (made once per context; tests may hand in parts)."""
    with _GUARD:
        st = _STUDIOS.get(id(c))
        if st is None or st.c is not c:
            st = Studio(c=c, store=c.store(VideoStore))
            _STUDIOS[id(c)] = st
        if speech is not None:
            st._speech = speech
        if publisher is not None:
            st._publisher = publisher
        return st
