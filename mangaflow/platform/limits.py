"""Per-provider limits shared by every request in the process: calls in flight and calls
per minute."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager


class ProviderLimiter:
    """At most ``concurrency`` calls at once and ``rpm`` starts per rolling minute (0: none)."""

    def __init__(
        self, concurrency: int, rpm: int = 0, *,
        clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep,
    ) -> None:  # fmt: skip
        self.concurrency = concurrency
        self.rpm = rpm
        self._clock, self._sleep = clock, sleep
        self._slots = threading.BoundedSemaphore(concurrency)
        self._starts: deque[float] = deque()
        self._lock = threading.Lock()

    def _wait_for_rate(self) -> None:
        if not self.rpm:
            return
        while True:
            with self._lock:
                now = self._clock()
                while self._starts and now - self._starts[0] >= 60.0:
                    self._starts.popleft()
                if len(self._starts) < self.rpm:
                    self._starts.append(now)
                    return
                wait = 60.0 - (now - self._starts[0])
            self._sleep(min(wait, 1.0))

    @contextmanager
    def slot(self) -> Iterator[None]:
        with self._slots:
            self._wait_for_rate()
            yield


_limiters: dict[str, ProviderLimiter] = {}
_registry_lock = threading.Lock()


def limiter_for(key: str, concurrency: int, rpm: int = 0) -> ProviderLimiter:
    """The process-wide limiter for ``key`` (e.g. ``"image:openai"``); created on first use,
    recreated when its settings change."""
    with _registry_lock:
        current = _limiters.get(key)
        if current is None or (current.concurrency, current.rpm) != (concurrency, rpm):
            current = _limiters[key] = ProviderLimiter(concurrency, rpm)
        return current
