"""Topics: CRUD through the service, every field validated with errors that name it, and the
estimated cost of one video from the price table."""

from __future__ import annotations

from typing import Any

import pytest

from mangaflow.platform.errors import Conflict, NotFound, ValidationError
from mangaflow.video import budget
from mangaflow.video.domain import TopicSettings, VideoScript, tag_length
from mangaflow.video.parts import Studio
from mangaflow.video.services import topics
from tests.video.conftest import TOPIC, make_studio


def test_create_list_update_delete(st: Studio) -> None:
    topic = topics.create(st, "u1", {**TOPIC, "keywords": ["espresso", " espresso ", "milk"]})
    assert topic.topic_id == "home-espresso"
    assert topic.keywords == ["espresso", "milk"]  # trimmed, deduplicated
    assert topic.size == (1920, 1080)
    assert [t.topic_id for t in topics.listing(st, "u1")] == ["home-espresso"]
    assert topics.listing(st, "u2") == []  # another user's topics are not theirs
    changed = topics.update(st, "u1", "home-espresso", {"aspect": "9:16", "resolution": 720})
    assert changed.size == (720, 1280) and changed.created_at == topic.created_at
    assert topics.get(st, "u1", "home-espresso").aspect == "9:16"
    with pytest.raises(Conflict):
        topics.create(st, "u1", TOPIC)
    topics.delete(st, "u1", "home-espresso")
    with pytest.raises(NotFound):
        topics.get(st, "u1", "home-espresso")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"max_minutes": 25}, "max_minutes"),
        ({"min_minutes": 0.5}, "min_minutes"),
        ({"min_minutes": 9, "max_minutes": 3}, "min_minutes"),
        ({"aspect": "4:3"}, "aspect"),
        ({"category": "gaming"}, "category"),
        ({"keywords": []}, "keywords"),
        ({"keywords": ["x" * 41]}, "keywords"),
        ({"language": "english!"}, "language"),
        ({"privacy": "secret"}, "privacy"),
        ({"cap_daily_usd": -1}, "cap_daily_usd"),
        ({"resolution": 480}, "resolution"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_fields_are_named_and_nothing_is_stored(
    st: Studio, change: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationError) as err:
        topics.create(st, "u1", {**TOPIC, **change})
    assert field in err.value.fields, err.value.details
    assert topics.listing(st, "u1") == []
    topics.create(st, "u1", TOPIC)
    with pytest.raises(ValidationError) as err:
        topics.update(st, "u1", "home-espresso", change)
    assert field in err.value.fields
    assert topics.get(st, "u1", "home-espresso").model_dump() == topics.get(
        st, "u1", "home-espresso").model_dump()  # fmt: skip
    assert topics.get(st, "u1", "home-espresso").max_minutes == 1


def test_estimate_prices_every_stage_from_the_table(tmp_path: Any) -> None:
    prices = {"openai:gpt-4o-mini": {"input_per_1k": 0.001, "output_per_1k": 0.002},
              "openai:gpt-image-1": {"per_image": 0.04}, "polly": {"per_1k_characters": 0.016},
              "ffmpeg": {"per_second": 0.0001}}  # fmt: skip
    st = make_studio(tmp_path, prices=prices, text_provider="offline", speech_provider="polly")
    settings = st.settings.model_copy(
        update={"text_provider": "openai", "image_provider": "openai"}
    )
    topic = TopicSettings.model_validate({**TOPIC, "min_minutes": 4, "max_minutes": 6})
    est = budget.estimate(settings, topic)
    lines = {line.kind: line for line in est.lines}
    words = 5 * 150
    assert lines["text"].usd == pytest.approx(1.5 * 0.001 + int(words * 1.4) / 1000 * 0.002)
    assert lines["image"].quantity == 10 and lines["image"].usd == pytest.approx(0.4)
    # Polly bills the speech-marks call too: the characters twice.
    assert lines["speech"].usd == pytest.approx(2 * words * 6 / 1000 * 0.016)
    assert lines["render"].usd == pytest.approx(300 * 0.0001)
    assert est.total == pytest.approx(sum(line.usd for line in est.lines))
    assert est.after("render") == pytest.approx(lines["render"].usd + lines["quota"].usd)
    view = topics.with_estimate(st, topic)
    assert view["estimate"]["total_usd"] > 0 and view["name"] == "Home espresso"


def test_script_metadata_stays_within_youtube_limits() -> None:
    seg = {"heading": "Intro", "narration": "Hello.", "visual_prompt": "a cup"}
    script = VideoScript(title="<b>Espresso</b>", description="d",
                         tags=[f"a much longer tag number {i}" for i in range(40)], segments=[seg])  # fmt: skip
    assert "<" not in script.title and ">" not in script.title
    assert tag_length(script.tags) <= 500 and 10 < len(script.tags) < 40
    with pytest.raises(Exception, match="title"):
        VideoScript(title="x" * 101, description="", segments=[seg])
