"""Domain events onto an Amazon EventBridge bus (``event_bus=eventbridge``).

Each event becomes one entry: ``Source`` = ``event.source``, ``DetailType`` =
``event.detail_type``, ``Detail`` = the event's camelCase detail as JSON. Rules on the bus route
entries to the next stage (an SQS queue per stage in the AWS design).

Errors. The bus is an external service, so failures map onto the provider branch of the error
tree, which carries the retry policy (``error.retryable``):

* an entry EventBridge rejects with a transient code (``InternalFailure``, throttling) is
  re-sent up to ``attempts`` times in all; if it still fails, :class:`ProviderUnavailable`
  (retryable) names the entry's ``ErrorCode`` and the event id;
* an entry rejected with any other code (malformed detail, not authorized for the source...)
  is not re-sent: :class:`ProviderError` (permanent) names the code;
* ``ClientError``/``BotoCoreError`` from the call itself: throttling →
  :class:`ProviderRateLimited`, 5xx/transport → :class:`ProviderUnavailable`, credentials or
  access → :class:`ProviderAuthError`, a missing bus → :class:`ConfigError` naming
  ``MANGAFLOW_EVENT_BUS_NAME``; anything else → :class:`ProviderError`.

The boto3 client is built on first use (never at import), botocore's own retries are left as
configured by the environment; re-sending failed entries is done here.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    HTTPClientError,
    NoCredentialsError,
    PartialCredentialsError,
)
from botocore.exceptions import ConnectionError as BotoConnectionError

from mangaflow.platform.adapters import aws
from mangaflow.platform.errors import (
    ConfigError,
    MangaFlowError,
    ProviderAuthError,
    ProviderError,
    ProviderRateLimited,
    ProviderUnavailable,
)
from mangaflow.platform.events import DomainEvent
from mangaflow.platform.ports import EventBus

#: PutEvents takes at most 10 entries per call.
MAX_ENTRIES_PER_CALL = 10
BUS_SETTING = "MANGAFLOW_EVENT_BUS_NAME"

#: Entry-level ``ErrorCode`` values worth re-sending.
TRANSIENT_ENTRY_CODES = frozenset(
    {"InternalFailure", "InternalException", "ThrottlingException", "ServiceUnavailable"}
)
_RATE_LIMITED = {"ThrottlingException", "TooManyRequestsException", "LimitExceededException"}
_UNAVAILABLE = {"InternalFailure", "InternalException", "ServiceUnavailable",
                "ServiceUnavailableException", "RequestTimeout", "RequestTimeoutException"}  # fmt: skip
_AUTH = {"AccessDeniedException", "UnrecognizedClientException", "ExpiredTokenException",
         "ExpiredToken", "InvalidSignatureException", "InvalidClientTokenId",
         "MissingAuthenticationToken", "SignatureDoesNotMatch",
         "NotAuthorizedForSourceException"}  # fmt: skip


class EventBridgeBus(EventBus):
    """Publishes domain events to the EventBridge bus ``bus_name``.

    ``client`` is a boto3 ``events`` client (built lazily in ``region`` otherwise).
    ``attempts`` bounds the sends of one entry; ``backoff_seconds`` is the base of the
    exponential pause between re-sends (0 in tests).
    """

    def __init__(
        self,
        bus_name: str,
        client: Any = None,
        *,
        region: str | None = None,
        attempts: int = 3,
        backoff_seconds: float = 0.2,
    ) -> None:
        if not bus_name:
            raise ConfigError(f"the EventBridge bus name is empty; set {BUS_SETTING}")
        self.bus_name = bus_name
        self.region = region
        self.attempts = max(1, attempts)
        self.backoff_seconds = backoff_seconds
        self._client = aws.LazyClient(lambda: aws.make_client("events", region), client)

    @property
    def client(self) -> Any:
        return self._client()

    def entry(self, event: DomainEvent) -> dict[str, Any]:
        """The PutEvents entry for ``event``."""
        return {
            "Source": event.source,
            "DetailType": event.detail_type,
            "Detail": json.dumps(event.detail(), separators=(",", ":")),
            "EventBusName": self.bus_name,
        }

    def publish(self, event: DomainEvent) -> None:
        self.publish_many([event])

    def publish_many(self, events: Iterable[DomainEvent]) -> None:
        """Publish events in calls of at most 10 entries. Every entry is attempted; failed
        entries are re-sent (transient codes only), and the first entry that still fails is
        raised after all batches were tried (``details`` lists every failure)."""
        batch = list(events)
        failures: list[dict[str, Any]] = []
        for start in range(0, len(batch), MAX_ENTRIES_PER_CALL):
            failures += self._send(batch[start : start + MAX_ENTRIES_PER_CALL])
        if failures:
            raise _entry_error(failures, self.bus_name)

    def _send(self, events: Sequence[DomainEvent]) -> list[dict[str, Any]]:
        """Send one batch with re-sends; returns the entries that finally failed as
        ``{"eventId", "detailType", "errorCode", "errorMessage"}``."""
        pending = list(events)
        permanent: list[dict[str, Any]] = []
        transient: list[dict[str, Any]] = []
        for attempt in range(self.attempts):
            if attempt and self.backoff_seconds:
                time.sleep(self.backoff_seconds * 2 ** (attempt - 1))
            response = self._put([self.entry(e) for e in pending])
            if not response.get("FailedEntryCount"):
                return permanent
            retry: list[DomainEvent] = []
            transient = []
            for event, result in zip(pending, response.get("Entries", []), strict=False):
                code = result.get("ErrorCode")
                if not code:
                    continue
                failure = {
                    "eventId": event.event_id,
                    "detailType": event.detail_type,
                    "errorCode": code,
                    "errorMessage": result.get("ErrorMessage", ""),
                }
                if code in TRANSIENT_ENTRY_CODES:
                    retry.append(event)
                    transient.append(failure)
                else:
                    permanent.append(failure)
            if not retry:
                return permanent
            pending = retry
        return permanent + transient

    def _put(self, entries: list[dict[str, Any]]) -> Mapping[str, Any]:
        try:
            response: Mapping[str, Any] = self.client.put_events(Entries=entries)
        except (ClientError, BotoCoreError) as exc:
            raise map_eventbridge_error(exc, self.bus_name) from exc
        return response


def _entry_error(failures: list[dict[str, Any]], bus_name: str) -> MangaFlowError:
    first = failures[0]
    said = f"{first['errorCode']}: {first['errorMessage']}".rstrip(": ")
    more = f" (and {len(failures) - 1} more)" if len(failures) > 1 else ""
    message = (
        f"EventBridge bus {bus_name!r} rejected event {first['eventId']} "
        f"({first['detailType']}) with {said}{more}"
    )
    if all(f["errorCode"] in TRANSIENT_ENTRY_CODES for f in failures):
        return ProviderUnavailable(message, details=failures)
    return ProviderError(message, details=failures)


def map_eventbridge_error(exc: BaseException, bus_name: str) -> MangaFlowError:
    """The MangaFlow error for a failed PutEvents call."""
    where = f"EventBridge bus {bus_name!r}"
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        code = str(error.get("Code") or "")
        message = str(error.get("Message") or "")
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        said = f" ({code}: {message})" if message else f" ({code})"
        if code in _RATE_LIMITED or status == 429:
            return ProviderRateLimited(f"{where} is throttling PutEvents{said}")
        if code in _UNAVAILABLE or (isinstance(status, int) and status >= 500):
            return ProviderUnavailable(f"{where} is unavailable{said}")
        if code in _AUTH:
            return ProviderAuthError(
                f"{where} refused PutEvents{said}: check the AWS credentials and the IAM "
                f"permission events:PutEvents on the bus"
            )
        if code == "ResourceNotFoundException":
            return ConfigError(f"{where} does not exist{said}; check {BUS_SETTING}")
        return ProviderError(f"{where} rejected PutEvents{said}")
    if isinstance(exc, NoCredentialsError | PartialCredentialsError):
        return ProviderAuthError(f"no usable AWS credentials to publish to {where}")
    if isinstance(exc, HTTPClientError | BotoConnectionError):
        return ProviderUnavailable(f"cannot reach {where}: {type(exc).__name__}")
    return ProviderError(f"publishing to {where} failed: {type(exc).__name__}")


def register(registry: Any) -> None:
    registry.add_bus(
        "eventbridge", lambda s: EventBridgeBus(s.event_bus_name, region=s.aws_region)
    )
