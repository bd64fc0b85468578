"""The MediaConvert renderer: job settings, CreateJob through botocore's Stubber (moto has
no MediaConvert backend; the Stubber checks every request against the service model), and
EventBridge job-state events."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from mangaflow.platform.errors import (
    ConfigError,
    ProviderAuthError,
    ProviderRateLimited,
    ProviderUnavailable,
    ValidationError,
)
from mangaflow.video.render.mediaconvert import job_settings, parse_job_state_event, submit

ROLE = "arn:aws:iam::111122223333:role/MediaConvertRole"
QUEUE = "arn:aws:mediaconvert:us-east-1:111122223333:queues/Default"
META = {"video_id": "v-123", "request_id": "r-9"}


@pytest.fixture
def stubbed() -> Iterator[tuple[Any, Stubber]]:
    client = boto3.session.Session().client(
        "mediaconvert", region_name="us-east-1", aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )  # fmt: skip
    with Stubber(client) as stub:
        yield client, stub
        stub.assert_no_pending_responses()


def output(settings: dict[str, Any]) -> dict[str, Any]:
    groups = settings["OutputGroups"]
    assert len(groups) == 1 and len(groups[0]["Outputs"]) == 1
    out: dict[str, Any] = groups[0]["Outputs"][0]
    return out


def test_job_settings_follow_youtube_upload_recommendations() -> None:
    s = job_settings("s3://bucket/mezz/v-123.mp4", "s3://bucket/out/v-123/", 1920, 1080, META)
    assert s["Inputs"][0]["FileInput"] == "s3://bucket/mezz/v-123.mp4"
    group = s["OutputGroups"][0]["OutputGroupSettings"]
    assert group["FileGroupSettings"]["Destination"] == "s3://bucket/out/v-123/"
    out = output(s)
    assert out["ContainerSettings"]["Container"] == "MP4"
    assert out["ContainerSettings"]["Mp4Settings"]["MoovPlacement"] == "PROGRESSIVE_DOWNLOAD"
    video = out["VideoDescription"]
    h264 = video["CodecSettings"]["H264Settings"]
    assert (video["Width"], video["Height"]) == (1920, 1080)
    assert (h264["CodecProfile"], h264["RateControlMode"]) == ("HIGH", "QVBR")
    assert h264["MaxBitrate"] == 8_000_000  # YouTube: 1080p SDR ~8 Mbps
    assert (h264["GopSize"], h264["GopSizeUnits"], h264["GopClosedCadence"]) == (0.5, "SECONDS", 1)
    assert h264["NumberBFramesBetweenReferenceFrames"] == 2
    aac = out["AudioDescriptions"][0]["CodecSettings"]["AacSettings"]
    assert (aac["CodecProfile"], aac["SampleRate"], aac["CodingMode"]) == (
        "LC", 48_000, "CODING_MODE_2_0")  # fmt: skip
    vertical = output(job_settings("s3://b/i.mp4", "s3://b/o/", 1080, 1920, {}))
    assert vertical["VideoDescription"]["Height"] == 1920
    uhd = output(job_settings("s3://b/i.mp4", "s3://b/o/", 3840, 2160, {}))
    assert uhd["VideoDescription"]["CodecSettings"]["H264Settings"]["MaxBitrate"] == 40_000_000


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (("/local/file.mp4", "s3://b/o/", 1920, 1080, {}), "input_uri"),
        (("s3://b/i.mp4", "https://b/o/", 1920, 1080, {}), "output_prefix"),
        (("s3://b/i.mp4", "s3://b/o/", 1920, 1000, {}), "width"),
        (("s3://b/i.mp4", "s3://b/o/", 1920, 1080, {"n": 1}), "user_metadata"),
    ],  # fmt: skip
)
def test_bad_job_requests_name_the_field(args: tuple[Any, ...], field: str) -> None:
    with pytest.raises(ValidationError) as err:
        job_settings(*args)
    assert err.value.fields == [field]


def test_submit_creates_the_job_with_role_queue_and_metadata(
    stubbed: tuple[Any, Stubber],
) -> None:
    client, stub = stubbed
    settings = job_settings("s3://bucket/mezz/v.mp4", "s3://bucket/out/", 1280, 720, META)
    expected = {"Role": ROLE, "Queue": QUEUE, "Settings": settings, "UserMetadata": META,
                "StatusUpdateInterval": "SECONDS_60", "ClientRequestToken": "r-9"}  # fmt: skip
    stub.add_response("create_job", {"Job": {"Id": "1671476818694-phptj0", "Role": ROLE,
                                             "Settings": {}}}, expected)  # fmt: skip
    assert submit(client, ROLE, QUEUE, settings, META, client_token="r-9") == (
        "1671476818694-phptj0")  # fmt: skip


@pytest.mark.parametrize(
    ("code", "status", "error"),
    [
        ("TooManyRequestsException", 429, ProviderRateLimited),
        ("InternalServerErrorException", 500, ProviderUnavailable),
        ("ForbiddenException", 403, ProviderAuthError),
        ("NotFoundException", 404, ConfigError),
    ],  # fmt: skip
)
def test_submit_maps_mediaconvert_errors(
    stubbed: tuple[Any, Stubber], code: str, status: int, error: type[Exception]
) -> None:
    client, stub = stubbed
    stub.add_client_error("create_job", service_error_code=code, service_message="nope",
                          http_status_code=status)  # fmt: skip
    settings = job_settings("s3://b/i.mp4", "s3://b/o/", 1920, 1080, {})
    with pytest.raises(error) as err:
        submit(client, ROLE, QUEUE, settings, {})
    assert code in str(err.value)
    assert err.value.retryable is (error in (ProviderRateLimited, ProviderUnavailable))  # type: ignore[attr-defined]


def test_submit_without_a_role_names_the_setting() -> None:
    with pytest.raises(ConfigError) as err:
        submit(object(), " ", QUEUE, {}, {})
    assert "MANGAFLOW_VIDEO_MEDIACONVERT_ROLE_ARN" in str(err.value)


def event(status: str, **detail: Any) -> dict[str, Any]:
    return {
        "version": "0", "id": "1234abcd-12ab-34cd-56ef-1234567890ab",
        "detail-type": "MediaConvert Job State Change", "source": "aws.mediaconvert",
        "account": "111122223333", "time": "2022-12-19T19:07:12Z", "region": "us-west-2",
        "resources": ["arn:aws:mediaconvert:us-west-2::jobs/1671476818694-phptj0"],
        "detail": {"timestamp": 1671476832124, "accountId": "111122223333", "queue": QUEUE,
                   "jobId": "1671476818694-phptj0", "status": status, "userMetadata": META,
                   **detail},
    }  # fmt: skip


def test_a_complete_event_gives_the_output_and_metadata() -> None:
    state = parse_job_state_event(event("COMPLETE", outputGroupDetails=[{"outputDetails": [{
        "outputFilePaths": ["s3://bucket/out/v-youtube.mp4"], "durationInMs": 30041,
        "videoDetails": {"widthInPx": 1920, "heightInPx": 1080}}], "type": "FILE_GROUP"}]))  # fmt: skip
    assert (state.job_id, state.status, state.final) == ("1671476818694-phptj0", "COMPLETE", True)
    assert state.output_uri == "s3://bucket/out/v-youtube.mp4" and state.error is None
    assert state.user_metadata == META and state.duration_s == pytest.approx(30.041)


def test_error_and_progress_events() -> None:
    failed = parse_job_state_event(event("ERROR", errorCode=1030,
                                         errorMessage="Unable to open input file"))  # fmt: skip
    assert failed.final and failed.error == "1030: Unable to open input file"
    assert failed.output_uri is None and failed.user_metadata == META
    progressing = parse_job_state_event(event("PROGRESSING"))
    assert not progressing.final and progressing.error is None


def test_other_events_are_refused_naming_the_field() -> None:
    wrong = event("COMPLETE")
    wrong["source"] = "aws.s3"
    with pytest.raises(ValidationError) as err:
        parse_job_state_event(wrong)
    assert err.value.fields == ["source"]
    broken = event("COMPLETE")
    del broken["detail"]["jobId"]
    with pytest.raises(ValidationError) as err:
        parse_job_state_event(broken)
    assert err.value.fields == ["detail.jobId"]
