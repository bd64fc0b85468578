"""In-process event bus: events queue up and handlers run them in order, either all at once
(:meth:`InlineEventBus.drain`, the CLI) or continuously in a worker thread
(:meth:`InlineEventBus.serve`, the local API server). Used for one-machine runs."""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable, Mapping
from typing import Any

from mangaflow.platform.errors import ConfigError
from mangaflow.platform.events import DomainEvent
from mangaflow.platform.ports import EventBus

Handler = Callable[[DomainEvent], Any]
log = logging.getLogger("mangaflow.events")


class InlineEventBus(EventBus):
    """A FIFO of published events; ``published`` keeps every event for inspection."""

    in_process = True

    def __init__(self) -> None:
        self._queue: deque[DomainEvent] = deque()
        self._ready = threading.Condition()
        self.published: list[DomainEvent] = []

    def publish(self, event: DomainEvent) -> None:
        with self._ready:
            self._queue.append(event)
            self.published.append(event)
            self._ready.notify()

    def _next(self, timeout: float | None) -> DomainEvent | None:
        with self._ready:
            if not self._queue and timeout:
                self._ready.wait(timeout)
            return self._queue.popleft() if self._queue else None

    def drain(
        self, handlers: Mapping[str, Handler],
        on_error: Callable[[DomainEvent, BaseException], Any] | None = None,
    ) -> int:  # fmt: skip
        """Deliver queued events (and the ones handlers publish) until none is left.
        Events without a handler (e.g. completions) are consumed. A failing handler raises,
        unless ``on_error`` takes the failure (then draining goes on). Returns how many ran."""
        ran = 0
        while (event := self._next(None)) is not None:
            handler = handlers.get(event.detail_type)
            if handler is None:
                continue
            try:
                handler(event)
            except Exception as exc:
                if on_error is None:
                    raise
                on_error(event, exc)
            ran += 1
        return ran

    def serve(
        self, handlers: Mapping[str, Handler], stop: threading.Event,
        on_error: Callable[[DomainEvent, BaseException], Any] | None = None,
    ) -> None:  # fmt: skip
        """Run handlers for events as they arrive until ``stop`` is set. A failing handler is
        logged, handed to ``on_error`` (the dead-letter store) and the loop goes on."""
        while not stop.is_set():
            event = self._next(0.2)
            if event is None:
                continue
            handler = handlers.get(event.detail_type)
            if handler is None:
                continue
            try:
                handler(event)
            except Exception as exc:  # recorded on the request by the flow hooks; keep serving
                log.warning("event %s (%s) failed", event.event_id, event.detail_type)
                if on_error is not None:
                    on_error(event, exc)


def in_process_bus(bus: EventBus, who: str) -> InlineEventBus:
    """``bus`` as the inline bus that ``who`` needs (it runs every stage in its own process);
    ``ConfigError`` saying so for any other bus."""
    if not bus.in_process or not isinstance(bus, InlineEventBus):
        raise ConfigError(f"{who} needs MANGAFLOW_EVENT_BUS=inline")
    return bus


def register(registry: Any) -> None:
    registry.add_bus("inline", InlineEventBus)
