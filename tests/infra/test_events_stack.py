"""EventsStack: the bus and its archive, one rule + SQS buffer + DLQ per route, and the webhook
Lambda that consumes the buffers."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk.assertions import Match, Template
from stacks.config import stage_config
from stacks.platform.events import POWERTOOLS_LAYER_VERSION

from mangaflow.platform.routes import Route
from mangaflow.products import routes
from tests.infra.synth import Built
from tests.lambdas import load_lambda

pytestmark = pytest.mark.slow


def test_bus_archive_and_one_rule_per_detail_type(templates: dict[str, Template]) -> None:
    t = templates["events"]
    t.resource_count_is("AWS::Events::EventBus", 1)
    t.has_resource_properties("AWS::Events::EventBus", {"Name": "mangaflow-dev-events"})
    t.has_resource_properties(
        "AWS::Events::Archive",
        {
            "SourceArn": {"Fn::GetAtt": [Match.string_like_regexp("^Bus"), "Arn"]},
            "EventPattern": {"source": sorted({r.source for r in routes()})},
            "RetentionDays": 14,
        },
    )
    t.resource_count_is("AWS::Events::Rule", len(routes()))
    expected = {
        ("Story Generation Requested", "manga.preferences"),
        ("Episode Generation Requested", "manga.story"),
        ("Image Generation Requested", "manga.episode"),
        ("Batch Workflow Requested", "manga.workflow"),
        ("Panel Regeneration Requested", "manga.episode"),
        ("catalog.sync.requested", "mangaflow.catalog"),
        ("catalog.entry.discovered", "mangaflow.catalog"),
        ("catalog.review.decided", "mangaflow.catalog"),
        ("catalog.snapshot.requested", "mangaflow.catalog"),
        ("catalog.airing.requested", "mangaflow.catalog"),
        ("catalog.episode.aired", "mangaflow.catalog"),
        ("video.trends.requested", "mangaflow.video"),
        ("video.requested", "mangaflow.video"),
        ("video.render.finished", "mangaflow.video"),
        ("video.stats.requested", "mangaflow.video"),
        ("support.document.uploaded", "mangaflow.support"),
        ("support.document.decided", "mangaflow.support"),
    }
    buffers = {
        logical_id
        for logical_id, queue in t.find_resources("AWS::SQS::Queue").items()
        if "RedrivePolicy" in queue["Properties"]
    }
    seen = set()
    targeted = set()
    for rule in t.find_resources("AWS::Events::Rule").values():
        props = rule["Properties"]
        pattern = props["EventPattern"]
        assert props["EventBusName"]["Ref"].startswith("Bus")
        (detail_type,), (source,) = pattern["detail-type"], pattern["source"]
        seen.add((detail_type, source))
        (target,) = props["Targets"]
        targeted.add(target["Arn"]["Fn::GetAtt"][0])
        assert "DeadLetterConfig" in target  # undeliverable events are kept too
    assert targeted == buffers  # one buffer queue per rule
    assert seen == expected


def test_buffer_queues_have_dlq_redrive_retention_and_encryption(
    templates: dict[str, Template],
) -> None:
    t = templates["events"]
    queues = t.find_resources("AWS::SQS::Queue")
    assert len(queues) == 2 * len(routes())
    buffers = {k: v for k, v in queues.items() if "RedrivePolicy" in v["Properties"]}
    dlqs = {k: v for k, v in queues.items() if "RedrivePolicy" not in v["Properties"]}
    assert len(buffers) == len(dlqs) == len(routes())
    for queue in queues.values():
        props = queue["Properties"]
        assert props["MessageRetentionPeriod"] == 14 * 24 * 3600
        assert props["SqsManagedSseEnabled"] is True
    for buffer in buffers.values():
        redrive = buffer["Properties"]["RedrivePolicy"]
        assert redrive["maxReceiveCount"] == 3
        assert redrive["deadLetterTargetArn"]["Fn::GetAtt"][0] in dlqs
    # SSL enforced on every queue through its queue policy
    for policy in t.find_resources("AWS::SQS::QueuePolicy").values():
        statements = policy["Properties"]["PolicyDocument"]["Statement"]
        assert any(
            s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
            for s in statements
        )
    enforced: set[str] = set()
    for policy in t.find_resources("AWS::SQS::QueuePolicy").values():
        statements = policy["Properties"]["PolicyDocument"]["Statement"]
        if any(s["Effect"] == "Deny" for s in statements):
            enforced.update(q["Ref"] for q in policy["Properties"]["Queues"])
    assert enforced == set(queues)


def test_webhook_consumes_every_buffer_with_batch_item_failures(
    templates: dict[str, Template],
) -> None:
    t = templates["events"]
    mappings = t.find_resources("AWS::Lambda::EventSourceMapping")
    assert len(mappings) == len(routes())
    for mapping in mappings.values():
        assert mapping["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    t.has_resource_properties(
        "AWS::Lambda::Function",
        {
            "Handler": "handler.handler",
            "Environment": {
                "Variables": Match.object_like({"PREFECT_API_URL_SECRET_NAME": Match.any_value()})
            },
        },
    )
    # the secret exists in the stack; its value is generated, never a literal in the template
    t.resource_count_is("AWS::SecretsManager::Secret", 1)
    t.has_resource_properties(
        "AWS::SecretsManager::Secret",
        {"Name": "mangaflow-dev-prefect-api-url", "SecretString": Match.absent()},
    )


def test_webhook_knows_each_buffer_dlq_and_may_send_to_it(templates: dict[str, Template]) -> None:
    """Records that can never succeed go straight to their queue's DLQ, with a reason."""
    t = templates["events"]
    queues = t.find_resources("AWS::SQS::Queue")
    dlqs = {k for k in queues if "Dlq" in k}
    buffers = {k for k in queues if "Queue" in k}
    assert len(dlqs) == len(buffers) == len(routes())
    (webhook,) = [f for f in t.find_resources("AWS::Lambda::Function").values()
                  if f["Properties"].get("Handler") == "handler.handler"]  # fmt: skip
    mapping = json.dumps(webhook["Properties"]["Environment"]["Variables"]["DEAD_LETTER_QUEUES"])
    assert all(logical_id in mapping for logical_id in dlqs | buffers)
    sends = [s for p in t.find_resources("AWS::IAM::Policy").values()
             for s in p["Properties"]["PolicyDocument"]["Statement"]
             if "sqs:SendMessage" in s["Action"]]  # fmt: skip
    targets = json.dumps(sends)
    assert all(logical_id in targets for logical_id in dlqs)


