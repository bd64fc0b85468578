"""Owning the images: each source URL is downloaded once (a map from the URL's SHA-256 to our
key), stored content-addressed as ``images/<sha256 of the bytes>.<ext>`` (extension from the
sniffed type, uploaded only when absent), and served from our URL (the CDN domain on AWS).
A URL that keeps failing is recorded as ``DOWNLOAD_FAILED`` with its last attempt and when to
try again, and a dead-letter record (anime id, URL, error, time, retry count) is written."""

from __future__ import annotations

import hashlib
import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from tenacity import (
    RetryError,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    stop_after_delay,
    wait_exponential,
)

from mangaflow.catalog.domain import ImageRef
from mangaflow.catalog.parts import Catalog

#: magic bytes → (extension, content type)
SIGNATURES: tuple[tuple[bytes, int, str, str], ...] = (
    (b"\xff\xd8\xff", 0, "jpg", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", 0, "png", "image/png"),
    (b"GIF8", 0, "gif", "image/gif"),
    (b"WEBP", 8, "webp", "image/webp"),
    (b"ftypavif", 4, "avif", "image/avif"),
)
MAX_BYTES = 20 * 1024 * 1024


class DownloadFailed(Exception):
    """A download that may work later (network, 5xx, 429)."""


class NotAnImage(Exception):
    """The URL answered, but not with an image we know (permanent for these bytes)."""


def sniff(data: bytes) -> tuple[str, str]:
    for magic, offset, ext, ctype in SIGNATURES:
        if data[offset : offset + len(magic)] == magic:
            return ext, ctype
    raise NotAnImage(f"not a JPEG, PNG, GIF, WebP or AVIF image ({data[:12]!r})")


def url_hash(url: str) -> str:
    return hashlib.sha256(url.encode()).hexdigest()


def _download(url: str, timeout: float) -> bytes:
    try:
        resp = httpx.get(url, timeout=timeout, follow_redirects=True)
    except httpx.HTTPError as exc:
        raise DownloadFailed(f"{type(exc).__name__}: {exc}") from exc
    if resp.status_code >= 500 or resp.status_code == 429:
        raise DownloadFailed(f"HTTP {resp.status_code}")
    if resp.status_code != 200:
        raise NotAnImage(f"HTTP {resp.status_code}")
    if len(resp.content) > MAX_BYTES:
        raise NotAnImage(f"larger than {MAX_BYTES} bytes")
    return resp.content


class ImageIngest:
    """Ingests image URLs for one catalog (thread-safe; the map is the store's)."""

    def __init__(self, cat: Catalog, *, attempts: int = 3, backoff: float = 0.5,
                 total_seconds: float = 45.0, timeout: float = 15.0) -> None:  # fmt: skip
        self.cat = cat
        s = cat.settings
        self.retry_after = s.catalog_image_retry_seconds
        self.cdn = s.catalog_cdn_domain
        self.attempts, self.backoff, self.total, self.timeout = attempts, backoff, total_seconds, timeout
        self.downloads = 0  # real HTTP fetches made (tests and benchmarks count them)

    def our_url(self, key: str) -> str:
        return f"https://{self.cdn}/{key}" if self.cdn else self.cat.c.blobs.locate(key)

    def ingest(self, anime_id: str, url: str, context: str = "") -> ImageRef:
        """Our image for ``url``: reused from the map, downloaded, or the recorded failure."""
        store, h = self.cat.store, url_hash(url)
        known = store.image_map(h)
        now = datetime.now(UTC)
        if known and known.get("status") == "OK":
            return ImageRef(source_url=url, url=self.our_url(known["key"]), key=known["key"],
                            status="OK")  # fmt: skip
        if (known and known.get("status") == "DOWNLOAD_FAILED"
                and datetime.fromisoformat(known["retry_after"]) > now):  # fmt: skip
            return ImageRef(source_url=url, status="DOWNLOAD_FAILED", error=known["error"])
        attempts = int(known.get("attempts", 0)) if known else 0
        try:
            data, tries = self._fetch(url)
            attempts += tries
            ext, ctype = sniff(data)
        except (DownloadFailed, NotAnImage) as exc:
            attempts += getattr(exc, "tries", 1)
            return self._failed(anime_id, url, h, str(exc), attempts, now, context)
        key = f"images/{hashlib.sha256(data).hexdigest()}.{ext}"
        blobs = self.cat.c.blobs
        if not blobs.exists(key):
            blobs.put(key, data, ctype)
        store.put_image_map(h, {"status": "OK", "key": key, "content_type": ctype,
                                "source_url": url, "last_attempt": now.isoformat()})  # fmt: skip
        return ImageRef(source_url=url, url=self.our_url(key), key=key, status="OK")

    def _fetch(self, url: str) -> tuple[bytes, int]:
        retrying = Retrying(
            retry=retry_if_exception_type(DownloadFailed),
            stop=stop_after_attempt(self.attempts) | stop_after_delay(self.total),
            wait=wait_exponential(multiplier=self.backoff, max=10),
            reraise=False,
        )
        tries = 0
        try:
            for attempt in retrying:
                with attempt:
                    tries += 1
                    self.downloads += 1
                    data = _download(url, self.timeout)
            return data, tries
        except RetryError as exc:
            err = exc.last_attempt.exception()
            failure = DownloadFailed(str(err))
            failure.tries = tries  # type: ignore[attr-defined]
            raise failure from err
        except NotAnImage as exc:
            exc.tries = tries  # type: ignore[attr-defined]
            raise

    def _failed(self, anime_id: str, url: str, h: str, error: str, attempts: int,
                now: datetime, context: str) -> ImageRef:  # fmt: skip
        retry_at = now + timedelta(seconds=self.retry_after)
        self.cat.store.put_image_map(h, {
            "status": "DOWNLOAD_FAILED", "source_url": url, "error": error,
            "attempts": attempts, "last_attempt": now.isoformat(),
            "retry_after": retry_at.isoformat(), "ttl": int(time.time() + self.retry_after),
        })  # fmt: skip
        record = {"anime_id": anime_id, "image_url": url, "error_message": error,
                  "timestamp": now.isoformat(), "retry_count": attempts, "context": context}  # fmt: skip
        self.cat.store.add_image_dead_letter(record)
        queue = self.cat.settings.catalog_dlq_url
        if queue:
            import boto3

            sqs = boto3.client("sqs", region_name=self.cat.settings.aws_region)
            sqs.send_message(QueueUrl=queue, MessageBody=json.dumps(record),
                             MessageAttributes={"kind": {"DataType": "String",
                                                         "StringValue": "catalog.image"}})  # fmt: skip
        return ImageRef(source_url=url, status="DOWNLOAD_FAILED", error=error)


def entry_images(ingest: ImageIngest, anime_id: str, urls: dict[str, str]) -> dict[str, ImageRef]:
    """``{"picture": url, "thumbnail": url}`` → our refs (empty URLs skipped)."""
    return {name: ingest.ingest(anime_id, url, context=name) for name, url in urls.items() if url}


def backfill(cat: Catalog, *, limit: int | None = None, workers: int = 8,
             progress: Any = None) -> dict[str, int]:  # fmt: skip
    """Own the images of entries that do not have them yet (the bootstrap imports entries
    with the source's image URLs), and try failed ones again once their ``retry_after`` has
    passed: each entry's picture and thumbnail are ingested and the entry then carries our
    URL, or the failure. A URL already stored or still waiting costs no download."""
    from concurrent.futures import ThreadPoolExecutor

    from mangaflow.catalog.domain import SystemStatus

    todo = [e for e in cat.store.by_status(SystemStatus.ACTIVE)
            if (e.picture or e.thumbnail)
            and (not e.images or any(r.status != "OK" for r in e.images.values()))]  # fmt: skip
    todo = todo[:limit] if limit is not None else todo
    ingest = ImageIngest(cat)
    counts = {"entries": len(todo), "ok": 0, "failed": 0}

    def one(entry: Any) -> None:
        urls = {k: (entry.images[k].source_url if k in entry.images else getattr(entry, k))
                for k in ("picture", "thumbnail")}  # our URL replaced the source's on success
        refs = entry_images(ingest, entry.anime_id, urls)
        fresh = cat.store.get(entry.anime_id) or entry
        fresh.images = refs
        for kind, ref in refs.items():
            if ref.status == "OK":
                setattr(fresh, kind, ref.url)
        cat.store.put(fresh)
        for ref in refs.values():
            counts["ok" if ref.status == "OK" else "failed"] += 1

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        for done, _ in enumerate(pool.map(one, todo), start=1):
            if progress:
                progress(done, len(todo))
    if todo:
        cat.store.bump_generation()
    counts["downloads"] = ingest.downloads
    return counts
