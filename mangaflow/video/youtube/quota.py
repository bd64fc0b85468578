"""The YouTube Data API's daily quota, counted by us before each call, and YouTube's own
quota and rate errors mapped onto the platform's error tree.

Every Data API call costs units (:data:`DEFAULT_COSTS`, the published table; override with
``costs=``). A project has ``MANGAFLOW_YOUTUBE_DAILY_QUOTA`` units per *Pacific* day: the
quota resets at midnight America/Los_Angeles, whatever the server's time zone. The
:class:`QuotaLedger` keeps the units spent per Pacific day in the platform's item table
(``PK = VIDEO#QUOTA``, ``SK = <yyyy-mm-dd>``), so every process of the deployment draws
on one count. A charge is a read, a check and a write conditioned on the revision it read:
two processes charging at once cannot both spend the last units (the loser re-reads and
checks again). A call that would go over the limit is refused *before it is sent* with
:class:`~mangaflow.platform.errors.QuotaExceeded` naming the units used, needed, the limit
and when the quota resets.

Units are charged when a call is *sent*, not when it succeeds: YouTube charges invalid and
failed requests too (at least one unit), so a ledger that only counted successes would
under-count. Each charge is also reported as ``Usage(calls=1, quota_units=n)`` to the
optional ``on_usage`` callback, for the caller's cost records.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from mangaflow.platform.adapters.http import raise_for_response, retry_after_seconds
from mangaflow.platform.errors import (
    ConditionFailed,
    ConfigError,
    ProviderAuthError,
    ProviderError,
    ProviderRateLimited,
    QuotaExceeded,
    StorageError,
)
from mangaflow.platform.ports import ItemTable, Put, Usage
from mangaflow.platform.retry import capped_retry_after

log = logging.getLogger("mangaflow.video.youtube")

PACIFIC = ZoneInfo("America/Los_Angeles")
QUOTA_PK = "VIDEO#QUOTA"
LIMIT_SETTING = "MANGAFLOW_YOUTUBE_DAILY_QUOTA"
#: Units per call (YouTube Data API v3 quota table).
DEFAULT_COSTS: Mapping[str, int] = MappingProxyType({
    "videos.list": 1, "search.list": 100, "videoCategories.list": 1,
    "videos.insert": 1600, "thumbnails.set": 50, "captions.insert": 400,
})  # fmt: skip
#: Error reasons YouTube sends when a daily allowance is spent (no retry helps today).
_SPENT = {"quotaExceeded": "the project's daily API quota", "dailyLimitExceeded":
          "the project's daily API quota", "uploadLimitExceeded": "the channel's upload limit"}  # fmt: skip
_THROTTLED = {"rateLimitExceeded", "userRateLimitExceeded"}
#: 403 reasons that mean the credentials lack a right (a fix in the settings or the channel).
_DENIED = {"forbidden", "insufficientPermissions", "accessNotConfigured", "authError",
           "youtubeSignupRequired"}  # fmt: skip
_AUTH_SETTINGS = (
    "MANGAFLOW_YOUTUBE_API_KEY (read-only calls) or MANGAFLOW_YOUTUBE_CLIENT_ID, "
    "MANGAFLOW_YOUTUBE_CLIENT_SECRET and MANGAFLOW_YOUTUBE_REFRESH_TOKEN "
    "(or MANGAFLOW_YOUTUBE_SECRET_ID)"
)


def quota_day(now: datetime) -> date:
    """The Pacific calendar day ``now`` (time-zone aware) falls on."""
    return now.astimezone(PACIFIC).date()


def next_reset(now: datetime) -> datetime:
    """The next Pacific midnight after ``now``, in Pacific time (DST handled by zoneinfo)."""
    return datetime.combine(quota_day(now) + timedelta(days=1), time(0), tzinfo=PACIFIC)


@dataclass(frozen=True)
class QuotaState:
    """Units used on one Pacific day, out of ``limit``; the quota resets at ``resets_at``."""

    day: date
    used: int
    limit: int
    resets_at: datetime

    @property
    def remaining(self) -> int:
        return max(0, self.limit - self.used)


def _utc_now() -> datetime:
    return datetime.now(UTC)


class QuotaLedger:
    """The persistent count of Data API units per Pacific day (see the module)."""

    def __init__(
        self, table: ItemTable, limit: int, *, costs: Mapping[str, int] | None = None,
        clock: Callable[[], datetime] = _utc_now, on_usage: Callable[[Usage], None] | None = None,
        attempts: int = 50,
    ) -> None:  # fmt: skip
        if limit < 1:
            raise ConfigError(f"{LIMIT_SETTING} must be at least 1 (got {limit})")
        self.table = table
        self.limit = limit
        self.costs = {**DEFAULT_COSTS, **(costs or {})}
        bad = {name: units for name, units in self.costs.items() if units < 0}
        if bad:
            raise ConfigError(f"YouTube quota costs must be 0 or more units (got {bad})")
        self.clock = clock
        self.on_usage = on_usage
        self.attempts = max(1, attempts)

    def cost(self, method: str) -> int:
        """Units one ``method`` call (``"videos.list"``, ...) costs."""
        try:
            return self.costs[method]
        except KeyError:
            raise ConfigError(
                f"no quota cost known for YouTube method {method!r}; pass it in costs= "
                f"(known: {', '.join(sorted(self.costs))})"
            ) from None

    def state(self, now: datetime | None = None) -> QuotaState:
        """Units used today (Pacific) and when the quota resets."""
        now = now or self.clock()
        item = self.table.get(QUOTA_PK, quota_day(now).isoformat())
        used = int(item["used"]) if item else 0
        return QuotaState(quota_day(now), used, self.limit, next_reset(now))

    def charge(self, method: str) -> Usage:
        """Spend the units of one ``method`` call, or raise ``QuotaExceeded`` (nothing spent)
        when they would take today's count over the limit. Returns the call's usage, also
        passed to ``on_usage``."""
        units = self.cost(method)
        for _ in range(self.attempts):
            now = self.clock()
            day = quota_day(now).isoformat()
            item = self.table.get(QUOTA_PK, day)
            used = int(item["used"]) if item else 0
            revision = int(item["revision"]) if item else 0
            if used + units > self.limit:
                raise self._refusal(method, used, units, next_reset(now))
            by_method = dict(item.get("by_method") or {}) if item else {}
            by_method[method] = int(by_method.get(method, 0)) + units
            record = {"PK": QUOTA_PK, "SK": day, "used": used + units, "limit": self.limit,
                      "revision": revision + 1, "by_method": by_method}  # fmt: skip
            op = (Put(record, if_not_exists=True) if item is None
                  else Put(record, if_equals={"revision": revision}))  # fmt: skip
            try:
                self.table.put(op)
            except ConditionFailed:
                continue  # another process charged in between: read again and re-check
            usage = Usage(calls=1, quota_units=units)
            if self.on_usage is not None:
                self.on_usage(usage)
            return usage
        raise StorageError(
            f"could not record {units} YouTube quota units for {method} after "
            f"{self.attempts} attempts (other processes kept charging at the same time)"
        )

    def _refusal(self, method: str, used: int, units: int, resets: datetime) -> QuotaExceeded:
        return QuotaExceeded(
            f"YouTube Data API quota would be exceeded: {method} needs {units} units, "
            f"{used} of {self.limit} are used today (Pacific time); the quota resets at "
            f"{resets:%Y-%m-%d %H:%M %Z} ({resets.astimezone(UTC):%Y-%m-%dT%H:%M}Z). Wait "
            f"for the reset, or raise {LIMIT_SETTING} if Google granted this project more",
            details={"method": method, "used": used, "needed": units, "limit": self.limit,
                     "resets_at": resets.isoformat()},
        )  # fmt: skip


def error_reasons(response: httpx.Response) -> tuple[list[str], str]:
    """The ``error.errors[].reason`` values and ``error.message`` of a Google API error
    body (empty when the body is not one)."""
    try:
        body: Any = response.json()
    except ValueError:
        return [], ""
    error = body.get("error") if isinstance(body, Mapping) else None
    if not isinstance(error, Mapping):
        return [], ""
    items = error.get("errors")
    reasons = [str(e.get("reason")) for e in items if isinstance(e, Mapping) and e.get("reason")
               ] if isinstance(items, list) else []  # fmt: skip
    message = error.get("message")
    return reasons, str(message)[:200] if isinstance(message, str) else ""


def raise_for_youtube(
    response: httpx.Response, *, what: str, now: datetime | None = None,
    retry_after_cap: float = 30.0,
) -> None:  # fmt: skip
    """Raise the mapped error for a non-2xx Data API or upload response: a spent quota
    (``quotaExceeded``, ``dailyLimitExceeded``, ``uploadLimitExceeded``) is
    :class:`QuotaExceeded` with the next Pacific midnight; throttling (``rateLimitExceeded``,
    ``userRateLimitExceeded``, 429) is :class:`ProviderRateLimited` (retryable); 401 and
    permission 403s are :class:`ProviderAuthError` naming the settings; the rest as
    :func:`~mangaflow.platform.adapters.http.raise_for_response` maps them."""
    code = response.status_code
    if code < 400:
        return
    reasons, message = error_reasons(response)
    provider = f"YouTube ({what})"
    spent = next((r for r in reasons if r in _SPENT), None)
    if spent is not None:
        resets = next_reset(now or _utc_now())
        raise QuotaExceeded(
            f"{provider} refused the call: {_SPENT[spent]} is spent ({code} {spent}); it "
            f"resets at {resets:%Y-%m-%d %H:%M %Z}",
            details={"reason": spent, "used": None, "needed": None, "limit": None,
                     "resets_at": resets.isoformat()},
        )  # fmt: skip
    if any(r in _THROTTLED for r in reasons):
        wait = capped_retry_after(retry_after_seconds(response.headers), retry_after_cap)
        raise ProviderRateLimited(
            f"{provider} is rate limiting requests ({code} {reasons[0]})", retry_after=wait
        )
    if code == 401 or (code == 403 and any(r in _DENIED for r in reasons)):
        why = f" ({', '.join(reasons)})" if reasons else ""
        raise ProviderAuthError(f"{provider} refused the credentials ({code}){why}; check "
                                f"{_AUTH_SETTINGS}")  # fmt: skip
    if code in (400, 403, 404) and reasons:
        raise ProviderError(f"{provider} rejected the request ({code} {', '.join(reasons)}): "
                            f"{message}")  # fmt: skip
    raise_for_response(response, provider=provider, key_setting=_AUTH_SETTINGS,
                       retry_after_cap=retry_after_cap)  # fmt: skip


__all__ = [
    "DEFAULT_COSTS", "PACIFIC", "QUOTA_PK", "QuotaExceeded", "QuotaLedger", "QuotaState",
    "error_reasons", "next_reset", "quota_day", "raise_for_youtube",
]  # fmt: skip
