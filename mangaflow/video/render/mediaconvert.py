"""The AWS renderer: AWS Elemental MediaConvert turns a quick mezzanine (rendered by the
local renderer on the worker, uploaded to S3) into the YouTube upload file.

* :func:`job_settings` — the job's ``Settings``: one MP4 output, H.264 High with QVBR
  capped at YouTube's recommended bitrate, closed GOPs of half a second with 2 B-frames,
  AAC-LC 48 kHz stereo, the ``moov`` atom first (``PROGRESSIVE_DOWNLOAD``).
* :func:`submit` — ``CreateJob`` with the role, queue and user metadata (echoed back in every
  job-state event, so the event finds its video); AWS errors mapped onto the error tree.
* :func:`parse_job_state_event` — an EventBridge ``MediaConvert Job State Change`` event
  (source ``aws.mediaconvert``) as a :class:`JobState`.

moto has no MediaConvert backend, so the tests check ``submit`` with botocore's Stubber
(which validates the request against the service model).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from mangaflow.platform.adapters.text.bedrock import scrub
from mangaflow.platform.errors import (
    ConfigError,
    MangaFlowError,
    ProviderAuthError,
    ProviderError,
    ProviderRateLimited,
    ProviderUnavailable,
    ValidationError,
)
from mangaflow.video.render.graph import AUDIO_RATE, video_bitrate_kbps

SOURCE = "aws.mediaconvert"
DETAIL_TYPE = "MediaConvert Job State Change"
#: Statuses after which a job changes no more.
FINAL = frozenset({"COMPLETE", "ERROR", "CANCELED"})
QVBR_LEVEL = 8  # 1..10; AWS suggests 7-8 for 1080p "broadcast" quality
AUDIO_BPS = 384_000  # YouTube: stereo AAC-LC 384 kbps
MAX_METADATA = 10  # keys of user metadata we send (MediaConvert echoes them in events)


@dataclass(frozen=True)
class JobState:
    """One job-state event: ``status`` is MediaConvert's (``PROGRESSING``, ``COMPLETE``,
    ``ERROR``, ``CANCELED``, ``STATUS_UPDATE``, ...); ``output_uri`` the MP4 on S3 once
    complete; ``error`` MediaConvert's code and message for ``ERROR``."""

    job_id: str
    status: str
    output_uri: str | None = None
    error: str | None = None
    user_metadata: dict[str, str] = field(default_factory=dict)
    duration_s: float | None = None

    @property
    def final(self) -> bool:
        return self.status in FINAL


def _invalid(field_name: str, message: str) -> ValidationError:
    return ValidationError("invalid MediaConvert job", details=[{"field": field_name,
                                                                 "message": message}])  # fmt: skip


def check_metadata(user_metadata: Mapping[str, str]) -> dict[str, str]:
    """User metadata as MediaConvert takes it: text keys and values."""
    if len(user_metadata) > MAX_METADATA:
        raise _invalid("user_metadata", f"at most {MAX_METADATA} keys")
    for key, value in user_metadata.items():
        if not isinstance(key, str) or not key or not isinstance(value, str):
            raise _invalid("user_metadata", f"{key!r}: keys and values must be text")
    return dict(user_metadata)


