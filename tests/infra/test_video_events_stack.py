"""MediaConvert job state changes -> ``video.render.finished``: the video stack's two rules on
the default bus, the Events stack's buffer that admits them, and a finished job's way through
the rule's input transformer and the webhook to one flow run."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import boto3
import pytest
from aws_cdk.assertions import Template
from moto import mock_aws
from stacks.config import stage_config
from stacks.platform import PlatformStacks
from stacks.video import VideoStack

from mangaflow.products import routes
from tests.infra.test_lambdas import (  # noqa: F401  (fixtures: a loopback Prefect API)
    CONTEXT,
    FakePrefect,
    fake_prefect,
    prefect_env,
)
from tests.infra.video_app import Built, actions, one, rules_by_name
from tests.lambdas import load_lambda

pytestmark = pytest.mark.slow

ACCOUNT, REGION = "111122223333", "us-east-1"
QUEUE_ARN = f"arn:aws:mediaconvert:{REGION}:{ACCOUNT}:queues/mangaflow-dev-video"


def test_render_finished_rules_match_final_jobs_of_this_queue_on_the_default_bus(
    video: Template,
) -> None:
    rules = rules_by_name(video)
    assert set(rules) == {"mangaflow-dev-video-render-complete", "mangaflow-dev-video-render-error"}
    for name, status in (("complete", "COMPLETE"), ("error", "ERROR")):
        rule = rules[f"mangaflow-dev-video-render-{name}"]
        assert "EventBusName" not in rule  # MediaConvert's events reach the default bus only
        assert rule["EventPattern"] == {
            "source": ["aws.mediaconvert"],
            "detail-type": ["MediaConvert Job State Change"],
            "detail": {
                "status": [status],
                "queue": [{"Fn::GetAtt": ["MediaConvertQueue", "Arn"]}],
                "userMetadata": {"userId": [{"exists": True}], "requestId": [{"exists": True}]},
            },
        }


def test_rules_target_the_route_buffer_and_dlq_of_the_events_stack(
    video: Template, video_events: Template, video_built: Built
) -> None:
    events_stack = video_built[1].events
    assert "VideoRenderFinished" in events_stack.queues  # the route's own buffer
    buffer = one(video_events, "AWS::SQS::Queue", "VideoRenderFinishedQueue")["Properties"]
    dlq = one(video_events, "AWS::SQS::Queue", "VideoRenderFinishedDlq")["Properties"]
    for rule in rules_by_name(video).values():
        (target,) = rule["Targets"]
        assert json.dumps(target["Arn"]).endswith(f':{buffer["QueueName"]}"]]}}')
        assert json.dumps(target["DeadLetterConfig"]["Arn"]).endswith(f':{dlq["QueueName"]}"]]}}')
        assert target["RetryPolicy"] == {"MaximumRetryAttempts": 3}


def test_events_stack_lets_exactly_these_rules_send_to_the_buffer(
    video: Template, video_events: Template
) -> None:
    names = sorted(rules_by_name(video))
    for queue, expected in (("VideoRenderFinishedQueue", {"sqs:SendMessage",
                            "sqs:GetQueueAttributes", "sqs:GetQueueUrl"}),
                           ("VideoRenderFinishedDlq", {"sqs:SendMessage"})):  # fmt: skip
        policy = one(video_events, "AWS::SQS::QueuePolicy", queue)
        (statement,) = [s for s in policy["Properties"]["PolicyDocument"]["Statement"]
                        if isinstance(s["Condition"].get("ArnEquals", {}).get("aws:SourceArn"),
                                      list)]  # fmt: skip
        assert statement["Principal"] == {"Service": "events.amazonaws.com"}
        assert actions(statement) == expected
        sources = statement["Condition"]["ArnEquals"]["aws:SourceArn"]
        assert [s["Fn::Join"][1][-1] for s in sources] == [f":rule/{n}" for n in names]
    # ... and other routes' buffers admit no one new.
    other = one(video_events, "AWS::SQS::QueuePolicy", "StoryGenerationQueue")
    assert ":rule/" not in json.dumps(other)


def test_a_platform_without_the_render_finished_route_is_a_clear_error(tmp_path: Path) -> None:
    app = cdk.App(outdir=str(tmp_path))
    config = stage_config("dev")
    others = [r for r in routes() if r.detail_type != "video.render.finished"]
    platform = PlatformStacks(app, config, routes=others)
    with pytest.raises(ValueError, match=r"no route for 'video\.render\.finished'.*routes\.py"):
        VideoStack(app, "MangaFlow-dev-Video", config=config, platform=platform)


# ------------------------------------------- a finished job, through the rules to a flow run
def _mediaconvert_event(status: str, **detail: Any) -> dict[str, Any]:
    """A "MediaConvert Job State Change" event as MediaConvert sends it."""
    return {
        "version": "0", "id": f"5c6a1e52-0000-4000-8000-{status.lower():0>12}",
        "detail-type": "MediaConvert Job State Change", "source": "aws.mediaconvert",
        "account": ACCOUNT, "time": "2026-11-20T13:05:09Z", "region": REGION,
        "resources": [f"arn:aws:mediaconvert:{REGION}:{ACCOUNT}:jobs/1763643900000-x1y2z3"],
        "detail": {
            "timestamp": 1763643909000, "accountId": ACCOUNT, "queue": QUEUE_ARN,
            "jobId": "1763643900000-x1y2z3", "status": status,
            "userMetadata": {"userId": "user-7", "requestId": "req-42"}, **detail,
        },
    }  # fmt: skip


def _concrete(value: Any) -> Any:
    """The pattern with the queue's ``Fn::GetAtt`` as the ARN CloudFormation gives it."""
    if value == {"Fn::GetAtt": ["MediaConvertQueue", "Arn"]}:
        return QUEUE_ARN
    if isinstance(value, dict):
        return {k: _concrete(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_concrete(v) for v in value]
    return value


def _transform(transformer: dict[str, Any], event: dict[str, Any]) -> str:
    """EventBridge's rendering of an input transformer, as AWS documents it: each variable is
    the value at its path; a placeholder standing as a JSON value becomes that value as JSON
    (a string quoted and escaped). (moto pastes strings in unquoted, unlike EventBridge.)"""
    template = transformer["InputTemplate"]
    assert '"<' not in template  # no placeholder inside a string: values are never pasted raw
    values = {}
    for name, path in transformer["InputPathsMap"].items():
        value = event
        for part in path.removeprefix("$.").split("."):
            value = value[part]  # a missing path would be an error here, as in EventBridge
        values[name] = value
    return re.sub(r"<([A-Za-z0-9_.-]+)>", lambda m: json.dumps(values[m.group(1)]), template)


def test_only_final_jobs_with_user_metadata_of_this_queue_match(video: Template) -> None:
    """The patterns on a bus (moto's): each rule delivers to a queue of its own, and an event
    reaches the queues of the rules it matches."""
    rules = rules_by_name(video)
    complete = _mediaconvert_event("COMPLETE")
    error = _mediaconvert_event("ERROR", errorCode=1040, errorMessage="bad input")
    progressing = _mediaconvert_event("PROGRESSING")
    elsewhere = _mediaconvert_event("COMPLETE")
    elsewhere["detail"]["queue"] = f"arn:aws:mediaconvert:{REGION}:{ACCOUNT}:queues/Default"
    untagged = _mediaconvert_event("COMPLETE")
    del untagged["detail"]["userMetadata"]["requestId"]
    with mock_aws():
        bus = boto3.client("events", region_name=REGION)
        sqs = boto3.client("sqs", region_name=REGION)
        queues = {}
        for name, rule in rules.items():
            url = sqs.create_queue(QueueName=name)["QueueUrl"]
            arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
            queues[name] = url
            bus.put_rule(Name=name, EventPattern=json.dumps(_concrete(rule["EventPattern"])))
            bus.put_targets(Rule=name, Targets=[{"Id": "raw", "Arn": arn["Attributes"][
                "QueueArn"]}])  # fmt: skip

        def matching(event: dict[str, Any]) -> set[str]:
            sent = bus.put_events(Entries=[{"Source": event["source"], "DetailType": event[
                "detail-type"], "Detail": json.dumps(event["detail"])}])  # fmt: skip
            assert sent["FailedEntryCount"] == 0
            return {
                name
                for name, url in queues.items()
                if sqs.receive_message(QueueUrl=url, WaitTimeSeconds=0).get("Messages")
            }

        assert matching(complete) == {"mangaflow-dev-video-render-complete"}
        assert matching(error) == {"mangaflow-dev-video-render-error"}
        assert matching(progressing) == matching(elsewhere) == matching(untagged) == set()


@pytest.mark.parametrize(
    ("status", "extra"),
    [
        ("COMPLETE", {}),
        ("ERROR", {"errorCode": 1040,
                   "errorMessage": 'Unable to open input file [s3://b/renders/req-42/"a".wav]'}),
    ],
)  # fmt: skip
def test_a_finished_job_starts_the_render_finished_flow_once(
    video: Template,
    video_events: Template,
    prefect_env: FakePrefect,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    status: str,
    extra: dict[str, Any],
) -> None:
    """The rule's transformer output, delivered by SQS, through the webhook as the Events stack
    configures it (its ROUTES setting): one run of video-render-finished/render-finished, keyed
    by the MediaConvert event's id, with the platform detail."""
    event = _mediaconvert_event(status, **extra)
    (target,) = rules_by_name(video)[f"mangaflow-dev-video-render-{status.lower()}"]["Targets"]
    body = _transform(target["InputTransformer"], event)
    webhook_env = one(video_events, "AWS::Lambda::Function", "WebhookFunction")["Properties"]
    monkeypatch.setenv("ROUTES", webhook_env["Environment"]["Variables"]["ROUTES"])
    webhook = load_lambda("webhook")
    record = {"messageId": "m1", "body": body}
    for _ in range(2):  # SQS delivers at least once
        assert webhook.handler({"Records": [record]}, CONTEXT) == {"batchItemFailures": []}

    starts = [r for r in prefect_env.requests if r["path"].endswith("/create_flow_run")]
    assert prefect_env.requests[0]["path"] == (
        "/api/deployments/name/video-render-finished/render-finished"
    )
    assert [s["body"]["idempotency_key"] for s in starts] == [event["id"]] * 2  # one run
    assert starts[0]["body"]["parameters"]["event"] == {
        "eventId": event["id"], "userId": "user-7", "requestId": "req-42",
        "timestamp": "2026-11-20T13:05:09Z", "jobId": "1763643900000-x1y2z3",
        "status": status, **extra,
    }  # fmt: skip
    envelope = json.loads(body)
    assert (envelope["source"], envelope["detail-type"]) == (
        "mangaflow.video", "video.render.finished")  # fmt: skip
