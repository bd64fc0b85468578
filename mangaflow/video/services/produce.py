"""Making a video: the request (refused up front when it would pass a budget cap), then the
stages, each idempotent so a resumed request continues where it stopped:

script → visuals (one still per segment) → narration (one clip per segment) → render → publish

Intermediate files live under ``renders/<user>/<video>/`` (short-lived on S3), results under
``videos/<user>/<video>/``. Every paid call is recorded on the request with its cost
(:func:`mangaflow.video.budget.record`); a stage checks the caps before it spends."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

from mangaflow.platform import storyboard
from mangaflow.platform.errors import NotFound, ValidationError
from mangaflow.platform.ports import ImageRequest, TextRequest, TextResult, Usage
from mangaflow.platform.requests import lifecycle
from mangaflow.platform.requests.model import GenerationRequest
from mangaflow.platform.structured import generate_structured
from mangaflow.video import budget
from mangaflow.video.domain import Segment, TopicSettings, VideoRecord, VideoScript, topic_key
from mangaflow.video.events import VideoRequested
from mangaflow.video.parts import Studio
from mangaflow.video.services import trends as trend_service

#: Offline art settings that suit each topic category, used in turn per segment.
KINDS: dict[str, tuple[str, ...]] = {
    "education": ("school", "lab", "city"), "investing": ("city", "mountain", "village"),
    "tourism": ("mountain", "ocean", "village", "shrine", "castle", "forest", "desert"),
    "technology": ("lab", "space", "city"), "health": ("forest", "mountain", "ocean"),
    "finance": ("city", "village", "mountain"),
    "custom": ("city", "forest", "ocean", "mountain", "space", "village"),
}  # fmt: skip


def render_key(video: VideoRecord, name: str) -> str:
    return f"renders/{video.user_id}/{video.video_id}/{name}"


def result_key(video: VideoRecord, name: str) -> str:
    return f"videos/{video.user_id}/{video.video_id}/{name}"


# ------------------------------------------------------------------------ the request
def request_video(
    st: Studio, user_id: str, *, topic_id: str = "", minutes: float | None = None,
    episode_id: str = "", seed: int = 0, publish_at: str = "",
) -> tuple[GenerationRequest, VideoRecord]:  # fmt: skip
    """Store a video request and publish ``video.requested``. Refused with
    ``BudgetExceeded`` (nothing stored) when the estimate would pass a cap."""
    if not topic_id and not episode_id:
        raise ValidationError("say what the video is about",
                              details=[{"field": "topic_id", "message": "a topic id, or "
                                        "episode_id for a motion comic"}])  # fmt: skip
    if topic_id and episode_id:
        raise ValidationError("give a topic or an episode, not both",
                              details=[{"field": "episode_id", "message": "not with topic_id"}])  # fmt: skip
    shots, narration_chars = 0, 0
    if episode_id:  # the caller's own finished episode (NotFound / Conflict otherwise)
        board = storyboard.load(st.c, "manga", user_id, episode_id)
        shots = len(board.shots)
        if shots > MAX_SEGMENTS:
            raise ValidationError(
                f"episode {episode_id} has {shots} panels; a motion comic takes at most "
                f"{MAX_SEGMENTS}", details=[{"field": "episode_id", "message": "too many panels"}])
        narration_chars = sum(len(s.narration) for s in board.shots)
    topic = st.store.get_topic(user_id, topic_id) if topic_id else None
    settings = TopicSettings.model_validate(
        topic.model_dump(include=set(TopicSettings.model_fields)) if topic
        else {"name": "Motion comic", "keywords": ["manga"], "min_minutes": 1, "max_minutes": 20}
    )  # fmt: skip
    if minutes is not None:
        if not 1 <= minutes <= 20:
            raise ValidationError("minutes must be between 1 and 20",
                                  details=[{"field": "minutes", "message": "1-20"}])  # fmt: skip
        settings = settings.model_copy(update={"min_minutes": minutes, "max_minutes": minutes})
    publish_at = _publish_at(publish_at, settings)
    estimate = (budget.estimate(st.settings, settings, segments=shots, comic=True,
                                characters=narration_chars) if episode_id
                else budget.estimate(st.settings, settings))  # fmt: skip
    budget.check(st.c, st.store, settings, needed=estimate.total,
                 topic_id=topic_key(user_id, topic_id))  # fmt: skip
    request_id = uuid.uuid4().hex
    video = VideoRecord(
        video_id=uuid.uuid4().hex[:16], request_id=request_id, user_id=user_id,
        topic_id=topic_id, source="manga" if episode_id else "topic", episode_id=episode_id,
        estimate_usd=estimate.total, offline=st.c.offline,
    )  # fmt: skip
    req = GenerationRequest(
        request_id=request_id, user_id=user_id, type="VIDEO", seed=seed,
        params={"video_id": video.video_id, "topic_id": topic_id, "episode_id": episode_id,
                "topic": settings.model_dump(mode="json"), "publish_at": publish_at,
                "comic": bool(episode_id),
                "estimate": estimate.as_dict()},
    )  # fmt: skip
    st.c.requests.create_request(req)
    st.store.put_video(video)
    st.c.bus.publish(VideoRequested(userId=user_id, requestId=request_id,
                                    videoId=video.video_id))  # fmt: skip
    return req, video


def _publish_at(value: str, topic: TopicSettings) -> str:
    """A scheduled publishing time: ISO-8601 with a zone, in the future, for a private video
    (YouTube publishes scheduled videos from private)."""
    if not value:
        return ""
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        when = None
    problem = (
        "expected an ISO-8601 time with a zone, e.g. 2026-12-24T09:00:00Z" if when is None
        or when.tzinfo is None else "must be in the future" if when <= datetime.now(UTC)
        else "needs the topic's privacy 'private' (YouTube publishes it at that time)"
        if topic.privacy != "private" else ""
    )  # fmt: skip
    if problem:
        raise ValidationError(f"publish_at {value!r}: {problem}",
                              details=[{"field": "publish_at", "message": problem}])  # fmt: skip
    assert when is not None
    return when.astimezone(UTC).isoformat().replace("+00:00", "Z")


MAX_SEGMENTS = 60  # as VideoScript allows


class Job:
    """One request's video, its topic settings and helpers shared by the stages."""

    def __init__(self, st: Studio, request_id: str) -> None:
        self.st = st
        self.req = st.c.requests.get_request(request_id)
        self.video = st.store.get_video(self.req.params["video_id"])
        self.topic = TopicSettings.model_validate(self.req.params["topic"])
        self.topic_id = str(self.req.params.get("topic_id") or "")
        self.topic_key = topic_key(self.req.user_id, self.topic_id)  # per-topic ledgers

    @property
    def request_id(self) -> str:
        return self.req.request_id

    def stage(self, name: str) -> None:
        self.st.c.requests.mark_stage(self.request_id, name)  # type: ignore[arg-type]
        self.st.c.progress.stage(self.request_id, name)

    def check(self, stage: str, segments: int | None = None, characters: int | None = None,
              seconds: float | None = None) -> None:  # fmt: skip
        """Refuse the stage when what it and the later stages need would pass a cap (priced
        from the script once it exists: its segments and narration characters)."""
        estimate = budget.estimate(self.st.settings, self.topic, segments=segments,
                                   characters=characters, seconds=seconds,
                                   comic=bool(self.req.params.get("comic")))  # fmt: skip
        budget.check(self.st.c, self.st.store, self.topic, needed=estimate.after(stage),
                     video_cost=budget.request_cost(self.st.c, self.request_id),
                     topic_id=self.topic_key, request_id=self.request_id)  # fmt: skip

    def plan(self, stage: str) -> int:
        """Enter ``stage`` after checking the budget for it and the later stages (priced from
        the written script); the number of segments."""
        script = self.script()
        n = len(script.segments)
        self.stage(stage)
        if not (stage == "visuals" and self.video.source == "manga"):  # a comic draws nothing
            self.check(stage, segments=n,
                       characters=sum(len(s.narration) for s in script.segments))  # fmt: skip
        return n

    def record(self, kind: str, provider: str, usage: Usage, model: str = "") -> None:
        budget.record(self.st.c, self.st.store, self.request_id, kind, provider, usage,
                      model=model, topic_id=self.topic_key, topic=self.topic)  # fmt: skip

    def script(self) -> VideoScript:
        return VideoScript.model_validate_json(
            self.st.blobs.get(render_key(self.video, "script.json"))
        )

    def images(self) -> list[str]:
        """Blob keys of the still of each segment (a storyboard's own images for comics)."""
        raw = self.st.blobs.get(render_key(self.video, "stills.json"))
        return list(json.loads(raw))


