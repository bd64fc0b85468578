"""Topics: create, read, update, delete, each validated (errors name the field), with the
estimated cost of one video."""

from __future__ import annotations

from typing import Any

import pydantic

from mangaflow.platform.errors import ConditionFailed, Conflict, ValidationError, invalid
from mangaflow.platform.requests.model import utcnow
from mangaflow.video import budget
from mangaflow.video.domain import Topic, TopicSettings, slugify
from mangaflow.video.parts import Studio

HINTS = ("min_minutes", "max_minutes", "keywords")


def _settings(data: Any) -> TopicSettings:
    if not isinstance(data, dict):
        raise ValidationError("a topic must be a JSON object",
                              details=[{"field": "body", "message": "expected an object"}])  # fmt: skip
    try:
        return TopicSettings.model_validate(data)
    except pydantic.ValidationError as exc:
        raise invalid(exc, "topic", HINTS) from None


def create(st: Studio, user_id: str, data: Any) -> Topic:
    data = dict(data) if isinstance(data, dict) else data
    topic_id = data.pop("topic_id", "") if isinstance(data, dict) else ""
    settings = _settings(data)
    try:
        topic = Topic(topic_id=topic_id or slugify(settings.name), user_id=user_id,
                      **settings.model_dump())  # fmt: skip
    except pydantic.ValidationError as exc:
        raise invalid(exc, "topic", HINTS) from None
    try:
        st.store.put_topic(topic, new=True)
    except ConditionFailed:
        raise Conflict(f"topic {topic.topic_id!r} exists; update it or pick another "
                       "topic_id") from None  # fmt: skip
    return topic


def update(st: Studio, user_id: str, topic_id: str, changes: Any) -> Topic:
    if not isinstance(changes, dict):
        raise ValidationError("changes must be a JSON object",
                              details=[{"field": "body", "message": "expected an object"}])  # fmt: skip
    current = st.store.get_topic(user_id, topic_id)
    unknown = set(changes) - set(TopicSettings.model_fields)
    if unknown:
        raise ValidationError(f"unknown topic field(s): {', '.join(sorted(unknown))}",
                              details=[{"field": f, "message": "not a topic field"}
                                       for f in sorted(unknown)])  # fmt: skip
    merged = {**current.model_dump(include=set(TopicSettings.model_fields)), **changes}
    settings = _settings(merged)
    topic = Topic(topic_id=topic_id, user_id=user_id, created_at=current.created_at,
                  updated_at=utcnow(), **settings.model_dump())  # fmt: skip
    st.store.put_topic(topic)
    return topic


def get(st: Studio, user_id: str, topic_id: str) -> Topic:
    return st.store.get_topic(user_id, topic_id)


def listing(st: Studio, user_id: str) -> list[Topic]:
    return st.store.topics(user_id)


def delete(st: Studio, user_id: str, topic_id: str) -> None:
    st.store.delete_topic(user_id, topic_id)


def with_estimate(st: Studio, topic: TopicSettings) -> dict[str, Any]:
    """The topic as the API shows it: its fields and the estimated cost of one video."""
    return {**topic.model_dump(mode="json"),
            "estimate": budget.estimate(st.settings, topic).as_dict()}  # fmt: skip
