"""The item table on DynamoDB: one table with the single-table keys (``PK``/``SK``) and two
global secondary indexes (``GSI1``: ``GSI1PK``/``GSI1SK``, ``GSI2``: ``GSI2PK``/``GSI2SK``).

Items are stored attribute by attribute with the JSON semantics of the SQLite adapter: they
pass through ``json`` on the way in (tuples become lists, floats become ``Decimal`` for
DynamoDB) and numbers come back as ``int`` or ``float``. Conditions are DynamoDB condition
expressions, so they are checked and applied atomically by the service itself.

Transactions use ``TransactWriteItems`` and are limited to :data:`MAX_TRANSACTION_OPS`
(100) operations. Larger transactions are refused with a ``StorageError`` before anything
is written: splitting them would break the port's all-or-nothing promise.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from decimal import Decimal
from typing import Any, Literal

from botocore.exceptions import BotoCoreError, ClientError

from mangaflow.platform.adapters import aws
from mangaflow.platform.errors import ConditionFailed, StorageError
from mangaflow.platform.ports import Delete, Item, ItemTable, Put

MAX_TRANSACTION_OPS = 100

_INDEX_KEYS = {"": ("PK", "SK"), "GSI1": ("GSI1PK", "GSI1SK"), "GSI2": ("GSI2PK", "GSI2SK")}
_THROTTLING = {
    "ThrottlingException",
    "ProvisionedThroughputExceededException",
    "RequestLimitExceeded",
}


def create_table(client: Any, name: str, *, wait: bool = True) -> None:
    """Create MangaFlow's single table with ``GSI1``/``GSI2`` (on-demand billing, string
    keys, all attributes projected). Does nothing when the table already exists."""
    attrs = ["PK", "SK", "GSI1PK", "GSI1SK", "GSI2PK", "GSI2SK"]

    def schema(pk: str, sk: str) -> list[dict[str, str]]:
        return [{"AttributeName": pk, "KeyType": "HASH"}, {"AttributeName": sk, "KeyType": "RANGE"}]

    try:
        client.create_table(
            TableName=name,
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": a, "AttributeType": "S"} for a in attrs],
            KeySchema=schema("PK", "SK"),
            GlobalSecondaryIndexes=[
                {"IndexName": index, "KeySchema": schema(pk, sk),
                 "Projection": {"ProjectionType": "ALL"}}
                for index, (pk, sk) in _INDEX_KEYS.items() if index
            ],
        )  # fmt: skip
    except ClientError as exc:
        if _code(exc) == "ResourceInUseException":
            return
        raise _mapped(exc, f"create table {name}") from exc
    except BotoCoreError as exc:
        raise StorageError(f"dynamodb create table {name} failed: {exc}") from exc
    if wait:
        client.get_waiter("table_exists").wait(TableName=name)


def make_client(region: str = "us-east-1", endpoint_url: str | None = None) -> Any:
    """A DynamoDB client (see :func:`mangaflow.platform.adapters.aws.make_client`)."""
    return aws.make_client("dynamodb", region, endpoint_url=endpoint_url)


# ----------------------------------------------------------------- (de)serialisation


def _to_plain(value: Any) -> Any:
    """DynamoDB numbers back to the ``int``/``float`` JSON would have produced."""
    if isinstance(value, Decimal):
        exponent = value.as_tuple().exponent
        if isinstance(exponent, int) and exponent >= 0:
            return int(value)
        return float(value)
    if isinstance(value, dict):
        return {k: _to_plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_to_plain(v) for v in value]
    return value


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _mapped(exc: ClientError, what: str) -> StorageError:
    code = _code(exc)
    message = exc.response.get("Error", {}).get("Message", "")
    if code == "ConditionalCheckFailedException":
        return ConditionFailed(f"dynamodb {what}: condition failed")
    if code == "TransactionCanceledException":
        reasons = [r.get("Code", "") for r in exc.response.get("CancellationReasons", [])]
        failed = [i for i, r in enumerate(reasons) if r == "ConditionalCheckFailed"]
        if failed or (not reasons and "ConditionalCheckFailed" in message):
            return ConditionFailed(
                f"dynamodb {what}: condition failed", details={"op": failed[0] if failed else None}
            )
        return StorageError(f"dynamodb {what} cancelled: {message}", details={"reasons": reasons})
    if code in _THROTTLING:
        return StorageError(f"dynamodb {what} throttled ({code}): {message}")
    if code == "ResourceNotFoundException":
        return StorageError(f"dynamodb {what}: table not found (create it first): {message}")
    return StorageError(f"dynamodb {what} failed ({code}): {message}")


class DynamoItemTable(ItemTable):
    """:class:`~mangaflow.platform.ports.ItemTable` on one DynamoDB table (see :func:`create_table`)."""

    def __init__(self, table_name: str, client: Any = None, region: str = "us-east-1") -> None:
        from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

        self.table_name = table_name
        self.client = client if client is not None else make_client(region)
        self._ser = TypeSerializer()
        self._de = TypeDeserializer()

    # -- conversions
    def _encode(self, item: Item) -> dict[str, Any]:
        try:
            plain = json.loads(json.dumps(item), parse_float=Decimal)
            return {k: self._ser.serialize(v) for k, v in plain.items()}
        except (TypeError, ValueError) as exc:
            raise StorageError(f"item cannot be stored in dynamodb: {exc}") from exc

    def _decode(self, raw: dict[str, Any]) -> Item:
        return {k: _to_plain(self._de.deserialize(v)) for k, v in raw.items()}

    def _key(self, pk: str, sk: str) -> dict[str, Any]:
        return {"PK": {"S": pk}, "SK": {"S": sk}}

    def _put_request(self, op: Put) -> dict[str, Any]:
        if "PK" not in op.item or "SK" not in op.item:
            raise StorageError("item needs PK and SK")
        req: dict[str, Any] = {"TableName": self.table_name, "Item": self._encode(op.item)}
        clauses: list[str] = []
        names: dict[str, str] = {}
        values: dict[str, Any] = {}
        if op.if_not_exists:
            clauses.append("attribute_not_exists(#pk)")
            names["#pk"] = "PK"
        for i, (attr, want) in enumerate((op.if_equals or {}).items()):
            names[f"#a{i}"] = attr
            if want is None:  # SQLite: a missing attribute equals None
                clauses.append(f"(attribute_not_exists(#a{i}) OR #a{i} = :v{i})")
                values[f":v{i}"] = {"NULL": True}
            else:  # a missing attribute never equals a value
                clauses.append(f"#a{i} = :v{i}")
                values[f":v{i}"] = self._encode({"v": want})["v"]
        if clauses:
            req["ConditionExpression"] = " AND ".join(clauses)
            req["ExpressionAttributeNames"] = names
        if values:
            req["ExpressionAttributeValues"] = values
        return req

    # -- writes
    def put(self, op: Put) -> None:
        request = self._put_request(op)
        try:
            self.client.put_item(**request)
        except ClientError as exc:
            raise _mapped(exc, f"put {op.item['PK']}|{op.item['SK']}") from exc
        except BotoCoreError as exc:
            raise StorageError(f"dynamodb put failed: {exc}") from exc

    def delete(self, pk: str, sk: str) -> None:
        try:
            self.client.delete_item(TableName=self.table_name, Key=self._key(pk, sk))
        except ClientError as exc:
            raise _mapped(exc, f"delete {pk}|{sk}") from exc
        except BotoCoreError as exc:
            raise StorageError(f"dynamodb delete failed: {exc}") from exc

    def transact(self, ops: Sequence[Put | Delete]) -> None:
        if not ops:
            return
        if len(ops) > MAX_TRANSACTION_OPS:
            raise StorageError(
                f"a dynamodb transaction holds at most {MAX_TRANSACTION_OPS} operations, "
                f"got {len(ops)}; nothing was written",
                details={"ops": len(ops), "max": MAX_TRANSACTION_OPS},
            )
        if len(ops) == 1:  # a single op needs no transaction (and costs half as much)
            op = ops[0]
            if isinstance(op, Put):
                self.put(op)
            else:
                self.delete(op.pk, op.sk)
            return
        items: list[dict[str, Any]] = []
        for op in ops:
            if isinstance(op, Delete):
                items.append(
                    {"Delete": {"TableName": self.table_name, "Key": self._key(op.pk, op.sk)}}
                )
            else:
                items.append({"Put": self._put_request(op)})
        try:
            self.client.transact_write_items(TransactItems=items)
        except ClientError as exc:
            raise _mapped(exc, f"transaction of {len(ops)} ops") from exc
        except BotoCoreError as exc:
            raise StorageError(f"dynamodb transaction failed: {exc}") from exc

    # -- reads
    def get(self, pk: str, sk: str) -> Item | None:
        try:
            resp = self.client.get_item(
                TableName=self.table_name, Key=self._key(pk, sk), ConsistentRead=True
            )
        except ClientError as exc:
            raise _mapped(exc, f"get {pk}|{sk}") from exc
        except BotoCoreError as exc:
            raise StorageError(f"dynamodb get failed: {exc}") from exc
        raw = resp.get("Item")
        return self._decode(raw) if raw else None

    def query(
        self,
        pk: str,
        sk_prefix: str = "",
        *,
        index: Literal["", "GSI1", "GSI2"] = "",
        descending: bool = False,
        limit: int | None = None,
    ) -> list[Item]:
        pk_name, sk_name = _INDEX_KEYS[index]
        request: dict[str, Any] = {
            "TableName": self.table_name,
            "KeyConditionExpression": "#pk = :pk",
            "ExpressionAttributeNames": {"#pk": pk_name},
            "ExpressionAttributeValues": {":pk": {"S": pk}},
            "ScanIndexForward": not descending,
        }
        if sk_prefix:
            request["KeyConditionExpression"] += " AND begins_with(#sk, :prefix)"
            request["ExpressionAttributeNames"]["#sk"] = sk_name
            request["ExpressionAttributeValues"][":prefix"] = {"S": sk_prefix}
        if index:
            request["IndexName"] = index
        else:
            request["ConsistentRead"] = True  # not available on global secondary indexes
        out: list[Item] = []
        try:
            while limit is None or len(out) < limit:
                if limit is not None:
                    request["Limit"] = limit - len(out)
                resp = self.client.query(**request)
                out.extend(self._decode(raw) for raw in resp.get("Items", []))
                last = resp.get("LastEvaluatedKey")
                if not last:
                    break
                request["ExclusiveStartKey"] = last
        except ClientError as exc:
            raise _mapped(exc, f"query {index or 'table'} {pk}") from exc
        except BotoCoreError as exc:
            raise StorageError(f"dynamodb query failed: {exc}") from exc
        return out[:limit] if limit is not None else out