# ------------------------------------------------------------------------- the script
def _messages(topic: TopicSettings, trends: list[str]) -> list[dict[str, str]]:
    words = int(topic.target_minutes * 150)
    return [
        {"role": "system", "content": (
            "You write narrated YouTube explainers. Answer with one JSON object matching the "
            "schema: title (<= 100 chars, no < or >), description (<= 4500 chars), tags "
            "(<= 500 chars in total), and segments, each with a heading (a chapter title), "
            "narration (spoken text, plain sentences) and a visual_prompt describing one "
            "still image for it. Be accurate; no financial or medical advice.")},
        {"role": "user", "content": (
            f"Topic: {topic.name} ({topic.category}). Keywords: {', '.join(topic.keywords)}. "
            f"Language: {topic.language}. Speaking style: {topic.style}. Length: about "
            f"{words} words of narration in {max(3, round(topic.target_minutes * 2))} "
            f"segments. What is trending now: {'; '.join(trends) or 'n/a'}.")},
    ]  # fmt: skip


def write_script(st: Studio, request_id: str) -> str:
    job = Job(st, request_id)
    key = render_key(job.video, "script.json")
    if st.blobs.exists(key):
        return key
    job.stage("script")
    stills: list[str] = []
    if job.video.source == "manga":
        board = storyboard.load(st.c, "manga", job.video.user_id, job.video.episode_id)
        script = VideoScript(
            title=board.title, description=board.description, tags=board.tags,
            segments=[Segment(heading=s.heading or "Scene", narration=s.narration,
                              visual_prompt=s.image_key, motion="zoom_in" if i % 2 else "pan_right")
                      for i, s in enumerate(board.shots)],
            offline=st.c.text.offline,
        )  # fmt: skip
        stills = [s.image_key for s in board.shots]
    else:
        job.check("script")
        trends = trend_service.latest_titles(st, job.video.user_id, job.topic_id)
        request = TextRequest(
            task="video_script", messages=_messages(job.topic, trends),
            context={"topic": {**job.topic.model_dump(mode="json"),
                               "target_minutes": job.topic.target_minutes}, "trends": trends},
            json_schema=VideoScript.model_json_schema(), seed=job.req.seed,
        )  # fmt: skip

        def count(result: TextResult) -> None:
            job.record("text", result.provider, result.usage, result.model)

        with st.c.text_limiter.slot():
            script, _ = generate_structured(st.c.text, VideoScript, request,
                                            repair_attempts=st.settings.repair_attempts,
                                            on_result=count)  # fmt: skip
        script = script.model_copy(update={"offline": st.c.text.offline})
    st.blobs.put(key, script.model_dump_json(indent=2).encode(), "application/json")
    if stills:
        st.blobs.put(render_key(job.video, "stills.json"), json.dumps(stills).encode(),
                       "application/json")  # fmt: skip
    st.store.update_video(job.video.video_id, title=script.title, status="PROCESSING")
    return key


