"""Blob store on S3: keys map to objects under an optional prefix of one bucket.

Every object is written with server-side encryption (``AES256``) and its content type.
A single ``PutObject`` is atomic (readers see the old object or the new one), which is the
port's promise. Keys are validated exactly like the local store's, so a key that works on
disk works here and vice versa.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from mangaflow.platform.adapters import aws
from mangaflow.platform.errors import NotFound, StorageError, ValidationError
from mangaflow.platform.ports import BlobStore

_MISSING = {"NoSuchKey", "404", "NotFound"}


def validate_key(key: str) -> str:
    """Reject keys that are empty, absolute, contain ``..`` or backslashes (as
    :meth:`mangaflow.platform.adapters.storage.localfs.LocalBlobStore.path` does)."""
    pure = PurePosixPath(key)
    if not key or pure.is_absolute() or ".." in pure.parts or "\\" in key:
        raise ValidationError(
            f"invalid blob key {key!r}",
            details=[{"field": "key", "message": "relative, '/'-separated, no '..'"}],
        )
    return key


def make_client(region: str = "us-east-1", endpoint_url: str | None = None) -> Any:
    """An S3 client (see :func:`mangaflow.platform.adapters.aws.make_client`)."""
    from botocore.config import Config

    # SigV4 so presigned URLs work in every region (SigV2 is legacy and region-limited).
    config = Config(signature_version="s3v4")
    return aws.make_client("s3", region, endpoint_url=endpoint_url, config=config)


class S3BlobStore(BlobStore):
    """:class:`~mangaflow.platform.ports.BlobStore` in ``bucket`` under ``prefix``."""

    def __init__(
        self, bucket: str, client: Any = None, prefix: str = "", region: str = "us-east-1"
    ) -> None:
        if not bucket:
            raise ValidationError(
                "an S3 bucket name is required",
                details=[{"field": "bucket", "message": "must not be empty"}],
            )
        prefix = prefix.strip("/")
        if prefix:
            validate_key(prefix)
        self.bucket = bucket
        self.prefix = f"{prefix}/" if prefix else ""
        self.client = client if client is not None else make_client(region)

    def object_key(self, key: str) -> str:
        """The S3 object key for a blob key (validated)."""
        return self.prefix + validate_key(key)

    def put(self, key: str, data: bytes, content_type: str = "application/octet-stream") -> str:
        obj = self.object_key(key)
        try:
            self.client.put_object(
                Bucket=self.bucket, Key=obj, Body=data, ContentType=content_type,
                ServerSideEncryption="AES256",
            )  # fmt: skip
        except (ClientError, BotoCoreError) as exc:
            raise self._error("write", key, exc) from exc
        return key

    def put_file(self, key: str, path: Path, content_type: str = "application/octet-stream") -> str:
        """Streamed (multipart for large files) with boto3's transfer manager."""
        obj = self.object_key(key)
        try:
            self.client.upload_file(str(path), self.bucket, obj, ExtraArgs={
                "ContentType": content_type, "ServerSideEncryption": "AES256"})  # fmt: skip
        except (ClientError, BotoCoreError) as exc:
            raise self._error("write", key, exc) from exc
        return key

    def get_file(self, key: str, path: Path) -> Path:
        obj = self.object_key(key)
        try:
            self.client.download_file(self.bucket, obj, str(path))
        except ClientError as exc:
            if _code(exc) in _MISSING:
                raise NotFound(f"no blob {key}") from None
            raise self._error("read", key, exc) from exc
        except BotoCoreError as exc:
            raise self._error("read", key, exc) from exc
        return Path(path)

    def get(self, key: str) -> bytes:
        obj = self.object_key(key)
        try:
            resp = self.client.get_object(Bucket=self.bucket, Key=obj)
            body: bytes = resp["Body"].read()
        except ClientError as exc:
            if _code(exc) in _MISSING:
                raise NotFound(f"no blob {key}") from None
            raise self._error("read", key, exc) from exc
        except BotoCoreError as exc:
            raise self._error("read", key, exc) from exc
        return body

    def exists(self, key: str) -> bool:
        obj = self.object_key(key)
        try:
            self.client.head_object(Bucket=self.bucket, Key=obj)
        except ClientError as exc:
            if _code(exc) in _MISSING:
                return False
            raise self._error("check", key, exc) from exc
        except BotoCoreError as exc:
            raise self._error("check", key, exc) from exc
        return True

    def list(self, prefix: str) -> list[str]:
        if prefix:
            validate_key(prefix)
        keys: list[str] = []
        try:
            pages = self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=self.prefix + prefix
            )
            for page in pages:
                keys.extend(o["Key"][len(self.prefix) :] for o in page.get("Contents", []))
        except (ClientError, BotoCoreError) as exc:
            raise self._error("list", prefix, exc) from exc
        return sorted(keys)

    def locate(self, key: str) -> str:
        return f"s3://{self.bucket}/{self.object_key(key)}"

    def presigned_url(self, key: str, expires: int = 900, filename: str | None = None) -> str:
        """A time-limited HTTPS URL for downloading the blob (``expires`` in seconds; SigV4
        allows at most 7 days, and the URL stops working when the signing credentials do);
        with ``filename``, the browser saves it under that name."""
        params = {"Bucket": self.bucket, "Key": self.object_key(key)}
        if filename:
            params["ResponseContentDisposition"] = f'attachment; filename="{filename}"'
        try:
            url: str = self.client.generate_presigned_url(
                "get_object", Params=params, ExpiresIn=expires
            )
        except (ClientError, BotoCoreError) as exc:
            raise self._error("sign", key, exc) from exc
        return url

    def download_url(self, key: str, filename: str, expires: int = 300) -> str | None:
        """Downloads go straight to S3 (a Lambda response is capped at 6 MB)."""
        return self.presigned_url(key, expires, filename=filename)

    def _error(self, what: str, key: str, exc: Exception) -> StorageError:
        detail = f"{_code(exc)}: " if isinstance(exc, ClientError) else ""
        return StorageError(
            f"could not {what} s3://{self.bucket}/{self.prefix}{key}: {detail}{exc}"
        )


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))
