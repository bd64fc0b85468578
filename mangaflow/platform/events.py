"""Domain events: the base every product's events extend, and the platform's own
(:class:`GenerationFailed`). Each carries userId, requestId, the ids it refers to, a timestamp
and an event id used for idempotency. Subclasses with a ``detail_type`` register themselves in
:data:`EVENT_TYPES` so :func:`parse_event` can rebuild them."""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from mangaflow.platform.requests.model import utcnow


def new_id() -> str:
    return uuid.uuid4().hex


#: detail-type → event class, filled as event classes are defined.
EVENT_TYPES: dict[str, type[DomainEvent]] = {}


class DomainEvent(BaseModel):
    """Base of all events; ``detail_type`` and ``source`` follow EventBridge naming."""

    model_config = ConfigDict(frozen=True, populate_by_name=True)

    detail_type: ClassVar[str] = ""
    source: ClassVar[str] = "manga"

    event_id: str = Field(default_factory=new_id, alias="eventId")
    user_id: str = Field(alias="userId")
    request_id: str = Field(alias="requestId")
    timestamp: str = Field(default_factory=utcnow)

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        if cls.detail_type:
            EVENT_TYPES[cls.detail_type] = cls

    def detail(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True)

    def envelope(self) -> dict[str, Any]:
        """EventBridge-style envelope: ``{"source", "detail-type", "detail"}``."""
        return {"source": self.source, "detail-type": self.detail_type, "detail": self.detail()}


class GenerationFailed(DomainEvent):
    detail_type: ClassVar[str] = "Generation Failed"
    source: ClassVar[str] = "manga.pipeline"
    stage: str
    error: str


def parse_event(detail_type: str, detail: dict[str, Any]) -> DomainEvent:
    """Rebuild an event from its detail-type and detail (e.g. from EventBridge). Events of every
    product are known once the product's routes are loaded (:func:`mangaflow.products.routes`)."""
    try:
        cls = EVENT_TYPES[detail_type]
    except KeyError:
        from mangaflow.platform.errors import ValidationError

        raise ValidationError(
            f"unknown event detail-type {detail_type!r}",
            details=[{"field": "detail-type", "message": f"one of {sorted(EVENT_TYPES)}"}],
        ) from None
    return cls.model_validate(detail)
