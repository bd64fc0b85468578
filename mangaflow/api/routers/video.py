"""The video product's routes: topics (with the estimated cost of one video), trends, making
videos, their details, files and statistics, and the budget. A user sees only their own topics
and videos (another user's ids answer 404). Making a video never runs inside a request: the
route stores the request (refused with 409 ``budget_exceeded`` before anything is stored when
a cap would be passed) and publishes ``video.requested``; the event bus starts the flow.

Topic bodies are validated by the topic service itself (as the CLI and the dashboard are), so
every error names its field, including ``min_minutes`` when it is above ``max_minutes``; the
OpenAPI document still describes them (``openapi_extra``). Handlers run in the thread pool:
trend detection and statistics may call YouTube, and a video request may build the speech
client."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Query
from fastapi.responses import FileResponse, RedirectResponse, Response
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from mangaflow.api.deps import Ctx, User
from mangaflow.platform.errors import Conflict, ValidationError
from mangaflow.video import budget
from mangaflow.video.domain import TopicSettings
from mangaflow.video.parts import studio
from mangaflow.video.services import finish, produce, queries, topics

router = APIRouter(prefix="/video", tags=["video"])

FileKind = Literal["mp4", "srt", "vtt", "thumbnail"]
EXAMPLE_TOPIC = {"topic_id": "home-espresso", "name": "Home espresso", "category": "custom",
                 "keywords": ["espresso", "coffee grinder"], "min_minutes": 2,
                 "max_minutes": 4}  # fmt: skip


def _topic_schema(*, partial: bool) -> dict[str, Any]:
    """The JSON schema of a topic body: all of TopicSettings (``name`` and ``keywords``
    required) plus an optional ``topic_id`` on create; every field optional on update."""
    schema = copy.deepcopy(TopicSettings.model_json_schema())
    schema["title"] = "TopicChanges" if partial else "TopicIn"
    if partial:
        schema.pop("required", None)
        schema["examples"] = [{"max_minutes": 6, "keywords": ["espresso", "latte art"]}]
    else:
        schema["properties"]["topic_id"] = {
            "type": "string", "pattern": "^[a-z0-9][a-z0-9-]{0,47}$",
            "description": "Topic id (default: made from the name)."}  # fmt: skip
        schema["examples"] = [EXAMPLE_TOPIC]
    return {"requestBody": {"required": True,
                            "content": {"application/json": {"schema": schema}}}}  # fmt: skip


TopicBody = Annotated[dict[str, Any], Body()]


class VideoIn(BaseModel):
    """What to make: a video of one of your topics, or a motion comic of a manga episode."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "examples": [{"topic_id": "home-espresso", "minutes": 2}]})  # fmt: skip
    topic_id: str = Field(default="", max_length=48, description="One of your topics.")
    episode_id: str = Field(default="", max_length=100,
                            description="Or a finished manga episode of yours.")  # fmt: skip
    minutes: float | None = Field(default=None, ge=1, le=20,
                                  description="Length (default: the topic's midpoint).")  # fmt: skip
    seed: int = Field(default=0, ge=0, le=2**31 - 1, description="Seed of offline models.")
    publish_at: AwareDatetime | None = Field(
        default=None, description="Schedule the publication (future, with a UTC offset)."
    )


class TrendsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    topic_id: str = Field(default="", max_length=48, description="One topic (default: all).")


class StatsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    label: str = Field(default="manual", min_length=1, max_length=20,
                       pattern=r"^[A-Za-z0-9+._-]+$")  # fmt: skip


# ---------------------------------------------------------------------------- topics
@router.get("/topics", summary="Your topics, each with the estimated cost of one video")
def list_topics(user: User, c: Ctx) -> dict[str, Any]:
    st = studio(c)
    return {"topics": [topics.with_estimate(st, t) for t in topics.listing(st, user)]}


@router.post("/topics", status_code=201, summary="Add a topic",
             openapi_extra=_topic_schema(partial=False))  # fmt: skip
def post_topic(body: TopicBody, user: User, c: Ctx) -> dict[str, Any]:
    """Validated field by field (422 names each wrong field); 409 when ``topic_id`` (by
    default made from the name) is taken."""
    st = studio(c)
    return topics.with_estimate(st, topics.create(st, user, body))


@router.get("/topics/{topic_id}", summary="One topic with its estimate")
def get_topic(topic_id: str, user: User, c: Ctx) -> dict[str, Any]:
    st = studio(c)
    return topics.with_estimate(st, topics.get(st, user, topic_id))


@router.patch("/topics/{topic_id}", summary="Change fields of a topic",
              openapi_extra=_topic_schema(partial=True))  # fmt: skip
def patch_topic(topic_id: str, body: TopicBody, user: User, c: Ctx) -> dict[str, Any]:
    """Nothing changes when any value is wrong (422 names the fields)."""
    st = studio(c)
    return topics.with_estimate(st, topics.update(st, user, topic_id, body))


@router.delete("/topics/{topic_id}", status_code=204, summary="Delete a topic (its videos stay)")
def delete_topic(topic_id: str, user: User, c: Ctx) -> Response:
    topics.delete(studio(c), user, topic_id)
    return Response(status_code=204)


@router.get("/topics/{topic_id}/estimate", summary="The estimated cost of one video")
def get_estimate(
    topic_id: str, user: User, c: Ctx,
    minutes: Annotated[float | None, Query(ge=1, le=20, description="Length to price.")] = None,
) -> dict[str, Any]:  # fmt: skip
    """Per kind of call (script, stills, narration, render, upload) and in total, from the
    configured price table, at the topic's target length or at ``minutes``."""
    st = studio(c)
    topic: TopicSettings = topics.get(st, user, topic_id)
    if minutes is not None:
        topic = topic.model_copy(update={"min_minutes": minutes, "max_minutes": minutes})
    return {"topic_id": topic_id, "minutes": topic.target_minutes,
            **budget.estimate(st.settings, topic).as_dict()}  # fmt: skip


