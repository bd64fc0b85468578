"""The YouTube publisher (``video_publisher=youtube``): YouTube's resumable upload protocol,
then the thumbnail and captions, every call charged to the daily quota ledger.

Upload (``videos.insert``, 1600 units, charged once per upload session):

1. ``POST {upload_url}/videos?uploadType=resumable&part=snippet,status`` with the video
   resource as JSON and ``X-Upload-Content-Length`` / ``X-Upload-Content-Type``; the answer's
   ``Location`` is the session URI.
2. ``PUT`` the file to the session in chunks (a multiple of 256 KiB) with
   ``Content-Range: bytes first-last/total``. ``308 Resume Incomplete`` carries
   ``Range: bytes=0-N``: the next chunk starts at N+1, the bytes YouTube *acknowledged*
   (not the bytes we sent). ``200``/``201`` carries the video resource.
3. A 5xx, a timeout or a dropped connection: wait (exponential backoff with jitter), ask the
   session where it stands (``PUT`` with ``Content-Range: bytes */total``, no body), read
   its ``Range`` and resume from the acknowledged byte. At most ``max_failures`` failures in
   a row without progress, then ``ProviderUnavailable``.
4. ``404``/``410``: the session expired; a new session starts (charged again, as YouTube
   charges it) from byte 0, at most ``max_sessions`` sessions per publish.

Then ``thumbnails.set`` (50 units) and ``captions.insert`` (400 units) when files are given.
Both are best effort: a failure (an unverified channel may not set custom thumbnails) is
reported in ``PublishResult.notes`` and the video stays published.
"""

from __future__ import annotations

import json
import logging
import mimetypes
import random
import re
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

import httpx

from mangaflow.platform.adapters.http import json_body
from mangaflow.platform.config import Settings
from mangaflow.platform.errors import ConfigError, ProviderError, ProviderUnavailable
from mangaflow.platform.ports import ItemTable, Usage
from mangaflow.video.ports import (
    Progress,
    PublishMetadata,
    PublishResult,
    VideoPublisher,
    VideoStats,
    check_files,
)
from mangaflow.video.youtube.data import YouTubeApi, YouTubeData
from mangaflow.video.youtube.quota import QuotaLedger, raise_for_youtube

log = logging.getLogger("mangaflow.video.youtube")

#: Upload chunks are multiples of this (the protocol's rule).
CHUNK_UNIT = 256 * 1024
DEFAULT_CHUNK = 32 * CHUNK_UNIT  # 8 MiB
WATCH_URL = "https://www.youtube.com/watch?v={id}"
_RANGE = re.compile(r"^bytes=0-(\d+)$")


def acknowledged(response: httpx.Response) -> int:
    """Bytes a ``308`` says the session holds: N+1 for ``Range: bytes=0-N``, 0 without."""
    match = _RANGE.match(response.headers.get("Range", "").strip())
    return int(match.group(1)) + 1 if match else 0


def video_resource(metadata: PublishMetadata) -> dict[str, Any]:
    """The ``snippet`` and ``status`` of a videos.insert for ``metadata``."""
    snippet: dict[str, Any] = {"title": metadata.title, "description": metadata.description,
                               "tags": list(metadata.tags), "categoryId": metadata.category_id}  # fmt: skip
    if metadata.default_language:
        snippet["defaultLanguage"] = metadata.default_language
        snippet["defaultAudioLanguage"] = metadata.default_language
    status: dict[str, Any] = {
        "privacyStatus": metadata.privacy, "selfDeclaredMadeForKids": metadata.made_for_kids,
        "containsSyntheticMedia": metadata.contains_synthetic_media,
    }  # fmt: skip
    if metadata.publish_at is not None:
        status["publishAt"] = metadata.publish_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {"snippet": snippet, "status": status}


class _SessionExpired(Exception):
    """The upload session answered 404/410: start another."""


