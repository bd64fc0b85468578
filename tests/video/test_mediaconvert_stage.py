"""Rendering on AWS: the worker renders the mezzanine to S3 (moto) and submits one
MediaConvert job (botocore's Stubber: moto has no MediaConvert) with the request in its user
metadata; the job-state event keeps the final MP4 or fails the request with the job's error."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from botocore.stub import ANY, Stubber
from moto import mock_aws

from mangaflow.platform.errors import ConfigError, ProviderError
from mangaflow.video.parts import Studio
from mangaflow.video.services import mediaconvert_stage, narrate, produce, topics
from tests.video.conftest import TOPIC, make_studio

ROLE = "arn:aws:iam::123456789012:role/mediaconvert"
QUEUE = "arn:aws:mediaconvert:us-east-1:123456789012:queues/video"


@pytest.fixture
def aws_studio(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Studio]:
    for k, v in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                 "AWS_DEFAULT_REGION": "us-east-1"}.items():  # fmt: skip
        monkeypatch.setenv(k, v)
    with mock_aws():
        boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="videos")
        st = make_studio(tmp_path / "home", blob_backend="s3", bucket="videos",
                         video_renderer="mediaconvert", video_mediaconvert_role_arn=ROLE,
                         video_mediaconvert_queue_arn=QUEUE)  # fmt: skip
        yield st


def _ready(st: Studio, topic_id: str = "espresso") -> str:
    """A request whose script, stills and narration are done (720p, 1 minute)."""
    topic = topics.create(st, "u1", {**TOPIC, "resolution": 720, "topic_id": topic_id})
    req, _ = produce.request_video(st, "u1", topic_id=topic.topic_id)
    produce.write_script(st, req.request_id)
    for i in range(produce.plan_visuals(st, req.request_id)):
        produce.draw_still(st, req.request_id, i)
    for i in range(narrate.plan(st, req.request_id)):
        narrate.narrate_segment(st, req.request_id, i)
    return req.request_id


def test_submit_uploads_the_mezzanine_and_creates_one_job(aws_studio: Studio) -> None:
    st = aws_studio
    rid = _ready(st)
    client = boto3.client("mediaconvert", region_name="us-east-1")
    with Stubber(client) as stub:
        stub.add_response("create_job", {"Job": {"Id": "job-1", "Role": ROLE, "Settings": {}}},
                          {"Role": ROLE, "Queue": QUEUE, "Settings": ANY,
                           "UserMetadata": {"requestId": rid, "userId": "u1"},
                           "StatusUpdateInterval": ANY, "ClientRequestToken": f"{rid}-1"})  # fmt: skip
        assert mediaconvert_stage.submit(st, rid, client=client) == "job-1"
        assert mediaconvert_stage.submit(st, rid, client=client) == "job-1"  # once
        stub.assert_no_pending_responses()
    video = produce.Job(st, rid).video
    assert video.status == "RENDERING" and video.render_job == "job-1"
    assert st.blobs.exists(video.files["mezzanine"]) and "mp4" not in video.files
    assert video.files["mezzanine"].startswith("renders/")  # expires with the bucket's rule


def test_the_job_state_event_keeps_the_output_or_fails_the_request(aws_studio: Studio) -> None:
    st = aws_studio
    rid = _ready(st)
    client = boto3.client("mediaconvert", region_name="us-east-1")
    with Stubber(client) as stub:
        stub.add_response("create_job", {"Job": {"Id": "job-2", "Role": ROLE, "Settings": {}}})
        mediaconvert_stage.submit(st, rid, client=client)
    with pytest.raises(ProviderError, match="not this video's render job"):
        mediaconvert_stage.finished(st, rid, "job-other", "COMPLETE")
    mediaconvert_stage.finished(st, rid, "job-2", "COMPLETE")
    video = produce.Job(st, rid).video
    assert video.files["mp4"].endswith("/video-youtube.mp4") and video.status == "PROCESSING"

    other = _ready(st, "espresso-2")
    with Stubber(client) as stub:
        stub.add_response("create_job", {"Job": {"Id": "job-3", "Role": ROLE, "Settings": {}}})
        mediaconvert_stage.submit(st, other, client=client)
    with pytest.raises(ProviderError, match="ERROR"):
        mediaconvert_stage.finished(st, other, "job-3", "ERROR", "input is corrupt")
    req = st.c.requests.get_request(other)
    assert req.status == "FAILED" and "input is corrupt" in (req.error or "")
    failed = produce.Job(st, other).video
    assert failed.status == "FAILED" and failed.render_job == ""
    # A resume submits a new job, with a new idempotency token (the failed job's is spent).
    produce.resume(st, "u1", other)
    with Stubber(client) as stub:
        stub.add_response("create_job", {"Job": {"Id": "job-4", "Role": ROLE, "Settings": {}}},
                          {"Role": ROLE, "Queue": QUEUE, "Settings": ANY, "UserMetadata": ANY,
                           "StatusUpdateInterval": ANY, "ClientRequestToken": f"{other}-2"})  # fmt: skip
        assert mediaconvert_stage.submit(st, other, client=client) == "job-4"
    # The transcode is priced: its seconds are recorded for the mediaconvert provider.
    usage = st.c.requests.usage_summary(rid)
    assert usage["render/mediaconvert"]["seconds"] == pytest.approx(video.duration_s)


def test_mediaconvert_needs_s3(tmp_path: Path) -> None:
    st = make_studio(tmp_path / "home", video_renderer="mediaconvert",
                     video_mediaconvert_role_arn=ROLE)  # fmt: skip
    rid = _ready(st)
    with pytest.raises(ConfigError, match="MANGAFLOW_BLOB_BACKEND=s3"):
        mediaconvert_stage.submit(st, rid, client=object())