def test_webhook_gets_the_route_table_as_its_routes_setting(
    templates: dict[str, Template], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The detail-type -> deployment map reaches the Lambda as ``ROUTES`` (compact JSON, a
    literal in the template), and the handler reads that very value at cold start."""
    t = templates["events"]
    (webhook,) = [f for f in t.find_resources("AWS::Lambda::Function").values()
                  if f["Properties"].get("Handler") == "handler.handler"]  # fmt: skip
    value = webhook["Properties"]["Environment"]["Variables"]["ROUTES"]
    assert value == json.dumps(routes().deployments(), separators=(",", ":"))
    assert json.loads(value) == routes().deployments()  # every route, as "flow/deployment"

    monkeypatch.setenv("ROUTES", value)
    assert routes().deployments() == load_lambda("webhook").DEPLOYMENTS


def _powertools_layer(version: int) -> dict[str, Any]:
    """The AWS-published Powertools v3 layer matching the webhook (Python 3.12, arm64)."""
    return {"Fn::Join": ["", ["arn:aws:lambda:", {"Ref": "AWS::Region"},
                              f":017000801446:layer:AWSLambdaPowertoolsPythonV3-python312-arm64:"
                              f"{version}"]]}  # fmt: skip


def test_webhook_runs_on_the_powertools_layer_with_its_settings(
    templates: dict[str, Template],
) -> None:
    t = templates["events"]
    t.has_resource_properties(
        "AWS::Lambda::Function",
        {
            "Handler": "handler.handler",
            "Runtime": "python3.12",
            "Architectures": ["arm64"],
            "Layers": [_powertools_layer(POWERTOOLS_LAYER_VERSION)],
            "Environment": {
                "Variables": Match.object_like(
                    {"POWERTOOLS_SERVICE_NAME": "mangaflow-webhook",
                     "POWERTOOLS_LOG_LEVEL": "INFO"}
                )
            },
        },
    )  # fmt: skip
    # the layer is AWS's, referenced by ARN: nothing is published from this stack
    t.resource_count_is("AWS::Lambda::LayerVersion", 0)


def test_powertools_layer_version_comes_from_cdk_context() -> None:
    import aws_cdk as cdk
    from stacks.platform.events import EventsStack

    app = cdk.App(context={"powertoolsLayerVersion": "31"})  # `cdk synth -c ...` gives strings
    stack = EventsStack(app, "Events", config=stage_config("dev"), routes=routes())
    Template.from_stack(stack).has_resource_properties(
        "AWS::Lambda::Function", {"Layers": [_powertools_layer(31)]}
    )
    with pytest.raises(ValueError, match="powertoolsLayerVersion"):
        EventsStack(
            cdk.App(context={"powertoolsLayerVersion": "latest"}),
            "Events",
            config=stage_config("dev"),
            routes=routes(),
        )


def test_each_route_has_its_rule_buffer_and_dlq_under_stable_ids(dev: Built) -> None:
    """Construct ids (hence logical ids and queue names) follow each route's detail-type, so
    the resources of a deployed stage stay where they are."""
    events_stack = dev[1].platform.events
    assert list(events_stack.queues) == list(events_stack.dlqs) == list(events_stack.rules) == [
        "StoryGeneration", "EpisodeGeneration", "ImageGeneration", "BatchWorkflow",
        "PanelRegeneration", "CatalogSyncRequested", "CatalogEntryDiscovered",
        "CatalogReviewDecided", "CatalogSnapshotRequested", "CatalogAiringRequested",
        "CatalogEpisodeAired", "VideoTrendsRequested", "VideoRequested", "VideoRenderFinished",
        "VideoStatsRequested", "SupportDocumentUploaded", "SupportDocumentDecided",
    ]  # fmt: skip
    assert [r.detail_type for r in events_stack.routes.values()] == [
        r.detail_type for r in routes()
    ]
    t = Template.from_stack(events_stack)
    for key, route in events_stack.routes.items():
        (rule,) = [v for k, v in t.find_resources("AWS::Events::Rule").items()
                   if k.startswith(f"{key}Rule")]  # fmt: skip
        assert rule["Properties"]["EventPattern"] == {
            "source": [route.source], "detail-type": [route.detail_type]
        }  # fmt: skip
        assert rule["Properties"]["Targets"][0]["Arn"]["Fn::GetAtt"][0].startswith(f"{key}Queue")
        t.has_resource_properties(
            "AWS::SQS::Queue", {"QueueName": f"mangaflow-dev-{key.lower()}-buffer"}
        )
        t.has_resource_properties(
            "AWS::SQS::Queue", {"QueueName": f"mangaflow-dev-{key.lower()}-dlq"}
        )


class _CatalogSyncRequested:  # a stand-in for another product's event class
    detail_type, source = "Catalog Sync Requested", "catalog.sources"


class _CatalogSyncRequestedAgain:
    detail_type, source = "Catalog-Sync Requested", "catalog.sources"


def test_another_products_route_gets_its_own_rule_and_buffer() -> None:
    import aws_cdk as cdk
    from stacks.platform.events import EventsStack

    sync = Route(_CatalogSyncRequested, "sync-catalog", "sync",  # type: ignore[arg-type]
                 "flows/catalog/sync.py:sync_catalog")  # fmt: skip
    stack = EventsStack(cdk.App(), "Events", config=stage_config("dev"),
                        routes=[*routes(), sync])  # fmt: skip
    assert list(stack.queues)[-1] == "CatalogSync"
    t = Template.from_stack(stack)
    t.resource_count_is("AWS::Events::Rule", len(routes()) + 1)
    t.has_resource_properties("AWS::Events::Rule", {"EventPattern": {
        "source": ["catalog.sources"], "detail-type": ["Catalog Sync Requested"]}})  # fmt: skip
    t.has_resource_properties("AWS::Events::Archive", {"EventPattern": {"source": Match.array_with(
        ["catalog.sources", "manga.preferences"])}})  # fmt: skip

    again = Route(_CatalogSyncRequestedAgain, "sync-catalog", "again",  # type: ignore[arg-type]
                  "flows/catalog/sync.py:sync_catalog")  # fmt: skip
    with pytest.raises(ValueError, match="CatalogSyncQueue"):
        EventsStack(cdk.App(), "Events", config=stage_config("dev"), routes=[sync, again])
