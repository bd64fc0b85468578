"""MediaConvert job state changes -> ``video.render.finished`` platform events.

MediaConvert sends "MediaConvert Job State Change" events (source ``aws.mediaconvert``) to the
account's default bus only. Two rules there, one per final status of a job of the video queue,
rewrite such an event with an input transformer into the envelope the webhook expects
(``source`` ``mangaflow.video``, ``detail-type`` ``video.render.finished``, a platform detail
with ``eventId``) and send it to the SQS buffer (and DLQ) the Events stack keeps for that
route, which lets these rules in by name (:meth:`EventsStack.accept_from_default_bus`). Not a
rule targeting the platform bus: EventBridge does not transform input for event-bus targets.

Two rules, not one: an ERROR event has ``errorMessage``/``errorCode`` and a COMPLETE event has
not, and a template variable whose path is missing from the event does not render. Jobs are
matched only with ``userMetadata.userId`` and ``requestId`` (what the video code sets on
CreateJob), so every rendered envelope is complete.
"""

from __future__ import annotations

from collections.abc import Mapping

import aws_cdk as cdk
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from stacks.config import StageConfig
from stacks.platform.events import EventsStack, buffer_dlq_name, buffer_queue_name

SOURCE = "mangaflow.video"
#: The platform event a finished render becomes (routed to flow video-render-finished).
RENDER_FINISHED = "video.render.finished"
MEDIACONVERT_SOURCE = "aws.mediaconvert"
MEDIACONVERT_DETAIL_TYPE = "MediaConvert Job State Change"
#: The final statuses of a job, each with the fields of its event the detail carries.
STATUS_FIELDS: Mapping[str, tuple[str, ...]] = {
    "COMPLETE": (),
    "ERROR": ("errorCode", "errorMessage"),
}
#: The ``UserMetadata`` keys the video code sets on every MediaConvert job it creates.
USER_METADATA_KEYS = ("userId", "requestId")


def render_rule_name(config: StageConfig, status: str) -> str:
    """Fixed: the Events stack's buffer policy names these rules (no cross-stack reference)."""
    return config.name(f"video-render-{status.lower()}")


def render_finished_input(status: str) -> events.RuleTargetInput:
    """The envelope of one final status. ``eventId`` is the MediaConvert event's id: the same
    on every delivery of that event, so the webhook starts one flow run for it."""
    detail: dict[str, object] = {
        "eventId": events.EventField.event_id,
        **{key: events.EventField.from_path(f"$.detail.userMetadata.{key}")
           for key in USER_METADATA_KEYS},
        "timestamp": events.EventField.time,
        "jobId": events.EventField.from_path("$.detail.jobId"),
        "status": events.EventField.from_path("$.detail.status"),
        **{key: events.EventField.from_path(f"$.detail.{key}") for key in STATUS_FIELDS[status]},
    }  # fmt: skip
    return events.RuleTargetInput.from_object(
        {
            "version": "0",
            "id": events.EventField.event_id,
            "source": SOURCE,
            "detail-type": RENDER_FINISHED,
            "account": events.EventField.account,
            "time": events.EventField.time,
            "region": events.EventField.region,
            "detail": detail,
        }
    )


class RenderFinishedRules(Construct):
    """The two rules (:attr:`rules`, by status) of the MediaConvert queue ``queue_arn``."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: StageConfig,
        events_stack: EventsStack,
        queue_arn: str,
    ) -> None:
        super().__init__(scope, construct_id)
        names = {status: render_rule_name(config, status) for status in STATUS_FIELDS}
        key = events_stack.accept_from_default_bus(RENDER_FINISHED, names.values())
        stack = cdk.Stack.of(self)
        # The route's buffer and DLQ by their fixed names; their policies are the Events
        # stack's (an imported queue's policy cannot be changed from here).
        self.buffer = sqs.Queue.from_queue_arn(
            self, "Buffer", stack.format_arn(service="sqs", resource=buffer_queue_name(config, key))
        )
        self.dlq = sqs.Queue.from_queue_arn(
            self, "Dlq", stack.format_arn(service="sqs", resource=buffer_dlq_name(config, key))
        )
        self.rules: dict[str, events.Rule] = {}
        for status in STATUS_FIELDS:
            self.rules[status] = events.Rule(
                self,
                f"{status.title()}Rule",
                rule_name=names[status],
                description=f"MediaConvert {status} of {config.name('video')} jobs -> "
                f"{RENDER_FINISHED} ({SOURCE}) -> the route's SQS buffer",
                event_pattern=events.EventPattern(
                    source=[MEDIACONVERT_SOURCE],
                    detail_type=[MEDIACONVERT_DETAIL_TYPE],
                    detail={
                        "status": [status],
                        "queue": [queue_arn],
                        "userMetadata": {k: [{"exists": True}] for k in USER_METADATA_KEYS},
                    },
                ),
                targets=[
                    targets.SqsQueue(
                        self.buffer,
                        message=render_finished_input(status),
                        dead_letter_queue=self.dlq,
                        retry_attempts=3,
                    )
                ],
            )