# ---------------------------------------------------------------------------- trends
@router.get("/topics/{topic_id}/trends", summary="Stored trend reports, newest first")
def get_trends(
    topic_id: str, user: User, c: Ctx,
    limit: Annotated[int, Query(ge=1, le=365, description="How many days.")] = 30,
) -> dict[str, Any]:  # fmt: skip
    reports = queries.trend_reports(studio(c), user, topic_id, limit)
    return {"topic_id": topic_id, "reports": [r.model_dump(mode="json") for r in reports]}


@router.post("/trends", summary="Detect today's trends for your topics (or one)")
def post_trends(user: User, c: Ctx, body: TrendsIn | None = None) -> dict[str, Any]:
    """Runs now and stores one report per topic and day (offline: deterministic sample trends,
    labelled ``offline``; MANGAFLOW_VIDEO_TRENDS_PROVIDER=youtube asks YouTube)."""
    reports = queries.detect(studio(c), user, body.topic_id if body else "")
    return {"reports": [r.model_dump(mode="json") for r in reports]}


# ---------------------------------------------------------------------------- videos
@router.post("/videos", status_code=202, summary="Make a video (processed by the event bus)")
def post_video(body: VideoIn, user: User, c: Ctx) -> dict[str, Any]:
    """Stores the request and publishes ``video.requested``; 409 ``budget_exceeded`` (nothing
    stored) when its estimate would pass a cap. Follow it at ``statusUrl``."""
    if bool(body.topic_id) == bool(body.episode_id):
        raise ValidationError("give exactly one of topic_id or episode_id", details=[
            {"field": "topic_id", "message": "give a topic id, or episode_id for a motion "
                                             "comic of a manga episode (not both)"}])  # fmt: skip
    publish_at = ""
    if body.publish_at is not None:
        when = body.publish_at.astimezone(UTC)
        if when <= datetime.now(UTC):
            raise ValidationError("publish_at is in the past", details=[
                {"field": "publish_at", "message": "must be in the future"}])  # fmt: skip
        publish_at = when.isoformat().replace("+00:00", "Z")
    st = studio(c)  # request_video: 404 another user's episode, 409 an unfinished one
    req, video = produce.request_video(
        st, user, topic_id=body.topic_id, minutes=body.minutes, episode_id=body.episode_id,
        seed=body.seed, publish_at=publish_at,
    )  # fmt: skip
    return {"requestId": req.request_id, "videoId": video.video_id, "status": req.status,
            "statusUrl": f"/status/{req.request_id}", "videoUrl": f"/video/videos/{video.video_id}",
            "estimate": req.params["estimate"]}  # fmt: skip


@router.get("/videos", summary="Your videos, newest first")
def list_videos(
    user: User, c: Ctx, limit: Annotated[int, Query(ge=1, le=200, description="How many.")] = 50
) -> dict[str, Any]:
    found = studio(c).store.videos(user, limit=limit)
    return {"videos": [v.model_dump(mode="json") for v in found]}


@router.get("/videos/{video_id}", summary="A video: record, usage and cost")
def get_video(video_id: str, user: User, c: Ctx) -> dict[str, Any]:
    """The record (status, files, publication, statistics), usage per ``kind/provider`` and
    ``recorded_cost_usd``, what its calls cost so far."""
    return queries.video(studio(c), user, video_id)


@router.get(
    "/videos/{video_id}/files/{kind}", summary="Download the MP4, captions or thumbnail",
    responses={200: {"content": {"video/mp4": {}, "application/x-subrip": {}, "text/vtt": {},
                                 "image/jpeg": {}}},
               307: {"description": "S3 store: redirect to a 5-minute download URL"}},
)  # fmt: skip
def get_file(video_id: str, kind: FileKind, user: User, c: Ctx) -> Response:
    """The file itself (local store; byte ranges work, so players can seek), or a 307 redirect
    to a URL valid for 5 minutes (S3: a Lambda response cannot carry a video). 404 before the
    video is rendered."""
    st = studio(c)
    key, media, name = queries.file_source(st, user, video_id, kind)
    url = st.blobs.download_url(key, name)  # the video bucket on AWS
    if url is not None:
        return RedirectResponse(url, status_code=307)
    local = Path(st.blobs.locate(key))
    if local.is_file():
        return FileResponse(local, media_type=media, filename=name)
    return Response(st.blobs.get(key), media_type=media,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})  # fmt: skip


@router.post("/videos/{video_id}/stats", summary="Record a published video's statistics now")
def post_stats(video_id: str, user: User, c: Ctx, body: StatsIn | None = None) -> dict[str, Any]:
    """Views, likes and comments from the publisher, appended to the video's statistics; 409
    before it is published."""
    st = studio(c)
    found = st.store.get_video(video_id, user)
    if not found.publish.get("video_id"):
        raise Conflict(f"video {video_id} is not published yet (status {found.status}); "
                       "statistics come from where it is published")  # fmt: skip
    row = finish.record_stats(st, video_id, body.label if body else "manual")
    return {"video_id": video_id, "stats": row}


# ---------------------------------------------------------------------------- budget
@router.get("/budget", summary="Spend today and this month against the caps; alerts")
def get_budget(user: User, c: Ctx) -> dict[str, Any]:
    return queries.budget_overview(studio(c), user)
