"""EventsStack: custom bus, one rule per route (every product's event that starts a flow:
``mangaflow.products.routes()``) -> SQS buffer (+ DLQ) -> webhook Lambda -> Prefect deployment."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable

import aws_cdk as cdk
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_logs as logs
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from mangaflow.platform.routes import Route
from stacks.config import LAMBDAS_DIR, StageConfig, context_int
from stacks.nag import acknowledge, acknowledge_lambda_basics


def route_key(route: Route) -> str:
    """A route's construct-id and queue-name part: its detail-type in CamelCase, without a
    trailing "Requested" ("Story Generation Requested" -> ``StoryGeneration``: the ids of
    ``StoryGenerationQueue``, ``StoryGenerationDlq``, ``StoryGenerationRule``)."""
    words = re.findall(r"[A-Za-z0-9]+", route.detail_type)
    if len(words) > 1 and words[-1] == "Requested":
        words = words[:-1]
    return "".join(word[:1].upper() + word[1:] for word in words)


def keyed_routes(routes: Iterable[Route]) -> dict[str, Route]:
    """Routes by :func:`route_key` (their order kept); two routes with one key are an error."""
    keyed: dict[str, Route] = {}
    for route in routes:
        key = route_key(route)
        if key in keyed:
            raise ValueError(
                f"events {keyed[key].detail_type!r} and {route.detail_type!r} would share the "
                f"construct ids {key}Queue/{key}Dlq/{key}Rule: rename one of them"
            )
        keyed[key] = route
    return keyed


WEBHOOK_TIMEOUT = cdk.Duration.seconds(30)
WEBHOOK_SERVICE = "mangaflow-webhook"  # the handler's Logger(service=...)

#: Powertools for AWS Lambda (Python) v3, as AWS publishes it in every commercial region
#: (https://docs.aws.amazon.com/powertools/python/latest/getting-started/install/).
POWERTOOLS_LAYER_ACCOUNT = "017000801446"
#: Layer version used unless ``-c powertoolsLayerVersion=N`` says otherwise; 27 is the version
#: the Powertools install page lists (the same number in every region and flavour).
POWERTOOLS_LAYER_VERSION = 27


def powertools_layer_name(runtime: lambda_.Runtime, architecture: lambda_.Architecture) -> str:
    """``AWSLambdaPowertoolsPythonV3-python312-arm64``: the layer must match the function's
    runtime and architecture (it ships compiled pydantic-core)."""
    python = runtime.name.replace(".", "")  # python3.12 -> python312
    return f"AWSLambdaPowertoolsPythonV3-{python}-{architecture.name}"


def powertools_layer_version(scope: Construct) -> int:
    return context_int(scope, "powertoolsLayerVersion", default=POWERTOOLS_LAYER_VERSION,
                       minimum=1)  # fmt: skip


def webhook_routes(routes: Iterable[Route]) -> str:
    """The webhook's ``ROUTES`` setting: detail-type -> ``flow-name/deployment-name`` as
    compact JSON (``RouteTable.deployments()``; the Lambda asset cannot import mangaflow)."""
    return json.dumps({r.detail_type: r.deployment_name for r in routes}, separators=(",", ":"))


def event_bus_name(config: StageConfig) -> str:
    """Fixed, so a product's stack can import the bus by name (no cross-stack export)."""
    return config.name("events")


def buffer_queue_name(config: StageConfig, key: str) -> str:
    """A route's SQS buffer by its :func:`route_key` (fixed: a product's stack imports it)."""
    return config.name(f"{key.lower()}-buffer")


def buffer_dlq_name(config: StageConfig, key: str) -> str:
    """The dead-letter queue of a route's buffer, by its :func:`route_key`."""
    return config.name(f"{key.lower()}-dlq")


