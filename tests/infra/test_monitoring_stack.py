"""MonitoringStack: alarms (DLQ depth, Lambda errors/throttles, API 5XX) and the dashboard."""

from __future__ import annotations

import json

import pytest
from aws_cdk.assertions import Template

from mangaflow.products import routes

pytestmark = pytest.mark.slow


def test_alarms_on_dlqs_lambdas_and_api_5xx(templates: dict[str, Template]) -> None:
    t = templates["monitoring"]
    alarms = t.find_resources("AWS::CloudWatch::Alarm")
    by_metric: dict[str, int] = {}
    for alarm in alarms.values():
        props = alarm["Properties"]
        assert props["ComparisonOperator"] == "GreaterThanThreshold"
        assert props["Threshold"] == 0
        assert props["AlarmActions"]
        by_metric[props["MetricName"]] = by_metric.get(props["MetricName"], 0) + 1
    assert by_metric == {
        "ApproximateNumberOfMessagesVisible": len(routes()),
        "Errors": 3,
        "Throttles": 3,
        "5XXError": 1,
    }
    t.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {"Namespace": "AWS/SQS", "MetricName": "ApproximateNumberOfMessagesVisible",
         "Statistic": "Maximum"},
    )  # fmt: skip


def test_dashboard_shows_the_alarm_metrics(templates: dict[str, Template]) -> None:
    t = templates["monitoring"]
    t.resource_count_is("AWS::CloudWatch::Dashboard", 1)
    (dashboard,) = t.find_resources("AWS::CloudWatch::Dashboard").values()
    body = json.dumps(dashboard)
    for metric in ("ApproximateNumberOfMessagesVisible", "Errors", "Throttles", "5XXError"):
        assert metric in body
