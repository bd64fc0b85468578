"""Owning the images: downloaded once per URL, stored content-addressed with the sniffed
extension and uploaded only if absent; failures recorded as DOWNLOAD_FAILED with the last
attempt and when to retry, plus a dead-letter record; entries carry our URL or the failure."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from mangaflow.catalog.parts import Catalog
from mangaflow.catalog.services.images import ImageIngest, url_hash
from tests.catalog.conftest import make_catalog
from tests.fakes.images_server import ImageHost


def picture(fmt: str, color: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (40, 60), color).save(buf, fmt)
    return buf.getvalue()


@pytest.fixture
def host() -> Any:
    with ImageHost() as h:
        yield h


@pytest.fixture
def ingest(tmp_path: Path) -> ImageIngest:
    cat = make_catalog(tmp_path / "home", catalog_images=True)
    return ImageIngest(cat, backoff=0.01)


def test_same_bytes_from_two_urls_are_stored_once_under_their_content_hash(
    ingest: ImageIngest, host: ImageHost
) -> None:
    jpeg = picture("JPEG")
    a = ingest.ingest("anime-a", host.serve("/img/a", (200, "image/jpeg", jpeg)))
    b = ingest.ingest("anime-b", host.serve("/img/b", (200, "application/octet-stream", jpeg)))
    assert a.status == b.status == "OK" and a.key == b.key
    assert a.key.startswith("images/") and a.key.endswith(".jpg") and len(a.key) == 7 + 64 + 4
    blobs = ingest.cat.c.blobs
    assert blobs.get(a.key) == jpeg and blobs.list("images/") == [a.key]
    # The URL is known now: no second download.
    again = ingest.ingest("anime-a", host.url("/img/a"))
    assert again.key == a.key and host.hits["/img/a"] == 1


def test_the_extension_comes_from_the_bytes_not_the_url(ingest: ImageIngest, host: ImageHost) -> None:
    png = ingest.ingest("x", host.serve("/img/p.jpg", (200, "image/jpeg", picture("PNG"))))
    webp = ingest.ingest("x", host.serve("/img/w", (200, "image/png", picture("WEBP"))))
    assert png.key.endswith(".png") and webp.key.endswith(".webp")


def test_a_transient_failure_is_retried_and_succeeds(ingest: ImageIngest, host: ImageHost) -> None:
    url = host.serve("/img/flaky", (503, "text/plain", b"busy"), (200, "image/gif", picture("GIF")))
    ref = ingest.ingest("x", url)
    assert ref.status == "OK" and ref.key.endswith(".gif") and host.hits["/img/flaky"] == 2


def test_a_persistent_failure_is_recorded_dead_lettered_and_not_retried_before_its_time(
    ingest: ImageIngest, host: ImageHost
) -> None:
    url = host.serve("/img/down", (500, "text/plain", b"oops"))
    ref = ingest.ingest("anime-z", url, context="picture")
    assert ref.status == "DOWNLOAD_FAILED" and "500" in ref.error and ref.url == ""
    assert host.hits["/img/down"] == 3  # the attempts of one ingestion
    store = ingest.cat.store
    record = store.image_map(url_hash(url))
    assert record is not None and record["status"] == "DOWNLOAD_FAILED" and record["attempts"] == 3
    assert datetime.fromisoformat(record["retry_after"]) > datetime.now(UTC)
    assert record["ttl"] > 0
    [dl] = store.image_dead_letters()
    assert {k: dl[k] for k in ("anime_id", "image_url", "retry_count", "context")} == {
        "anime_id": "anime-z", "image_url": url, "retry_count": 3, "context": "picture"}
    assert "500" in dl["error_message"] and dl["timestamp"]
    # Before retry_after: the recorded failure, no new request.
    assert ingest.ingest("anime-z", url).status == "DOWNLOAD_FAILED" and host.hits["/img/down"] == 3


def test_after_retry_after_a_failed_url_is_tried_again(tmp_path: Path, host: ImageHost) -> None:
    cat = make_catalog(tmp_path / "home", catalog_images=True, catalog_image_retry_seconds=0)
    ingest = ImageIngest(cat, backoff=0.01, attempts=1)
    url = host.serve("/img/later", (500, "text/plain", b"no"), (200, "image/jpeg", picture("JPEG")))
    assert ingest.ingest("a", url).status == "DOWNLOAD_FAILED"
    ref = ingest.ingest("a", url)
    assert ref.status == "OK" and host.hits["/img/later"] == 2
    assert (cat.store.image_map(url_hash(url)) or {})["status"] == "OK"


def test_an_answer_that_is_not_an_image_is_a_failure_without_retries(
    ingest: ImageIngest, host: ImageHost
) -> None:
    url = host.serve("/img/html", (200, "text/html", b"<html>gone</html>"))
    ref = ingest.ingest("a", url)
    assert ref.status == "DOWNLOAD_FAILED" and "not a JPEG" in ref.error
    assert host.hits["/img/html"] == 1
    missing = ingest.ingest("a", host.url("/img/nothing-here"))
    assert missing.status == "DOWNLOAD_FAILED" and "404" in missing.error and host.hits["/img/nothing-here"] == 1


def test_our_url_is_the_cdn_on_aws(tmp_path: Path, host: ImageHost) -> None:
    cat: Catalog = make_catalog(tmp_path / "home", catalog_images=True,
                                catalog_cdn_domain="d123.cloudfront.net")  # fmt: skip
    ref = ImageIngest(cat).ingest("a", host.serve("/img/c", (200, "image/jpeg", picture("JPEG"))))
    assert ref.url == f"https://d123.cloudfront.net/{ref.key}"


def test_on_aws_a_dead_letter_also_goes_to_the_catalogs_queue(
    tmp_path: Path, host: ImageHost, monkeypatch: pytest.MonkeyPatch
) -> None:
    import json

    import boto3
    from moto import mock_aws

    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(key, "testing")
    with mock_aws():
        sqs = boto3.client("sqs", region_name="us-east-1")
        queue = sqs.create_queue(QueueName="mangaflow-dev-catalog-image-dlq")["QueueUrl"]
        cat = make_catalog(tmp_path / "home", catalog_images=True, catalog_dlq_url=queue)
        url = host.serve("/img/gone", (500, "text/plain", b"no"))
        assert ImageIngest(cat, backoff=0.01, attempts=2).ingest("anime-q", url).status == "DOWNLOAD_FAILED"
        [msg] = sqs.receive_message(QueueUrl=queue, MessageAttributeNames=["All"])["Messages"]
        body = json.loads(msg["Body"])
        assert (body["anime_id"], body["image_url"], body["retry_count"]) == ("anime-q", url, 2)
        assert msg["MessageAttributes"]["kind"]["StringValue"] == "catalog.image"
        assert len(cat.store.image_dead_letters()) == 1


def test_backfill_owns_the_images_of_imported_entries(tmp_path: Path, host: ImageHost, embedder: Any) -> None:
    from mangaflow.catalog import sample
    from mangaflow.catalog.services.images import backfill
    from mangaflow.catalog.services.sync import sync
    from tests.catalog.conftest import write_source

    jpeg = picture("JPEG")
    data = list(sample.entries(6, seed=3, image_base=host.url("/img")))
    for i in range(6):
        host.serve(f"/img/{i}.jpg", (200, "image/jpeg", jpeg))
        host.serve(f"/img/{i}-thumbnail.jpg", (200, "image/png", picture("PNG", (i * 40, 0, 0))))
    host.serve("/img/5-thumbnail.jpg", (404, "text/plain", b"gone"))
    cat = make_catalog(tmp_path / "home", embedder, catalog_images=True)
    sync(cat, write_source(tmp_path / "v1.json", data))
    result = backfill(cat, workers=3)
    assert result == {"entries": 6, "ok": 11, "failed": 1, "downloads": 12}
    entries = {e.title: e for e in cat.store.all()}
    first = entries[data[0]["title"]]
    assert first.images["picture"].status == "OK" and first.picture.endswith(".jpg")
    assert first.picture == first.images["picture"].url != data[0]["picture"]
    last = entries[data[5]["title"]]
    assert last.images["thumbnail"].status == "DOWNLOAD_FAILED" and last.thumbnail == data[5]["thumbnail"]
    # Six pictures with the same bytes: one object; a second backfill has nothing to do.
    assert len([k for k in cat.c.blobs.list("images/") if k.endswith(".jpg")]) == 1
    # Again: only the entry with a failed image, whose URL waits for its retry_after (no
    # download; its stored picture is a lookup).
    assert backfill(cat) == {"entries": 1, "ok": 1, "failed": 1, "downloads": 0}
    assert cat.store.require(last.anime_id).picture == last.picture
    cat.close()
