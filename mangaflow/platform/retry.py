"""Retries inside one provider call: the first line of defence against transient faults.

Two layers retry a transient provider failure (``error.retryable``):

1. **In the call** (this module, used by the provider adapters): up to
   ``provider_retries`` more attempts after a short exponential backoff
   (``provider_retry_backoff_seconds`` x 2^n, plus jitter). A blip — a 500, a reset
   connection, a 200 whose body is not JSON, a truncated or corrupt image — costs a second,
   not a task retry.
2. **The task** (``tasks.policy``, Prefect's task retries): ``retries`` more attempts of the
   whole step with a longer backoff (``retry_backoff_seconds`` x 2^n), for outages longer
   than the in-call retries cover. Worst case ``(1 + provider_retries) x (1 + retries)``
   calls per step; the defaults (2 and 3) make that 12.

``Retry-After`` is honoured here, where the header is read: a 429 (or 503) that carries it is
retried after at least ``min(retry_after, retry_after_cap_seconds)`` seconds (the adapter
stores the capped value in ``error.retry_after``). Waiting inside the call holds the
provider slot (:mod:`mangaflow.platform.limits`), which is the point: a provider that asks
us to slow down gets fewer calls from this process. When the in-call attempts run out, the
task policy's retry condition waits ``retry_after`` again before Prefect's own delay, so
every retry waits at least that long. (Prefect's task retry delays are a fixed schedule
computed before the error is known, so that is the only place there to add it.)

Read timeouts (:class:`~mangaflow.platform.errors.ProviderTimeout`) are not retried in the
call: the provider may still be working on, and billing, the request, and a slow provider
would otherwise cost ``(1 + provider_retries)`` timeouts per task attempt. The task retries
them.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from typing import TypeVar

from mangaflow.platform.config import Settings
from mangaflow.platform.errors import ProviderError, ProviderTimeout

T = TypeVar("T")

log = logging.getLogger("mangaflow.providers")


def capped_retry_after(seconds: float | None, cap: float) -> float | None:
    """``seconds`` within ``0..cap`` (None stays None)."""
    if seconds is None:
        return None
    return max(0.0, min(float(seconds), cap))


class CallRetry:
    """Runs one provider call with in-call retries of transient failures (see the module)."""

    def __init__(
        self, retries: int, backoff: float, jitter: float = 0.0, *,
        sleep: Callable[[float], None] = time.sleep, rng: random.Random | None = None,
    ) -> None:  # fmt: skip
        self.retries = max(0, retries)
        self.backoff = max(0.0, backoff)
        self.jitter = max(0.0, jitter)
        self._sleep = sleep
        self._rng = rng or random.Random()

    @classmethod
    def from_settings(cls, settings: Settings, **kwargs: object) -> CallRetry:
        return cls(settings.provider_retries, settings.provider_retry_backoff_seconds,
                   settings.retry_jitter, **kwargs)  # type: ignore[arg-type]  # fmt: skip

    def delay(self, attempt: int, error: ProviderError) -> float:
        """Seconds to wait after failed attempt ``attempt`` (0-based): the backoff with
        jitter, and at least the error's (already capped) ``retry_after``."""
        wait = self.backoff * (2**attempt) * (1.0 + self.jitter * self._rng.random())
        if error.retry_after is not None:
            wait = max(wait, error.retry_after)
        return wait

    def should_retry(self, error: ProviderError) -> bool:
        return error.retryable and not isinstance(error, ProviderTimeout)

    def __call__(self, call: Callable[[], T], *, what: str = "provider call") -> T:
        """``call()``, retried in place while it raises a transient provider error (at most
        :attr:`retries` times); the last error is raised as it is."""
        attempt = 0
        while True:
            try:
                return call()
            except ProviderError as exc:
                if attempt >= self.retries or not self.should_retry(exc):
                    raise
                wait = self.delay(attempt, exc)
                attempt += 1
                log.info("%s failed (%s: %s); attempt %d of %d in %.2f s", what,
                         type(exc).__name__, exc.message, attempt + 1, self.retries + 1, wait)  # fmt: skip
                if wait > 0:
                    self._sleep(wait)


__all__ = ["CallRetry", "capped_retry_after"]
