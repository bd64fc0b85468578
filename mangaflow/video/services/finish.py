"""The last stages: render (local ffmpeg, or MediaConvert on AWS whose job-state event
resumes the request), publish (the configured publisher, with chapters, captions and a
thumbnail) and statistics (+1 h, +24 h, +7 d after publishing)."""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from mangaflow.platform.errors import Conflict
from mangaflow.platform.ports import Usage
from mangaflow.platform.requests import lifecycle
from mangaflow.platform.requests.model import utcnow
from mangaflow.video import budget
from mangaflow.video.domain import YOUTUBE_CATEGORY, VideoScript
from mangaflow.video.parts import Studio
from mangaflow.video.ports import DESCRIPTION_MAX_BYTES
from mangaflow.video.services import narrate
from mangaflow.video.services.produce import Job, render_key, result_key, still_keys

CROSSFADE_S = 0.5
#: When statistics are recorded after publishing, and their labels.
STATS_AFTER: tuple[tuple[str, float], ...] = (("+1h", 3600.0), ("+24h", 86400.0),
                                              ("+7d", 604800.0))  # fmt: skip


def chapters(script: VideoScript, lengths: list[float]) -> str:
    """YouTube chapters (``00:00 Heading`` lines) when they qualify: at least three, the first
    at 00:00, each at least 10 s long; else empty."""
    if len(lengths) < 3 or min(lengths) < 10:
        return ""
    lines, at = [], 0.0
    for segment, length in zip(script.segments, lengths, strict=True):
        m, s = divmod(int(at), 60)
        h, m = divmod(m, 60)
        stamp = f"{h}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"
        lines.append(f"{stamp} {segment.heading}")
        at += length
    return "\n".join(lines)


def render(st: Studio, request_id: str, *, mezzanine: bool = False) -> dict[str, Any]:
    """Render the video (once) with its captions and thumbnail; returns the video's files.
    With ``mezzanine`` the MP4 is an intermediate (under ``renders/``, file kind
    ``mezzanine``) that MediaConvert turns into the final one."""
    from mangaflow.video.render import subtitles as subs
    from mangaflow.video.render.local import render as render_local
    from mangaflow.video.render.spec import RenderSpec, Shot
    from mangaflow.video.render.thumbnail import thumbnail

    job = Job(st, request_id)
    kind = "mezzanine" if mezzanine else "mp4"
    if job.video.files.get(kind) and st.blobs.exists(job.video.files[kind]):
        return job.video.files
    script = job.script()
    n = len(script.segments)
    job.stage("render")
    audio, lengths = narrate.join(st, job, n)
    job.check("render", segments=n, seconds=sum(lengths))
    cues = []
    at = 0.0
    for i, (segment, length) in enumerate(zip(script.segments, lengths, strict=True)):
        cues += subs.cues_from_marks(segment.narration, narrate.load_marks(st, job, i), at,
                                     at + length - (narrate.PAUSE_S if i < n - 1 else 0))  # fmt: skip
        at += length
    width, height = job.topic.size
    stills = st.c.blobs if job.video.source == "manga" else st.blobs  # a comic's are manga's
    with tempfile.TemporaryDirectory(prefix="mangaflow-render-") as tmp:
        work = Path(tmp)
        (work / "narration.wav").write_bytes(audio)
        shots = []
        keys = still_keys(st, request_id)
        for i, (key, length) in enumerate(zip(keys, lengths, strict=True)):
            path = stills.get_file(key, work / f"still-{i:03d}{Path(key).suffix or '.png'}")
            # A crossfade overlaps two shots: each but the last runs CROSSFADE longer, so
            # every picture is fully in when its segment's narration starts.
            extra = CROSSFADE_S if i < len(keys) - 1 else 0.0
            shots.append(Shot(image=path, duration_s=length + extra,
                              motion=script.segments[i].motion))  # fmt: skip
        spec = RenderSpec(shots=shots, audio=work / "narration.wav", out=work / "video.mp4",
                          width=width, height=height, crossfade_s=CROSSFADE_S)  # fmt: skip
        result = render_local(spec, st.settings, progress=_progress(st, request_id))
        job.record("render", "ffmpeg", Usage(calls=1, seconds=round(result.duration_s, 3)))
        first = stills.get(still_keys(st, request_id)[0])
        files = {
            kind: st.blobs.put_file(
                (render_key if mezzanine else result_key)(job.video, "video.mp4"), result.path,
                "video/mp4"),
            "srt": st.blobs.put(result_key(job.video, "captions.srt"),
                                  subs.to_srt(cues).encode(), "application/x-subrip"),
            "vtt": st.blobs.put(result_key(job.video, "captions.vtt"),
                                  subs.to_vtt(cues).encode(), "text/vtt"),
            "thumbnail": st.blobs.put(result_key(job.video, "thumbnail.jpg"),
                                        thumbnail(first, script.title), "image/jpeg"),
        }  # fmt: skip
    description = script.description
    chap = chapters(script, lengths)
    if chap and len(f"{description}\n\nChapters:\n{chap}".encode()) <= DESCRIPTION_MAX_BYTES:
        description = f"{description}\n\nChapters:\n{chap}"
    st.blobs.put(render_key(job.video, "description.txt"), description.encode(), "text/plain")
    st.store.update_video(job.video.video_id, files=files, width=result.width,
                          height=result.height, duration_s=round(result.duration_s, 3))  # fmt: skip
    return files


