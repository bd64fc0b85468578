"""The video product's records on the platform's :class:`ItemTable` (single-table keys). The
only code that knows their keys.

=====================  ===================================  ==================================
item                   PK | SK                              GSI1PK | GSI1SK
=====================  ===================================  ==================================
topic                  USER#uid | VTOPIC#topic_id           VIDEO#TOPICS | topic_id
trend report           VTOPIC#uid/topic_id | TRENDS#day     VIDEO#TRENDS#day | uid/topic_id
video                  VIDEO#video_id | VIDEO               VIDEOS#uid | created_at
spend (all, topic)     VIDEO#SPEND | DAY#d, MONTH#m,
                       TOPIC#uid/t#DAY#d, TOPIC#uid/t#MONTH#m  (amount, rev)
budget alert           VIDEO#ALERTS | ts#id
=====================  ===================================  ==================================
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from mangaflow.platform.errors import ConditionFailed, NotFound
from mangaflow.platform.ports import ItemTable, Put
from mangaflow.platform.requests.model import utcnow
from mangaflow.platform.requests.store import strip_keys
from mangaflow.video.domain import Topic, TrendReport, VideoRecord, topic_key


class VideoStore:
    """Reads and writes topics, trend reports, videos and the spend ledger."""

    def __init__(self, table: ItemTable) -> None:
        self.table = table

    # ------------------------------------------------------------------ topics
    def put_topic(self, topic: Topic, *, new: bool = False) -> None:
        item = {
            "PK": f"USER#{topic.user_id}", "SK": f"VTOPIC#{topic.topic_id}",
            "GSI1PK": "VIDEO#TOPICS", "GSI1SK": topic.topic_id,
            **topic.model_dump(mode="json"),
        }  # fmt: skip
        self.table.put(Put(item, if_not_exists=new))

    def get_topic(self, user_id: str, topic_id: str) -> Topic:
        item = self.table.get(f"USER#{user_id}", f"VTOPIC#{topic_id}")
        if item is None:
            raise NotFound(f"no topic {topic_id!r}")
        return Topic.model_validate(strip_keys(item))

    def topics(self, user_id: str) -> list[Topic]:
        rows = self.table.query(f"USER#{user_id}", "VTOPIC#")
        return [Topic.model_validate(strip_keys(r)) for r in rows]

    def all_topics(self) -> list[Topic]:
        rows = self.table.query("VIDEO#TOPICS", "", index="GSI1")
        return [Topic.model_validate(strip_keys(r)) for r in rows]

    def delete_topic(self, user_id: str, topic_id: str) -> None:
        self.get_topic(user_id, topic_id)
        self.table.delete(f"USER#{user_id}", f"VTOPIC#{topic_id}")

    # ------------------------------------------------------------------ trends
    def put_trends(self, report: TrendReport) -> None:
        self.table.put(Put({
            "PK": f"VTOPIC#{topic_key(report.user_id, report.topic_id)}",
            "SK": f"TRENDS#{report.day}", "GSI1PK": f"VIDEO#TRENDS#{report.day}",
            "GSI1SK": topic_key(report.user_id, report.topic_id),
            **report.model_dump(mode="json"),
        }))  # fmt: skip

    def trends(self, user_id: str, topic_id: str, limit: int = 30) -> list[TrendReport]:
        rows = self.table.query(f"VTOPIC#{topic_key(user_id, topic_id)}", "TRENDS#",
                                descending=True, limit=limit)  # fmt: skip
        return [TrendReport.model_validate(strip_keys(r)) for r in rows]

    def trends_on(self, day: str) -> list[TrendReport]:
        rows = self.table.query(f"VIDEO#TRENDS#{day}", "", index="GSI1")
        return [TrendReport.model_validate(strip_keys(r)) for r in rows]

    # ------------------------------------------------------------------ videos
    def put_video(self, video: VideoRecord) -> None:
        video.updated_at = utcnow()
        self.table.put(Put({
            "PK": f"VIDEO#{video.video_id}", "SK": "VIDEO",
            "GSI1PK": f"VIDEOS#{video.user_id}", "GSI1SK": video.created_at,
            **video.model_dump(mode="json"),
        }))  # fmt: skip

    def get_video(self, video_id: str, user_id: str | None = None) -> VideoRecord:
        item = self.table.get(f"VIDEO#{video_id}", "VIDEO")
        if item is None or (user_id is not None and item["user_id"] != user_id):
            raise NotFound(f"no video {video_id!r}")
        return VideoRecord.model_validate(strip_keys(item))

    def videos(self, user_id: str, limit: int = 50) -> list[VideoRecord]:
        rows = self.table.query(f"VIDEOS#{user_id}", "", index="GSI1", descending=True,
                                limit=limit)  # fmt: skip
        return [VideoRecord.model_validate(strip_keys(r)) for r in rows]

    def update_video(self, video_id: str, **changes: Any) -> VideoRecord:
        video = self.get_video(video_id).model_copy(update=changes)
        self.put_video(video)
        return video

    # ------------------------------------------------------------------- spend
    def spent(self, key: str) -> float:
        item = self.table.get("VIDEO#SPEND", key)
        return float(item["amount"]) if item else 0.0

    def add_spend(self, keys: list[str], amount: float) -> None:
        """Add ``amount`` USD to each ledger key, with an optimistic revision check so
        concurrent stages never lose an addition."""
        for key in keys:
            for _ in range(50):
                item = self.table.get("VIDEO#SPEND", key)
                rev = item.get("rev") if item else None
                total = round((float(item["amount"]) if item else 0.0) + amount, 6)
                new = {"PK": "VIDEO#SPEND", "SK": key, "amount": total, "rev": (rev or 0) + 1}
                try:
                    if item is None:
                        self.table.put(Put(new, if_not_exists=True))
                    else:
                        self.table.put(Put(new, if_equals={"rev": rev}))
                    break
                except ConditionFailed:
                    time.sleep(0.005)
            else:
                raise ConditionFailed(f"spend ledger {key} kept changing; addition abandoned")

    def add_alert(self, alert: dict[str, Any]) -> None:
        self.table.put(Put({"PK": "VIDEO#ALERTS", "SK": f"{utcnow()}#{uuid.uuid4().hex[:6]}",
                            **alert}))  # fmt: skip

    def alerts(self, limit: int = 50) -> list[dict[str, Any]]:
        rows = self.table.query("VIDEO#ALERTS", "", descending=True, limit=limit)
        return [strip_keys(r) for r in rows]