class EventsStack(cdk.Stack):
    """``routes``: every product's (``mangaflow.products.routes()``), one rule, SQS buffer and
    DLQ each, keyed by :func:`route_key` in :attr:`queues`, :attr:`dlqs` and :attr:`rules`."""

    def __init__(  # type: ignore[no-untyped-def]
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: StageConfig,
        routes: Iterable[Route],
        **kwargs,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.routes = keyed_routes(routes)

        self.bus = events.EventBus(self, "Bus", event_bus_name=event_bus_name(config))
        self.archive = self.bus.archive(
            "Archive",
            archive_name=config.name("events-archive"),
            description="Every MangaFlow event, for replay after a fix.",
            event_pattern=events.EventPattern(
                source=sorted({r.source for r in self.routes.values()})
            ),
            retention=cdk.Duration.days(90 if config.is_prod else 14),
        )

        self.prefect_secret = secretsmanager.Secret(
            self,
            "PrefectApiUrlSecret",
            secret_name=config.name("prefect-api-url"),
            description="Prefect API URL (and auth) used by the webhook Lambda; set after deploy.",
            removal_policy=config.removal_policy,
        )
        acknowledge(
            self.prefect_secret,
            "AwsSolutions-SMG4",
            "Holds the Prefect API URL/key issued by Prefect, which Secrets Manager cannot "
            "rotate; it is rotated by updating the secret value when Prefect issues a new key.",
        )

        runtime, architecture = lambda_.Runtime.PYTHON_3_12, lambda_.Architecture.ARM_64
        # The handler's only dependency beyond the runtime: the AWS-published layer (region
        # token: one template for any commercial region), not a copy in the asset.
        self.powertools_layer = lambda_.LayerVersion.from_layer_version_arn(
            self,
            "PowertoolsLayer",
            f"arn:aws:lambda:{self.region}:{POWERTOOLS_LAYER_ACCOUNT}:layer:"
            f"{powertools_layer_name(runtime, architecture)}:{powertools_layer_version(self)}",
        )
        self.webhook = lambda_.Function(
            self,
            "WebhookFunction",
            runtime=runtime,
            architecture=architecture,
            handler="handler.handler",
            code=lambda_.Code.from_asset(str(LAMBDAS_DIR / "webhook")),
            layers=[self.powertools_layer],
            timeout=WEBHOOK_TIMEOUT,
            memory_size=256,
            description="Turns buffered EventBridge events into Prefect deployment runs.",
            environment={
                "PREFECT_API_URL_SECRET_NAME": self.prefect_secret.secret_name,
                "MANGAFLOW_STAGE": config.stage,
                "POWERTOOLS_SERVICE_NAME": WEBHOOK_SERVICE,
                "POWERTOOLS_LOG_LEVEL": "INFO",
                # detail-type -> "flow/deployment": the handler reads it at cold start.
                "ROUTES": webhook_routes(self.routes.values()),
            },
            log_group=logs.LogGroup(
                self,
                "WebhookLogs",
                retention=config.log_retention,
                removal_policy=config.removal_policy,
            ),
        )
        self.prefect_secret.grant_read(self.webhook)
        acknowledge_lambda_basics(self.webhook)
        acknowledge(
            self.webhook,
            "AwsSolutions-L1",
            "Pinned to Python 3.12 on purpose: the project supports Python >=3.11,<3.13 "
            "(pyproject requires-python), so a newer Lambda runtime is untested.",
        )

        self.queues: dict[str, sqs.Queue] = {}
        self.dlqs: dict[str, sqs.Queue] = {}
        self.rules: dict[str, events.Rule] = {}
        for key, route in self.routes.items():
            dlq = sqs.Queue(
                self,
                f"{key}Dlq",
                queue_name=buffer_dlq_name(config, key),
                retention_period=cdk.Duration.days(14),
                encryption=sqs.QueueEncryption.SQS_MANAGED,
                enforce_ssl=True,
                removal_policy=config.removal_policy,
            )
            queue = sqs.Queue(
                self,
                f"{key}Queue",
                queue_name=buffer_queue_name(config, key),
                retention_period=cdk.Duration.days(14),
                # >= 6x the consumer timeout, as AWS recommends for Lambda event sources.
                visibility_timeout=cdk.Duration.seconds(WEBHOOK_TIMEOUT.to_seconds() * 6),
                encryption=sqs.QueueEncryption.SQS_MANAGED,
                enforce_ssl=True,
                dead_letter_queue=sqs.DeadLetterQueue(max_receive_count=3, queue=dlq),
                removal_policy=config.removal_policy,
            )
            rule = events.Rule(
                self,
                f"{key}Rule",
                event_bus=self.bus,
                description=f"{route.detail_type} ({route.source}) -> SQS buffer",
                event_pattern=events.EventPattern(
                    source=[route.source], detail_type=[route.detail_type]
                ),
                targets=[targets.SqsQueue(queue, dead_letter_queue=dlq, retry_attempts=3)],
            )
            self.webhook.add_event_source(
                sources.SqsEventSource(
                    queue,
                    batch_size=10,
                    max_batching_window=cdk.Duration.seconds(1),
                    report_batch_item_failures=True,
                )
            )
            dlq.grant_send_messages(self.webhook)  # records that can never succeed, with a reason
            self.queues[key] = queue
            self.dlqs[key] = dlq
            self.rules[key] = rule
        self.webhook.add_environment("DEAD_LETTER_QUEUES", self.to_json_string([
            {"queue": self.queues[k].queue_arn, "dlq": self.dlqs[k].queue_url} for k in self.queues
        ]))  # fmt: skip

        cdk.CfnOutput(self, "EventBusName", value=self.bus.event_bus_name)

    def accept_from_default_bus(self, detail_type: str, rule_names: Iterable[str]) -> str:
        """Let rules of the account's default bus send to the buffer (and DLQ) of the route of
        ``detail_type``: a product's rules that turn an AWS service's event (which only reaches
        the default bus) into that route's envelope, with an input transformer (EventBridge
        does not transform input for an event-bus target). The rules are named, not
        referenced, so this stack needs nothing of the product's; returns the route's key."""
        keys = [key for key, route in self.routes.items() if route.detail_type == detail_type]
        if not keys:
            raise ValueError(
                f"no route for {detail_type!r}: the Events stack has buffers for "
                f"{sorted(r.detail_type for r in self.routes.values())}; add the route to the "
                "product's routes.py (mangaflow.products.routes())"
            )
        (key,) = keys
        sources = [
            self.format_arn(service="events", resource="rule", resource_name=name)
            for name in rule_names
        ]
        # The statements CDK gives the route's own rule (targets.SqsQueue and its DLQ).
        for queue, actions in (
            (self.queues[key], ["sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"]),
            (self.dlqs[key], ["sqs:SendMessage"]),
        ):
            queue.add_to_resource_policy(
                iam.PolicyStatement(
                    actions=actions,
                    principals=[iam.ServicePrincipal("events.amazonaws.com")],
                    resources=[queue.queue_arn],
                    conditions={"ArnEquals": {"aws:SourceArn": sources}},
                )
            )
        return key
