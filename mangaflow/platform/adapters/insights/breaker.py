"""A circuit breaker for remote providers, shared by every request in the process.

::

    CLOSED ──(failure_threshold consecutive retryable failures)──▶ OPEN
    OPEN ──(cooldown elapsed; the next call is the trial)──▶ HALF_OPEN
    HALF_OPEN ──(trial succeeds)──▶ CLOSED
    HALF_OPEN ──(trial fails)──▶ OPEN (for another cooldown)

While OPEN (and while a HALF_OPEN trial is in flight) calls fail at once with
:class:`~mangaflow.platform.errors.ProviderUnavailable` and the wrapped function is not called.
Only retryable failures (``exc.retryable``: 5xx, timeouts, connection errors, 429) count;
permanent provider errors such as bad credentials are raised as they are and show that the
remote answered, so they count as a success for the breaker's health; other exceptions
(bugs, interrupts) are raised as they are and leave the state alone.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from typing import TypeVar

from mangaflow.platform.errors import MangaFlowError, ProviderUnavailable, is_retryable

T = TypeVar("T")
Clock = Callable[[], float]


class BreakerState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class CircuitBreaker:
    """Fails fast after ``failure_threshold`` consecutive retryable failures, for
    ``cooldown_seconds``; then lets one trial call through. Thread-safe."""

    def __init__(
        self,
        failure_threshold: int,
        cooldown_seconds: float,
        clock: Clock = time.monotonic,
        *,
        name: str = "provider",
    ) -> None:
        if failure_threshold < 1:
            raise ValueError("failure_threshold must be at least 1")
        if cooldown_seconds < 0:
            raise ValueError("cooldown_seconds must not be negative")
        self.failure_threshold = failure_threshold
        self.cooldown_seconds = cooldown_seconds
        self.name = name
        self._clock = clock
        self._lock = threading.Lock()
        self._state = BreakerState.CLOSED
        self._failures = 0
        self._opened_at = 0.0
        self._trial_in_flight = False

    # ------------------------------------------------------------------ inspection

    @property
    def state(self) -> BreakerState:
        """The current state; an OPEN breaker whose cooldown has elapsed reads HALF_OPEN."""
        with self._lock:
            if self._state is BreakerState.OPEN and self._cooldown_left() <= 0:
                return BreakerState.HALF_OPEN
            return self._state

    @property
    def failures(self) -> int:
        """Consecutive retryable failures counted so far."""
        with self._lock:
            return self._failures

    def retry_after(self) -> float:
        """Seconds until a trial call is allowed (0 when calls may go through)."""
        with self._lock:
            return self._cooldown_left() if self._state is BreakerState.OPEN else 0.0

    # ------------------------------------------------------------------ protocol

    def before_call(self) -> None:
        """Admit a call or raise ``ProviderUnavailable`` without calling anything."""
        with self._lock:
            if self._state is BreakerState.CLOSED:
                return
            if self._state is BreakerState.OPEN:
                left = self._cooldown_left()
                if left > 0:
                    raise self._open_error(left)
                self._state = BreakerState.HALF_OPEN
            if self._trial_in_flight:  # HALF_OPEN: one trial at a time
                raise self._open_error(0.0, trial=True)
            self._trial_in_flight = True

    def record_success(self) -> None:
        with self._lock:
            self._failures = 0
            self._state = BreakerState.CLOSED
            self._trial_in_flight = False

    def record_failure(self) -> None:
        with self._lock:
            self._trial_in_flight = False
            self._failures += 1
            if self._state is BreakerState.HALF_OPEN or self._failures >= self.failure_threshold:
                self._state = BreakerState.OPEN
                self._opened_at = self._clock()

    def record_exception(self, exc: BaseException) -> None:
        """Count ``exc`` when it is retryable; a permanent provider error means the remote
        answered (a success); anything else (a bug, an interrupt) says nothing about it."""
        if is_retryable(exc):
            self.record_failure()
        elif isinstance(exc, MangaFlowError):
            self.record_success()
        else:
            self._release_trial()

    def reset(self) -> None:
        """Back to CLOSED with no failures counted."""
        self.record_success()

    # ------------------------------------------------------------------ use

    def call(self, fn: Callable[[], T]) -> T:
        """Run ``fn`` through the breaker."""
        with self.guard():
            return fn()

    @contextmanager
    def guard(self) -> Iterator[None]:
        """``with breaker.guard(): ...`` — the block runs only when the breaker admits it."""
        self.before_call()
        try:
            yield
        except BaseException as exc:
            self.record_exception(exc)
            raise
        self.record_success()

    def __enter__(self) -> CircuitBreaker:
        self.before_call()
        return self

    def __exit__(self, exc_type: object, exc: BaseException | None, tb: object) -> None:
        if exc is None:
            self.record_success()
        else:
            self.record_exception(exc)

    # ------------------------------------------------------------------ internals

    def _release_trial(self) -> None:
        with self._lock:
            self._trial_in_flight = False

    def _cooldown_left(self) -> float:
        return max(0.0, self._opened_at + self.cooldown_seconds - self._clock())

    def _open_error(self, left: float, *, trial: bool = False) -> ProviderUnavailable:
        if trial:
            return ProviderUnavailable(
                f"{self.name} circuit half-open; a trial call is in progress, retry shortly"
            )
        return ProviderUnavailable(
            f"{self.name} circuit open; retry after {max(1, math.ceil(left))}s "
            f"({self._failures} consecutive failures)"
        )

    def __repr__(self) -> str:
        return (
            f"CircuitBreaker(name={self.name!r}, state={self.state.value}, "
            f"failures={self.failures}/{self.failure_threshold})"
        )


_breakers: dict[str, CircuitBreaker] = {}
_registry_lock = threading.Lock()


def breaker_for(
    key: str,
    failure_threshold: int,
    cooldown_seconds: float,
    *,
    clock: Clock = time.monotonic,
    name: str | None = None,
) -> CircuitBreaker:
    """The process-wide breaker for ``key`` (e.g. ``"qloo:https://hackathon.api.qloo.com"``);
    created on first use, recreated when its threshold or cooldown change."""
    with _registry_lock:
        current = _breakers.get(key)
        if current is None or (current.failure_threshold, current.cooldown_seconds) != (
            failure_threshold,
            cooldown_seconds,
        ):
            current = _breakers[key] = CircuitBreaker(
                failure_threshold, cooldown_seconds, clock, name=name or key
            )
        return current


def reset_breakers() -> None:
    """Forget every process-wide breaker (tests)."""
    with _registry_lock:
        _breakers.clear()