def _progress(st: Studio, request_id: str) -> Any:
    last = [-10.0]

    def report(done: float, total: float) -> None:
        if total and done - last[0] >= max(total / 10, 1):
            last[0] = done
            st.c.progress.stage(request_id, "render", f"{done:.0f}/{total:.0f} s")

    return report


def publish(st: Studio, request_id: str) -> dict[str, Any]:
    """Publish the rendered video (once) and complete the request."""
    from mangaflow.video.ports import PublishMetadata

    job = Job(st, request_id)
    if job.video.publish.get("video_id"):  # published before (e.g. a resume after a crash)
        if not job.req.finished:
            lifecycle.complete(st.c, request_id)
        return job.video.publish
    job.stage("publish")
    job.check("publish")
    script = job.script()
    description = st.blobs.get(render_key(job.video, "description.txt")).decode()
    publish_at = job.req.params.get("publish_at") or None
    metadata = PublishMetadata.parse({
        "title": script.title, "description": description, "tags": script.tags,
        "category_id": YOUTUBE_CATEGORY[job.topic.category],
        "default_language": job.topic.language, "privacy": job.topic.privacy,
        "publish_at": publish_at, "made_for_kids": job.topic.made_for_kids,
        "contains_synthetic_media": True,
    })  # fmt: skip

    def count(usage: Usage) -> None:
        job.record("quota", publisher.name, usage)

    publisher = st.publisher(on_usage=count)
    with tempfile.TemporaryDirectory(prefix="mangaflow-publish-") as tmp:
        work = Path(tmp)
        files = job.video.files
        video = st.blobs.get_file(files["mp4"], work / "video.mp4")
        thumb = st.blobs.get_file(files["thumbnail"], work / "thumbnail.jpg")
        captions = st.blobs.get_file(files["srt"], work / "captions.srt")
        result = publisher.publish(video, metadata, thumbnail=thumb, captions=captions)
    published = {"publisher": publisher.name, "video_id": result.video_id, "url": result.url,
                 "privacy": result.privacy, "published_at": _iso(result.published_at),
                 "publish_at": publish_at or "", "notes": list(result.notes)}  # fmt: skip
    cost = budget.request_cost(st.c, request_id)
    st.store.update_video(job.video.video_id, publish=published, status="PUBLISHED",
                          cost_usd=cost)  # fmt: skip
    lifecycle.complete(st.c, request_id)
    st.c.progress.stage(request_id, "done", result.url)
    return published


def _iso(value: Any) -> str:
    return value.isoformat() if isinstance(value, datetime) else str(value or "")


def record_stats(
    st: Studio, video_id: str, label: str, user_id: str | None = None
) -> dict[str, Any]:
    """Views, likes and comments of a published video now, appended to its record
    (``user_id``: only the owner's; another user's video is ``NotFound``)."""
    video = st.store.get_video(video_id, user_id)
    external = video.publish.get("video_id")
    if not external:
        raise Conflict(f"video {video_id} is not published yet (status {video.status}); "
                       "statistics come from where it is published")  # fmt: skip
    found = st.publisher().statistics([external]).get(external)
    row = {"label": label, "at": utcnow(),
           "views": getattr(found, "views", 0), "likes": getattr(found, "likes", 0),
           "comments": getattr(found, "comments", 0)}  # fmt: skip
    st.store.update_video(video_id, stats=[*video.stats, row])
    return row


def stats_due(video_published_at: str) -> list[tuple[str, datetime]]:
    """When each statistics snapshot of a video published at that time is due."""
    start = datetime.fromisoformat(video_published_at.replace("Z", "+00:00"))
    if start.tzinfo is None:
        start = start.replace(tzinfo=UTC)
    return [(label, start + timedelta(seconds=after)) for label, after in STATS_AFTER]


def describe(st: Studio, video_id: str) -> dict[str, Any]:
    video = st.store.get_video(video_id)
    usage = st.c.requests.usage_summary(video.request_id)
    return {**video.model_dump(mode="json"), "usage": usage,
            "recorded_cost_usd": round(sum(r["cost_usd"] for r in usage.values()), 6)}  # fmt: skip


__all__ = ["chapters", "describe", "publish", "record_stats", "render", "stats_due"]
