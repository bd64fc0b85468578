"""Rendering on AWS: the worker renders a mezzanine (the same local render), MediaConvert
transcodes it to the final MP4 under ``videos/``, and its job-state event
(``video.render.finished``, rewritten by the CDK rule) resumes the request."""

from __future__ import annotations

from typing import Any

from mangaflow.platform.adapters.aws import make_client
from mangaflow.platform.errors import ConfigError, ProviderError
from mangaflow.platform.ports import Usage
from mangaflow.platform.requests import lifecycle
from mangaflow.video import budget
from mangaflow.video.parts import Studio
from mangaflow.video.services import finish
from mangaflow.video.services.produce import Job, result_key

#: The final MP4's name: the mezzanine's (video.mp4) with MediaConvert's "-youtube" modifier.
OUTPUT_NAME = "video-youtube.mp4"


def _uri(st: Studio, key: str) -> str:
    location = st.blobs.locate(key)
    if not location.startswith("s3://"):
        raise ConfigError("MANGAFLOW_VIDEO_RENDERER=mediaconvert needs MANGAFLOW_BLOB_BACKEND=s3 "
                          f"(MediaConvert reads from S3; {key} is at {location})")  # fmt: skip
    return location


def submit(st: Studio, request_id: str, client: Any = None) -> str:
    """Render the mezzanine and submit the MediaConvert job (once; the request id is the
    job's idempotency token); returns the job id."""
    from mangaflow.video.render import mediaconvert

    job = Job(st, request_id)
    if job.video.render_job:
        return job.video.render_job
    attempt = int(job.req.params.get("render_attempt", 0)) + 1
    s = st.settings
    if not s.video_mediaconvert_role_arn:
        raise ConfigError("MANGAFLOW_VIDEO_MEDIACONVERT_ROLE_ARN is not set (the video stack's "
                          "output MediaConvertRoleArn)")  # fmt: skip
    _uri(st, result_key(job.video, OUTPUT_NAME))  # S3 or a ConfigError, before rendering
    files = finish.render(st, request_id, mezzanine=True)
    # MediaConvert names its output after the input plus "-youtube", under this prefix.
    output = _uri(st, result_key(job.video, OUTPUT_NAME)).rsplit("/", 1)[0] + "/"
    width, height = job.topic.size
    settings = mediaconvert.job_settings(
        _uri(st, files["mezzanine"]),
        output,
        width,
        height,
        {"requestId": request_id, "userId": job.video.user_id},
    )
    client = client or make_client("mediaconvert", s.aws_region)
    job_id = mediaconvert.submit(client, s.video_mediaconvert_role_arn,
                                 s.video_mediaconvert_queue_arn, settings,
                                 {"requestId": request_id, "userId": job.video.user_id},
                                 client_token=f"{request_id}-{attempt}")  # fmt: skip
    st.store.update_video(job.video.video_id, render_job=job_id, status="RENDERING")
    st.c.requests.update_request(request_id, params={**job.req.params, "render_attempt": attempt})
    return job_id


def finished(st: Studio, request_id: str, job_id: str, status: str, error: str = "") -> None:
    """Keep the job's output as the video's MP4, or fail the request with the job's error."""
    job = Job(st, request_id)
    if job.video.render_job and job.video.render_job != job_id:
        raise ProviderError(f"job {job_id} is not this video's render job "
                            f"({job.video.render_job})")  # fmt: skip
    if job.video.status != "RENDERING":  # a repeated event: the job was handled already
        return
    if status != "COMPLETE":
        # A resume submits a new job (a new idempotency token): clear this one.
        st.store.update_video(job.video.video_id, render_job="", status="FAILED",
                              cost_usd=budget.request_cost(st.c, request_id))  # fmt: skip
        lifecycle.fail(st.c, request_id, f"MediaConvert job {job_id} {status}: {error}")
        raise ProviderError(f"MediaConvert job {job_id} ended {status}: {error or 'no reason'}")
    job.record("render", "mediaconvert", Usage(calls=1, seconds=job.video.duration_s))
    files = {**job.video.files, "mp4": result_key(job.video, OUTPUT_NAME)}
    st.store.update_video(job.video.video_id, files=files, status="PROCESSING")