class YouTubePublisher(VideoPublisher):
    """Uploads to the channel of the OAuth credentials (see the module)."""

    name = "youtube"

    def __init__(
        self, settings: Settings, table: ItemTable, *,
        on_usage: Callable[[Usage], None] | None = None, client: httpx.Client | None = None,
        secrets_client: Any = None, api: YouTubeApi | None = None,
        chunk_size: int = DEFAULT_CHUNK, max_failures: int = 8, max_sessions: int = 3,
        sleep: Callable[[float], None] = time.sleep, rng: random.Random | None = None,
    ) -> None:  # fmt: skip
        if chunk_size <= 0 or chunk_size % CHUNK_UNIT:
            raise ConfigError(f"YouTube upload chunk_size must be a positive multiple of "
                              f"{CHUNK_UNIT} bytes (256 KiB); got {chunk_size}")  # fmt: skip
        quota = QuotaLedger(table, settings.youtube_daily_quota, on_usage=on_usage)
        self.api = api or YouTubeApi(settings, quota, client=client, secrets_client=secrets_client)
        self.data = YouTubeData(self.api, region=settings.youtube_region)
        self.chunk_size = chunk_size
        self.max_failures = max(1, max_failures)
        self.max_sessions = max(1, max_sessions)
        self.backoff = settings.provider_retry_backoff_seconds
        self.jitter = settings.retry_jitter
        self._sleep = sleep
        self._rng = rng or random.Random()

    # ----------------------------------------------------------------------- publishing

    def publish(
        self, video: Path, metadata: PublishMetadata, thumbnail: Path | None = None,
        captions: Path | None = None, progress: Progress | None = None,
    ) -> PublishResult:  # fmt: skip
        check_files(video, thumbnail, captions)
        resource = self.upload(video, metadata, progress)
        video_id = resource.get("id")
        if not isinstance(video_id, str) or not video_id:
            raise ProviderUnavailable("YouTube finished the upload without a video id")
        notes = []
        if thumbnail is not None:
            try:
                self.set_thumbnail(video_id, thumbnail)
            except ProviderError as exc:
                notes.append(f"thumbnail not set: {exc.message}")
        if captions is not None:
            try:
                self.add_captions(video_id, captions, metadata.default_language or "en")
            except ProviderError as exc:
                notes.append(f"captions not added: {exc.message}")
        for note in notes:
            log.warning("YouTube video %s published; %s", video_id, note)
        snippet = resource.get("snippet") or {}
        status = resource.get("status") or {}
        published = snippet.get("publishedAt")
        return PublishResult(
            video_id=video_id, url=WATCH_URL.format(id=video_id),
            published_at=published or datetime.now(UTC),
            privacy=status.get("privacyStatus") or metadata.privacy,
            publisher=self.name, notes=tuple(notes),
        )  # fmt: skip

    def upload(
        self, video: Path, metadata: PublishMetadata, progress: Progress | None = None
    ) -> dict[str, Any]:
        """Upload ``video`` with ``metadata`` and return the video resource YouTube made."""
        total = video.stat().st_size
        kind = mimetypes.guess_type(video.name)[0] or "application/octet-stream"
        body = video_resource(metadata)
        with video.open("rb") as f:
            for session_number in range(1, self.max_sessions + 1):
                session = self._start(body, total, kind)
                try:
                    return self._send_file(session, f, total, kind, progress)
                except _SessionExpired:
                    log.info("YouTube upload session %d expired; starting a new one",
                             session_number)  # fmt: skip
        raise ProviderUnavailable(f"YouTube upload sessions kept expiring ({self.max_sessions} "
                                  "sessions); try again later")  # fmt: skip

    def _start(self, body: Mapping[str, Any], total: int, kind: str) -> str:
        def location(response: httpx.Response) -> str:
            where = response.headers.get("Location", "")
            if not where.startswith(("http://", "https://")):
                raise ProviderUnavailable("YouTube started an upload without a session Location")
            return where

        return self.api.call_response(
            "videos.insert", "POST", f"{self.api.upload_url}/videos", location, write=True,
            params={"uploadType": "resumable", "part": "snippet,status"}, json=dict(body),
            headers={"X-Upload-Content-Length": str(total), "X-Upload-Content-Type": kind},
        )  # fmt: skip

    def _send_file(
        self, session: str, f: BinaryIO, total: int, kind: str, progress: Progress | None
    ) -> dict[str, Any]:
        offset, failures, query = 0, 0, False
        while True:
            try:
                if query:
                    response = self.api.send("PUT", session, write=True, content=b"",
                                             headers={"Content-Range": f"bytes */{total}"})  # fmt: skip
                else:
                    f.seek(offset)
                    chunk = f.read(min(self.chunk_size, total - offset))
                    last = offset + len(chunk) - 1
                    response = self.api.send("PUT", session, write=True, content=chunk, headers={
                        "Content-Type": kind, "Content-Range": f"bytes {offset}-{last}/{total}"})  # fmt: skip
            except ProviderUnavailable as exc:  # a dropped connection or a timeout
                failures = self._failed(failures, exc.message)
                query = True
                continue
            code = response.status_code
            if code in (200, 201):
                if progress is not None:
                    progress(total, total)
                with self.api.scrubbed():
                    resource = json_body(response, provider="YouTube", what="the upload")
                return resource if isinstance(resource, dict) else {}
            if code == 308:
                acked = acknowledged(response)
                if acked > offset:
                    failures = 0  # progress: the backoff starts over
                offset, query = acked, False
                if progress is not None:
                    progress(offset, total)
                continue
            if code in (404, 410):
                raise _SessionExpired
            if code >= 500 or code == 429:
                failures = self._failed(failures, f"HTTP {code}")
                query = True
                continue
            with self.api.scrubbed():
                raise_for_youtube(response, what="videos.insert upload")
            raise ProviderUnavailable(f"YouTube answered the upload with HTTP {code}")

    def _failed(self, failures: int, why: str) -> int:
        """Count one failure in a row; wait the backoff, or raise when there were too many."""
        failures += 1
        if failures > self.max_failures:
            raise ProviderUnavailable(f"YouTube upload failed {failures} times in a row without "
                                      f"progress (last: {why}); try again later")  # fmt: skip
        wait = self.backoff * 2 ** (failures - 1) * (1.0 + self.jitter * self._rng.random())
        log.info("YouTube upload interrupted (%s); asking the session where it stands in "
                 "%.2f s (failure %d of %d)", why, wait, failures, self.max_failures)  # fmt: skip
        if wait > 0:
            self._sleep(wait)
        return failures

    def set_thumbnail(self, video_id: str, image: Path) -> None:
        """``thumbnails.set`` (50 units)."""
        kind = mimetypes.guess_type(image.name)[0] or "application/octet-stream"
        self.api.call("thumbnails.set", "POST", f"{self.api.upload_url}/thumbnails/set",
                      lambda data: data, write=True, params={"videoId": video_id},
                      content=image.read_bytes(), headers={"Content-Type": kind})  # fmt: skip

    def add_captions(self, video_id: str, captions: Path, language: str) -> None:
        """``captions.insert`` (400 units): a multipart upload of the caption file."""
        boundary = f"mangaflow-{uuid.uuid4().hex}"
        snippet = {"snippet": {"videoId": video_id, "language": language, "name": "",
                               "isDraft": False}}  # fmt: skip
        body = (
            (
                f"--{boundary}\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n"
                f"{json.dumps(snippet)}\r\n--{boundary}\r\n"
                "Content-Type: application/octet-stream\r\n\r\n"
            ).encode()
            + captions.read_bytes()
            + f"\r\n--{boundary}--\r\n".encode()
        )
        self.api.call("captions.insert", "POST", f"{self.api.upload_url}/captions",
                      lambda data: data, write=True,
                      params={"uploadType": "multipart", "part": "snippet"}, content=body,
                      headers={"Content-Type": f"multipart/related; boundary={boundary}"})  # fmt: skip

    # ----------------------------------------------------------------------- audience

    def statistics(self, video_ids: Sequence[str]) -> dict[str, VideoStats]:
        """Views, likes and comments now (``videos.list``, 1 unit per 50 ids)."""
        at = datetime.now(UTC)
        return {v.id: VideoStats(views=v.views, likes=v.likes, comments=v.comments, at=at,
                                 source="youtube")
                for v in self.data.statistics(video_ids)}  # fmt: skip

    def close(self) -> None:
        self.api.close()


__all__ = ["CHUNK_UNIT", "DEFAULT_CHUNK", "YouTubePublisher", "acknowledged", "video_resource"]
