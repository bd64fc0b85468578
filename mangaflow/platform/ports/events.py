"""The event-bus port: how one stage's domain event reaches the flow of the next."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, ClassVar


class EventBus(ABC):
    """Publishes domain events; the bus decides how the next flow runs.

    ``in_process`` is true for a bus whose events this process must run itself (the inline
    bus: ``drain`` in the CLI, ``serve`` in a worker thread); flows that run every stage in
    one process (the whole-manga and batch flows) need such a bus."""

    in_process: ClassVar[bool] = False

    @abstractmethod
    def publish(self, event: Any) -> None:
        """Deliver ``event`` (a :class:`mangaflow.platform.events.DomainEvent`)."""
