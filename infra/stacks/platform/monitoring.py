"""MonitoringStack: alarms (DLQ depth, Lambda errors/throttles, API 5XX) and a dashboard."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from stacks.config import StageConfig

PERIOD = cdk.Duration.minutes(5)


def alarm_topic_name(config: StageConfig) -> str:
    """Fixed, so a product's stack can send its alarms here by name (no cross-stack export)."""
    return config.name("alarms")


class MonitoringStack(cdk.Stack):
    def __init__(  # type: ignore[no-untyped-def]
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: StageConfig,
        dlqs: dict[str, sqs.IQueue],
        functions: dict[str, lambda_.IFunction],
        rest_api: apigw.RestApi,
        **kwargs,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)

        self.topic = sns.Topic(
            self,
            "AlarmTopic",
            topic_name=alarm_topic_name(config),
            enforce_ssl=True,
            master_key=kms.Alias.from_alias_name(self, "SnsKey", "alias/aws/sns"),
        )
        action = cw_actions.SnsAction(self.topic)
        self.alarms: list[cw.Alarm] = []

        def alarm(cid: str, metric: cw.IMetric, description: str) -> cw.Alarm:
            created = cw.Alarm(
                self,
                cid,
                alarm_name=config.name(cid),
                alarm_description=description,
                metric=metric,
                threshold=0,
                comparison_operator=cw.ComparisonOperator.GREATER_THAN_THRESHOLD,
                evaluation_periods=1,
                treat_missing_data=cw.TreatMissingData.NOT_BREACHING,
            )
            created.add_alarm_action(action)
            self.alarms.append(created)
            return created

        dlq_metrics: list[cw.IMetric] = []
        for key, dlq in dlqs.items():
            # Alarms use the plain metric (a label would turn it into a metric-math alarm).
            metric = dlq.metric_approximate_number_of_messages_visible(
                period=PERIOD, statistic="Maximum"
            )
            dlq_metrics.append(metric.with_(label=key))
            alarm(f"{key}DlqNotEmpty", metric, f"{key}: events landed in the dead-letter queue.")

        error_metrics: list[cw.IMetric] = []
        throttle_metrics: list[cw.IMetric] = []
        for key, fn in functions.items():
            errors = fn.metric_errors(period=PERIOD, statistic="Sum")
            throttles = fn.metric_throttles(period=PERIOD, statistic="Sum")
            error_metrics.append(errors.with_(label=f"{key} errors"))
            throttle_metrics.append(throttles.with_(label=f"{key} throttles"))
            alarm(f"{key}Errors", errors, f"{key} Lambda reported errors.")
            alarm(f"{key}Throttles", throttles, f"{key} Lambda was throttled.")

        api_5xx = rest_api.metric_server_error(period=PERIOD, statistic="Sum")
        api_4xx = rest_api.metric_client_error(period=PERIOD, statistic="Sum", label="API 4XX")
        api_latency = rest_api.metric_latency(
            period=PERIOD, statistic="p95", label="API p95 latency"
        )
        alarm("Api5xx", api_5xx, "The REST API answered 5XX.")

        self.dashboard = cw.Dashboard(
            self,
            "Dashboard",
            dashboard_name=config.name("dashboard"),
            default_interval=cdk.Duration.hours(3),
        )
        self.dashboard.add_widgets(
            cw.GraphWidget(title="Dead-letter queue depth", left=dlq_metrics, width=12),
            cw.GraphWidget(
                title="API 4XX / 5XX",
                left=[api_4xx, api_5xx.with_(label="API 5XX")],
                right=[api_latency],
                width=12,
            ),
        )
        self.dashboard.add_widgets(
            cw.GraphWidget(title="Lambda errors", left=error_metrics, width=12),
            cw.GraphWidget(title="Lambda throttles", left=throttle_metrics, width=12),
        )
        self.dashboard.add_widgets(
            cw.AlarmStatusWidget(title="Alarms", alarms=self.alarms, width=24),
        )
