"""In-process event bus: events queue up and :meth:`InlineEventBus.drain` hands each to the
handler registered for its detail-type, in order. Used for one-machine runs."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Mapping
from typing import Any

from mangaflow.domain.events import DomainEvent
from mangaflow.ports import EventBus

Handler = Callable[[DomainEvent], Any]


class InlineEventBus(EventBus):
    """A FIFO of published events; ``published`` keeps every event for inspection."""

    def __init__(self) -> None:
        self._queue: deque[DomainEvent] = deque()
        self._lock = threading.Lock()
        self.published: list[DomainEvent] = []

    def publish(self, event: DomainEvent) -> None:
        with self._lock:
            self._queue.append(event)
            self.published.append(event)

    def drain(self, handlers: Mapping[str, Handler]) -> int:
        """Deliver queued events (and the ones handlers publish) until none is left.
        Events without a handler (e.g. completions) are consumed. Returns how many ran."""
        ran = 0
        while True:
            with self._lock:
                if not self._queue:
                    return ran
                event = self._queue.popleft()
            handler = handlers.get(event.detail_type)
            if handler is not None:
                handler(event)
                ran += 1
