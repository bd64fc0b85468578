"""``video-trends`` (daily, 08:00 America/New_York): today's trends of every topic (or one),
then a video request for each topic whose schedule asks for one today."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from prefect import flow, get_run_logger
from prefect.artifacts import create_table_artifact

from mangaflow.bootstrap import get_context
from mangaflow.platform.errors import MangaFlowError
from mangaflow.video.events import VideoTrendsRequested
from mangaflow.video.parts import studio
from mangaflow.video.services import produce, trends


@flow(name="video-trends")
def video_trends(event: dict[str, Any] | None = None) -> dict[str, Any]:
    ev = VideoTrendsRequested.model_validate(event or {"userId": "system",
                                                       "requestId": "video-trends"})  # fmt: skip
    st = studio(get_context())
    log = get_run_logger()
    now = datetime.now(UTC)
    everyone = ev.user_id == "system"  # the schedule's run; a user's run covers their topics
    topics = [t for t in st.store.all_topics()
              if (everyone or t.user_id == ev.user_id)
              and (not ev.topic_id or t.topic_id == ev.topic_id)]  # fmt: skip
    rows, requested, refused = [], [], []
    for topic in topics:
        try:
            report = trends.detect(st, topic, now)
        except MangaFlowError as exc:  # one topic's failure does not stop the others
            log.error("trends of %s failed: %s", topic.topic_id, exc.message)
            refused.append({"topic": topic.topic_id, "reason": exc.message})
            continue
        top = report.items[0] if report.items else None
        rows.append({"topic": topic.topic_id, "source": report.source, "items": len(report.items),
                     "top": top.title if top else "", "quota_units": report.quota_units})  # fmt: skip
        if trends.due_for_video(topic, now):
            try:
                req, _ = produce.request_video(st, topic.user_id, topic_id=topic.topic_id)
                requested.append(req.request_id)
            except MangaFlowError as exc:  # a budget refusal, a bad topic...
                log.warning("no video for %s today: %s", topic.topic_id, exc.message)
                refused.append({"topic": topic.topic_id, "reason": exc.message})
    if rows:
        create_table_artifact(key="video-trends", table=rows,
                              description=f"trends of {len(rows)} topics")  # fmt: skip
    return {"topics": len(topics), "trends": rows, "requested": requested, "refused": refused}