# ------------------------------------------------------------------------ the visuals
def segment_count(st: Studio, request_id: str) -> int:
    return len(Job(st, request_id).script().segments)


def plan_visuals(st: Studio, request_id: str) -> int:
    """Check the budget for the visuals and later stages; the number of stills to draw
    (0 for a comic, whose panels are its stills)."""
    job = Job(st, request_id)
    n = job.plan("visuals")
    return 0 if job.video.source == "manga" else n


def draw_still(st: Studio, request_id: str, index: int) -> str:
    job = Job(st, request_id)
    key = render_key(job.video, f"stills/{index:03d}.png")
    if st.blobs.exists(key):
        return key
    segment = job.script().segments[index]
    width, height = job.topic.size
    scale = 1280 / max(width, height)  # drawn at 720p; the renderer scales with the motion
    kinds = KINDS.get(job.topic.category, KINDS["custom"])
    request = ImageRequest(
        prompt=f"{segment.visual_prompt}. Clean composition, no text, {job.topic.aspect} frame.",
        negative_prompt="text, watermark, logo, gore", width=round(width * scale),
        height=round(height * scale), seed=job.req.seed * 1000 + index, art_style="Full Color",
        shot="wide", setting=segment.visual_prompt, setting_kind=kinds[index % len(kinds)],
        description=segment.visual_prompt, mood="neutral",
    )  # fmt: skip
    with st.c.image_limiter.slot():
        result = st.c.image.generate(request)
    job.record("image", result.provider, result.usage, result.model)
    st.blobs.put(key, result.png, "image/png")
    return key


def still_keys(st: Studio, request_id: str) -> list[str]:
    job = Job(st, request_id)
    if job.video.source == "manga":
        return job.images()
    n = len(job.script().segments)
    keys = [render_key(job.video, f"stills/{i:03d}.png") for i in range(n)]
    missing = [k for k in keys if not st.blobs.exists(k)]
    if missing:
        raise NotFound(f"{len(missing)} still(s) not drawn yet, e.g. {missing[0]}")
    return keys


def resume(st: Studio, user_id: str, request_id: str) -> GenerationRequest:
    """Reopen a failed or abandoned video request and publish ``video.requested`` again; the
    stages skip what is done (script, stills, narration clips, the render, the upload)."""
    req = st.c.requests.get_request(request_id, user_id=user_id)
    if req.type != "VIDEO":
        raise ValidationError(f"request {request_id} is a {req.type} request, not a video",
                              details=[{"field": "request_id", "message": "not a video "
                                        "request; use `mangaflow resume`"}])  # fmt: skip
    lifecycle.check_resumable(st.c, req)
    why = f"resumed at stage '{req.stage}' after: {req.error or 'its process stopped'}"
    reopened = lifecycle.reopen(st.c, req, why[:500])
    st.store.update_video(req.params["video_id"], status="PROCESSING")
    st.c.bus.publish(VideoRequested(userId=user_id, requestId=request_id,
                                    videoId=req.params["video_id"]))  # fmt: skip
    return reopened


def fail(st: Studio, request_id: str, error: str) -> None:
    """Fail the request and its video (with what it cost so far); a resume reopens both."""
    req = st.c.requests.get_request(request_id)
    lifecycle.fail(st.c, request_id, error)
    video_id = req.params.get("video_id")
    if video_id:
        st.store.update_video(video_id, status="FAILED",
                              cost_usd=budget.request_cost(st.c, request_id))  # fmt: skip
