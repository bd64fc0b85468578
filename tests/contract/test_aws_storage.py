"""The DynamoDB item table and the S3 blob store pass the same contracts as SQLite and the
local disk (:mod:`mangaflow.testing.storage`, under moto, no network), plus AWS-specific
checks."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest

from mangaflow.platform.adapters.storage.dynamodb import (
    MAX_TRANSACTION_OPS,
    DynamoItemTable,
    create_table,
)
from mangaflow.platform.adapters.storage.s3 import S3BlobStore
from mangaflow.platform.adapters.storage.s3 import make_client as s3_client
from mangaflow.platform.errors import ConditionFailed, StorageError, ValidationError
from mangaflow.platform.ports import BlobStore, Delete, ItemTable, Put
from mangaflow.testing.storage import BlobStoreContract, ItemTableContract, item

REGION = "us-east-1"
BUCKET = "mangaflow-test"


@pytest.fixture
def s3(aws: None) -> S3BlobStore:
    client = s3_client(REGION)
    client.create_bucket(Bucket=BUCKET)
    return S3BlobStore(BUCKET, client=client, prefix="blobs")


# --------------------------------------------------------------------------- DynamoDB


class TestDynamoItemTable(ItemTableContract):
    adapter = DynamoItemTable

    @pytest.fixture
    def table(self, dynamo: DynamoItemTable) -> ItemTable:
        return dynamo

    def test_values_round_trip_like_json(self, table: ItemTable) -> None:
        value = {
            "PK": "K", "SK": "1", "i": 3, "f": 2.5, "neg": -0.125, "big": 10**20, "t": True,
            "none": None, "empty": "", "nested": {"a": [1, 2.75, {"b": None}], "c": {}},
            "list": [], "tuple": (1, 2),
        }  # fmt: skip
        table.put(Put(value))
        got = table.get("K", "1")
        assert got == {**value, "tuple": [1, 2]}
        assert isinstance(got["i"], int) and isinstance(got["f"], float)

    def test_if_equals_on_a_missing_attribute(self, table: ItemTable) -> None:
        table.put(Put(item("K", "1", a=1)))
        with pytest.raises(ConditionFailed):  # missing never equals a value
            table.put(Put(item("K", "1", a=2), if_equals={"b": 1}))
        table.put(Put(item("K", "1", a=3), if_equals={"b": None}))  # missing equals None
        table.put(Put(item("K", "1", a=4, b=None), if_equals={"a": 3}))
        table.put(Put(item("K", "1", a=5), if_equals={"b": None}))  # stored null equals None
        with pytest.raises(ConditionFailed):
            table.put(Put(item("K", "none", a=1), if_equals={"a": 1}))  # absent item
        assert table.get("K", "1")["a"] == 5  # type: ignore[index]

    def test_query_paginates_past_one_page(self, table: ItemTable) -> None:
        blob = "x" * 60_000  # ~60 KB each: 1 MB pages hold ~16 items
        for n in range(40):
            table.put(Put(item("P", f"N#{n:03d}", blob=blob)))
        assert [i["SK"] for i in table.query("P", "N#")] == [f"N#{n:03d}" for n in range(40)]
        top = table.query("P", "N#", descending=True, limit=25)
        assert [i["SK"] for i in top] == [f"N#{n:03d}" for n in range(39, 14, -1)]

    def test_oversized_transaction_is_refused_before_writing(self, table: ItemTable) -> None:
        ops = [Put(item("T", f"{n:03d}")) for n in range(150)]
        with pytest.raises(StorageError, match="at most 100") as info:
            table.transact(ops)
        assert not isinstance(info.value, ConditionFailed)
        assert table.query("T") == []
        table.transact(ops[:MAX_TRANSACTION_OPS])  # the limit itself is fine
        assert len(table.query("T")) == MAX_TRANSACTION_OPS

    def test_transaction_condition_failure_names_the_op(self, table: ItemTable) -> None:
        table.put(Put(item("K", "taken")))
        with pytest.raises(ConditionFailed) as info:
            table.transact([Delete("K", "other"), Put(item("K", "taken"), if_not_exists=True)])
        assert info.value.details == {"op": 1}

    def test_missing_table_is_a_storage_error(self, aws: None) -> None:
        table = DynamoItemTable("no-such-table", region=REGION)
        with pytest.raises(StorageError, match="table not found"):
            table.get("K", "1")

    def test_throttling_is_a_storage_error(self, dynamo: DynamoItemTable) -> None:
        from botocore.stub import Stubber

        with Stubber(dynamo.client) as stub:
            stub.add_client_error("put_item", "ProvisionedThroughputExceededException", "slow")
            with pytest.raises(StorageError, match="throttled") as info:
                dynamo.put(Put(item("K", "1")))
        assert not isinstance(info.value, ConditionFailed)

    def test_create_table_is_idempotent(self, dynamo: DynamoItemTable) -> None:
        create_table(dynamo.client, dynamo.table_name)
        names = {i["IndexName"] for i in dynamo.client.describe_table(
            TableName=dynamo.table_name)["Table"]["GlobalSecondaryIndexes"]}  # fmt: skip
        assert names == {"GSI1", "GSI2"}


# --------------------------------------------------------------------------- S3


class TestS3BlobStore(BlobStoreContract):
    adapter = S3BlobStore

    @pytest.fixture
    def store(self, s3: S3BlobStore) -> BlobStore:
        return s3

    def test_objects_are_encrypted_and_typed(self, s3: S3BlobStore) -> None:
        s3.put("stories/u/s/story.md", b"# hi", "text/markdown")
        head = s3.client.head_object(Bucket=BUCKET, Key="blobs/stories/u/s/story.md")
        assert head["ServerSideEncryption"] == "AES256"
        assert head["ContentType"] == "text/markdown"

    def test_prefix_is_applied_and_hidden(self, s3: S3BlobStore) -> None:
        s3.put("a/b.txt", b"x")
        s3.client.put_object(Bucket=BUCKET, Key="elsewhere/a/c.txt", Body=b"y")
        assert s3.list("a/") == ["a/b.txt"]
        assert s3.list("") == ["a/b.txt"]
        assert s3.locate("a/b.txt") == f"s3://{BUCKET}/blobs/a/b.txt"

    def test_presigned_url_points_at_the_object(self, s3: S3BlobStore) -> None:
        s3.put("images/u/s/1/page-001.png", b"png", "image/png")
        url = urlparse(s3.presigned_url("images/u/s/1/page-001.png", expires=600))
        assert url.scheme == "https"
        assert f"{BUCKET}" in url.netloc + url.path
        assert url.path.endswith("/blobs/images/u/s/1/page-001.png")
        query = parse_qs(url.query)
        assert query["X-Amz-Expires"] == ["600"]  # SigV4
        assert query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"]

    def test_presigned_url_downloads_the_bytes(self, s3: S3BlobStore) -> None:
        import requests  # moto intercepts requests made inside mock_aws

        s3.put("episodes/u/s/1/episode.cbz", b"zip-bytes", "application/vnd.comicbook+zip")
        resp = requests.get(s3.presigned_url("episodes/u/s/1/episode.cbz"), timeout=5)
        assert resp.status_code == 200 and resp.content == b"zip-bytes"

    def test_presigned_url_validates_the_key(self, s3: S3BlobStore) -> None:
        with pytest.raises(ValidationError):
            s3.presigned_url("../secret")

    def test_list_paginates(self, s3: S3BlobStore) -> None:
        keys = [f"many/{n:04d}.bin" for n in range(1005)]  # > one 1000-key page
        for k in keys:
            s3.client.put_object(Bucket=BUCKET, Key=f"blobs/{k}", Body=b"")
        assert s3.list("many/") == keys

    def test_missing_bucket_is_a_storage_error(self, aws: None) -> None:
        store = S3BlobStore("no-such-bucket", region=REGION)
        with pytest.raises(StorageError):
            store.put("a.txt", b"x")
        with pytest.raises(StorageError):
            store.get("a.txt")
