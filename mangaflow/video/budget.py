"""Budgets: what a video will cost before it is made, what it did cost, and the caps.

* :func:`estimate` prices a topic's video from the configured price table
  (``MANGAFLOW_PRICES``, over :data:`DEFAULT_PRICES`): the script's tokens, one image per
  segment, the narration's characters, the rendered seconds and the upload's quota units.
* :func:`check` runs before each costly stage: the spend so far plus what the remaining
  stages are estimated to cost must stay within every cap (per video, the topic's daily and
  monthly caps, and the global ``MANGAFLOW_VIDEO_DAILY_CAP_USD`` / ``_MONTHLY_CAP_USD``);
  otherwise :class:`BudgetExceeded` names the cap and the numbers, before any paid call.
* :func:`record` stores one priced call (the platform's usage record of the request) and
  adds its cost to the spend ledger (per day and month, overall and per topic); crossing
  ``MANGAFLOW_VIDEO_ALERT_RATIO`` of a cap sends an alert (SNS when configured, else the log
  and the dashboard's alert list).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from mangaflow.platform.context import Context
from mangaflow.platform.errors import BudgetExceeded
from mangaflow.platform.ports import Usage
from mangaflow.platform.usage import estimate as price
from mangaflow.video.domain import WORDS_PER_MINUTE, TopicSettings, topic_key
from mangaflow.video.store import VideoStore

log = logging.getLogger(__name__)

#: List prices of the paid services video uses that the platform's table lacks (USD; the
#: configured table wins). Offline providers cost nothing.
DEFAULT_PRICES: dict[str, dict[str, float]] = {
    "polly": {"per_1k_characters": 0.016},  # neural voices
    "openai:gpt-4o-mini-tts": {"per_1k_characters": 0.015},
    "mediaconvert": {"per_second": 0.0075 / 60},  # basic tier, per output minute
}
SEGMENT_SECONDS = 30.0  # one picture per ~30 s of narration
CHARS_PER_WORD = 6.0
#: Stages in order, and the usage kinds each one spends.
STAGES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("script", ("text",)),
    ("visuals", ("image",)),
    ("narration", ("speech",)),
    ("render", ("render",)),
    ("publish", ("quota",)),
)


@dataclass
class Line:
    kind: str
    provider: str
    quantity: float
    unit: str
    usd: float


@dataclass
class Estimate:
    lines: list[Line] = field(default_factory=list)

    @property
    def total(self) -> float:
        return round(sum(line.usd for line in self.lines), 6)

    def after(self, stage: str) -> float:
        """What the stages from ``stage`` on are estimated to cost."""
        names = [name for name, _ in STAGES]
        kinds = {k for name, ks in STAGES[names.index(stage) :] for k in ks}
        return round(sum(line.usd for line in self.lines if line.kind in kinds), 6)

    def as_dict(self) -> dict[str, Any]:
        return {"total_usd": self.total, "lines": [vars(line) for line in self.lines]}


def prices(settings: Any) -> dict[str, Mapping[str, float]]:
    return {**DEFAULT_PRICES, **settings.prices}


def model_of(settings: Any, provider: str, kind: str) -> str:
    if kind == "speech":
        return settings.openai_speech_model if provider == "openai" else ""
    return str(getattr(settings, f"{provider}_{kind}_model", "") or "")


def estimate(
    settings: Any, topic: TopicSettings, *, segments: int | None = None,
    characters: int | None = None, seconds: float | None = None, comic: bool = False,
) -> Estimate:  # fmt: skip
    """The expected cost of one video of ``topic`` at its target length; once known, the
    script's ``segments`` and narration ``characters`` and the narration's ``seconds``
    replace the assumptions. A ``comic`` (a storyboard's panels) has no text or image calls."""
    seconds = seconds or (characters / CHARS_PER_WORD / WORDS_PER_MINUTE * 60 if characters
                          else topic.target_minutes * 60)  # fmt: skip
    words = topic.target_minutes * WORDS_PER_MINUTE
    n = segments or max(3, round(seconds / SEGMENT_SECONDS))
    chars = characters if characters is not None else int(words * CHARS_PER_WORD)
    # Polly bills the speech-marks call too: the characters twice.
    speech_calls = 2 if settings.speech_provider == "polly" else 1
    table = prices(settings)
    renderer = settings.video_renderer
    publisher = "youtube" if settings.video_publisher == "youtube" else "local"
    wanted = [
        ("text", settings.text_provider, Usage(calls=0 if comic else 1,
                                               input_tokens=0 if comic else 1500,
                                               output_tokens=0 if comic else int(words * 1.4)),
         "tokens"),
        ("image", settings.image_provider, Usage(calls=0 if comic else n,
                                                 images=0 if comic else n), "images"),
        ("speech", settings.speech_provider,
         Usage(calls=n * speech_calls, characters=chars * speech_calls), "characters"),
        ("render", renderer, Usage(calls=1, seconds=seconds), "seconds"),
        ("quota", publisher, Usage(calls=2, quota_units=1650 if publisher == "youtube" else 0),
         "quota units"),
    ]  # fmt: skip
    lines = []
    for kind, provider, usage, unit in wanted:
        quantity = {"tokens": usage.input_tokens + usage.output_tokens, "images": usage.images,
                    "seconds": usage.seconds, "characters": usage.characters,
                    "quota units": usage.quota_units}[unit]  # fmt: skip
        model = model_of(settings, provider, kind)
        lines.append(Line(kind, provider, quantity, unit, price(table, provider, model, usage)))
    return Estimate(lines)


def _periods(now: datetime) -> tuple[str, str]:
    return now.strftime("%Y-%m-%d"), now.strftime("%Y-%m")


def in_flight(c: Context, exclude: str = "") -> tuple[float, dict[str, float]]:
    """What the video requests still running are expected to spend (each one's estimate less
    what it has recorded): in total, and by topic key. The caps count it as if spent, so
    requests made together (the 08:00 run's, or concurrent API calls) cannot pass a cap
    between them before their first paid call."""
    total, by_topic = 0.0, dict[str, float]()
    for status in ("PENDING", "PROCESSING"):
        for req in c.requests.requests_by_status(status):
            if req.type != "VIDEO" or req.request_id == exclude:
                continue
            left = float(req.params.get("estimate", {}).get("total_usd", 0.0))
            left = max(0.0, left - request_cost(c, req.request_id)) if left else 0.0
            total += left
            key = topic_key(req.user_id, str(req.params.get("topic_id") or ""))
            if key:
                by_topic[key] = by_topic.get(key, 0.0) + left
    return round(total, 6), by_topic


def check(
    c: Context, store: VideoStore, topic: TopicSettings | None, *, needed: float,
    video_cost: float = 0.0, topic_id: str = "", now: datetime | None = None,
    request_id: str = "",
) -> None:  # fmt: skip
    """Refuse (``BudgetExceeded``) when spending ``needed`` more USD would pass a cap, with
    the other running video requests' expected spend counted (:func:`in_flight`)."""
    if needed <= 0:
        return
    day, month = _periods(now or datetime.now(UTC))
    s = c.settings
    pending, by_topic = in_flight(c, exclude=request_id)
    caps: list[tuple[str, float, float]] = [
        ("MANGAFLOW_VIDEO_DAILY_CAP_USD (all videos today)", s.video_daily_cap_usd,
         store.spent(f"DAY#{day}") + pending),
        ("MANGAFLOW_VIDEO_MONTHLY_CAP_USD (all videos this month)", s.video_monthly_cap_usd,
         store.spent(f"MONTH#{month}") + pending),
    ]  # fmt: skip
    if topic is not None:
        mine = by_topic.get(topic_id, 0.0)
        caps += [
            ("cap_per_video_usd of the topic", topic.cap_per_video_usd, video_cost),
            ("cap_daily_usd of the topic", topic.cap_daily_usd,
             store.spent(f"TOPIC#{topic_id}#DAY#{day}") + mine),
            ("cap_monthly_usd of the topic", topic.cap_monthly_usd,
             store.spent(f"TOPIC#{topic_id}#MONTH#{month}") + mine),
        ]  # fmt: skip
    over = [
        {"field": name, "cap_usd": cap, "spent_usd": round(spent, 6), "needed_usd": needed,
         "message": f"spent {spent:.4f} + needed {needed:.4f} > cap {cap:.4f} USD"}
        for name, cap, spent in caps if cap > 0 and spent + needed > cap + 1e-9
    ]  # fmt: skip
    if over:
        first = over[0]
        raise BudgetExceeded(
            f"refused: this video needs about {needed:.4f} USD more, and {first['field']} "
            f"allows {first['cap_usd']:.4f} USD of which {first['spent_usd']:.4f} is spent "
            "or expected by running videos; "
            "raise the cap or lower the length/resolution (nothing was spent)",
            details=over,
        )


def record(
    c: Context, store: VideoStore, request_id: str, kind: str, provider: str, usage: Usage,
    *, model: str = "", topic_id: str = "", topic: TopicSettings | None = None,
    now: datetime | None = None,
) -> float:  # fmt: skip
    """Store one call's usage on the request (priced) and add its cost to the ledger."""
    if not usage.cost_usd:
        usage = replace(usage, cost_usd=price(prices(c.settings), provider, model, usage))
    c.requests.record_usage(request_id, provider, kind, usage)
    if usage.cost_usd > 0:
        day, month = _periods(now or datetime.now(UTC))
        keys = [f"DAY#{day}", f"MONTH#{month}"]
        if topic_id:
            keys += [f"TOPIC#{topic_id}#DAY#{day}", f"TOPIC#{topic_id}#MONTH#{month}"]
        store.add_spend(keys, usage.cost_usd)
        _alert_if_near(c, store, topic, topic_id, day, month, usage.cost_usd)
    return usage.cost_usd


def request_cost(c: Context, request_id: str) -> float:
    """What a request's recorded calls cost, in USD."""
    return round(sum(row["cost_usd"] for row in c.requests.usage_summary(request_id).values()), 6)


def _alert_if_near(
    c: Context, store: VideoStore, topic: TopicSettings | None, topic_id: str, day: str,
    month: str, added: float,
) -> None:  # fmt: skip
    s = c.settings
    caps = [("daily", s.video_daily_cap_usd, f"DAY#{day}", ""),
            ("monthly", s.video_monthly_cap_usd, f"MONTH#{month}", "")]  # fmt: skip
    if topic is not None:
        shown = topic_id.split("/", 1)[-1]  # the key is user/topic
        caps += [(f"topic {shown} daily", topic.cap_daily_usd, f"TOPIC#{topic_id}#DAY#{day}",
                  topic_id),
                 (f"topic {shown} monthly", topic.cap_monthly_usd,
                  f"TOPIC#{topic_id}#MONTH#{month}", topic_id)]  # fmt: skip
    for name, cap, key, owner in caps:
        if cap <= 0:
            continue
        spent = store.spent(key)
        threshold = cap * s.video_alert_ratio
        if spent >= threshold > round(spent - added, 6):  # this call crossed the threshold
            alert(c, store, f"video budget: {name} spend {spent:.2f} of {cap:.2f} USD "
                            f"({spent / cap:.0%})", {"cap": name, "spent_usd": spent,
                                                     "cap_usd": cap, "topic_key": owner})  # fmt: skip


def alert(c: Context, store: VideoStore, message: str, data: dict[str, Any]) -> None:
    """Record an alert, and publish it to SNS when ``MANGAFLOW_VIDEO_ALERT_TOPIC_ARN`` is set."""
    log.warning("%s", message)
    delivered = "log"
    arn = c.settings.video_alert_topic_arn
    if arn:
        from mangaflow.platform.adapters.aws import make_client

        try:  # an alert must never undo the paid call it reports on
            make_client("sns", c.settings.aws_region).publish(
                TopicArn=arn, Subject="MangaFlow video budget", Message=message)  # fmt: skip
            delivered = "sns"
        except Exception as exc:  # noqa: BLE001 - recorded with the alert and logged
            log.error("budget alert not delivered to SNS: %s", type(exc).__name__)
            delivered = f"failed: {type(exc).__name__}"
    store.add_alert({"message": message, "delivered": delivered, **data})