def job_settings(
    input_uri: str,
    output_prefix: str,
    width: int,
    height: int,
    user_metadata: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """``Settings`` of a ``CreateJob`` transcoding ``input_uri`` (an ``s3://`` mezzanine) to
    one YouTube-ready MP4 under ``output_prefix`` (``s3://bucket/prefix/``; MediaConvert
    names the file after the input). ``user_metadata`` is checked here and sent by
    :func:`submit` (it is a field of the job, not of its settings)."""
    for name, uri in (("input_uri", input_uri), ("output_prefix", output_prefix)):
        if not uri.startswith("s3://") or len(uri) < 8:
            raise _invalid(name, f"{uri!r} is not an s3:// URI")
    if width * 9 != height * 16 and width * 16 != height * 9 or width % 2 or height % 2:
        raise _invalid("width", f"{width}x{height}: must be even and 16:9 or 9:16")
    check_metadata(user_metadata or {})
    max_bps = video_bitrate_kbps(width, height, 30) * 1000
    video = {
        "Width": width, "Height": height, "ScalingBehavior": "DEFAULT",
        "ColorMetadata": "INSERT", "AfdSignaling": "NONE", "DropFrameTimecode": "DISABLED",
        "CodecSettings": {"Codec": "H_264", "H264Settings": {
            "CodecProfile": "HIGH", "CodecLevel": "AUTO",
            "RateControlMode": "QVBR", "MaxBitrate": max_bps,
            "QvbrSettings": {"QvbrQualityLevel": QVBR_LEVEL},
            "GopSize": 0.5, "GopSizeUnits": "SECONDS", "GopClosedCadence": 1,
            "NumberBFramesBetweenReferenceFrames": 2, "NumberReferenceFrames": 3,
            "SceneChangeDetect": "TRANSITION_DETECTION", "InterlaceMode": "PROGRESSIVE",
            "QualityTuningLevel": "SINGLE_PASS_HQ", "FramerateControl": "INITIALIZE_FROM_SOURCE",
            "ParControl": "SPECIFIED", "ParNumerator": 1, "ParDenominator": 1,
            "EntropyEncoding": "CABAC", "Syntax": "DEFAULT",
        }},
    }  # fmt: skip
    audio = {
        "AudioSourceName": "Audio Selector 1",
        "CodecSettings": {"Codec": "AAC", "AacSettings": {
            "CodecProfile": "LC", "CodingMode": "CODING_MODE_2_0", "SampleRate": AUDIO_RATE,
            "Bitrate": AUDIO_BPS, "RateControlMode": "CBR", "RawFormat": "NONE",
            "Specification": "MPEG4",
        }},
    }  # fmt: skip
    return {
        "TimecodeConfig": {"Source": "ZEROBASED"},
        "Inputs": [{
            "FileInput": input_uri, "TimecodeSource": "ZEROBASED",
            "VideoSelector": {"ColorSpace": "FOLLOW"},
            "AudioSelectors": {"Audio Selector 1": {"DefaultSelection": "DEFAULT"}},
        }],
        "OutputGroups": [{
            "Name": "YouTube upload",
            "OutputGroupSettings": {"Type": "FILE_GROUP_SETTINGS",
                                    "FileGroupSettings": {"Destination": output_prefix}},
            "Outputs": [{
                "NameModifier": "-youtube", "Extension": "mp4",
                "ContainerSettings": {"Container": "MP4", "Mp4Settings": {
                    "MoovPlacement": "PROGRESSIVE_DOWNLOAD", "CslgAtom": "INCLUDE",
                    "FreeSpaceBox": "EXCLUDE", "AudioDuration": "MATCH_VIDEO_DURATION"}},
                "VideoDescription": video,
                "AudioDescriptions": [audio],
            }],
        }],
    }  # fmt: skip


def submit(
    client: Any,
    role_arn: str,
    queue_arn: str,
    settings_dict: Mapping[str, Any],
    user_metadata: Mapping[str, str],
    *,
    client_token: str | None = None,
) -> str:
    """Create the job; returns its id. ``client_token`` makes a retried submit idempotent
    (e.g. the video's request id). Raises ``ConfigError`` without a role, ``ProviderError``
    subclasses when MediaConvert refuses (throttling and 5xx are retryable)."""
    if not role_arn.strip():
        raise ConfigError("MANGAFLOW_VIDEO_MEDIACONVERT_ROLE_ARN is empty; set it to the IAM "
                          "role MediaConvert jobs run as")  # fmt: skip
    request: dict[str, Any] = {
        "Role": role_arn, "Settings": dict(settings_dict),
        "UserMetadata": check_metadata(user_metadata), "StatusUpdateInterval": "SECONDS_60",
    }  # fmt: skip
    if queue_arn.strip():
        request["Queue"] = queue_arn
    if client_token:
        request["ClientRequestToken"] = client_token
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        answer = client.create_job(**request)
    except (ClientError, BotoCoreError) as exc:
        raise map_error(exc) from exc
    job_id = (answer.get("Job") or {}).get("Id")
    if not job_id:
        raise ProviderUnavailable("MediaConvert answered CreateJob without a job id")
    return str(job_id)


def map_error(exc: BaseException) -> MangaFlowError:
    """The MangaFlow error for a MediaConvert failure (credentials never in the message)."""
    from botocore.exceptions import ClientError

    if not isinstance(exc, ClientError):
        return ProviderUnavailable(f"MediaConvert could not be reached ({type(exc).__name__}: "
                                   f"{scrub(str(exc))})")  # fmt: skip
    error = exc.response.get("Error", {})
    code = str(error.get("Code") or "")
    said = f"{code}: {scrub(str(error.get('Message') or ''))}"
    status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    if code == "TooManyRequestsException" or status == 429:
        return ProviderRateLimited(f"MediaConvert is throttling requests ({said})")
    if code in ("InternalServerErrorException", "ServiceUnavailable") or (status or 0) >= 500:
        return ProviderUnavailable(f"MediaConvert is unavailable ({said})")
    if code == "ForbiddenException" or status == 403:
        return ProviderAuthError(f"MediaConvert refused the job ({said}): check the AWS "
                                 "credentials and the mediaconvert:CreateJob and "
                                 "iam:PassRole permissions")  # fmt: skip
    if code == "NotFoundException":
        return ConfigError(f"MediaConvert found no such queue or role ({said}): check "
                           "MANGAFLOW_VIDEO_MEDIACONVERT_QUEUE_ARN and _ROLE_ARN")  # fmt: skip
    return ProviderError(f"MediaConvert rejected the job ({said})")


def parse_job_state_event(event: Mapping[str, Any]) -> JobState:
    """The job state in an EventBridge ``MediaConvert Job State Change`` event. Raises
    ``ValidationError`` for any other event or one without a job id and status."""
    if event.get("source") != SOURCE or event.get("detail-type") != DETAIL_TYPE:
        raise ValidationError("not a MediaConvert job state event", details=[
            {"field": "source", "message": f"expected {SOURCE!r} / {DETAIL_TYPE!r}, got "
             f"{event.get('source')!r} / {event.get('detail-type')!r}"}])  # fmt: skip
    detail = event.get("detail")
    if not isinstance(detail, Mapping):
        raise ValidationError("MediaConvert event without detail", details=[
            {"field": "detail", "message": "missing or not an object"}])  # fmt: skip
    job_id, status = detail.get("jobId"), detail.get("status")
    missing = [name for name, value in (("detail.jobId", job_id), ("detail.status", status))
               if not isinstance(value, str) or not value]  # fmt: skip
    if missing:
        raise ValidationError("MediaConvert event is incomplete", details=[
            {"field": name, "message": "missing"} for name in missing])  # fmt: skip
    metadata = detail.get("userMetadata") or {}
    output, duration = None, None
    for group in detail.get("outputGroupDetails") or []:
        for out in group.get("outputDetails") or []:
            paths = out.get("outputFilePaths") or []
            if paths and output is None:
                output = str(paths[0])
                ms = out.get("durationInMs")
                duration = ms / 1000 if isinstance(ms, int | float) else None
    error = None
    if status == "ERROR":
        error = f"{detail.get('errorCode', 'unknown')}: {detail.get('errorMessage', '')}".strip()
    return JobState(
        job_id=str(job_id), status=str(status), output_uri=output, error=error,
        user_metadata={str(k): str(v) for k, v in dict(metadata).items()}, duration_s=duration,
    )  # fmt: skip
