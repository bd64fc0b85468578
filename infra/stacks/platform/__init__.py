"""The platform's stacks, which every product shares: storage (the table and the episode
bucket), events (the bus, one rule + SQS buffer + DLQ per routed event, the webhook Lambda),
the API (Cognito + the FastAPI Lambda), monitoring, and the workers flow runs run on."""

from __future__ import annotations

from collections.abc import Iterable

import aws_cdk as cdk

from mangaflow.platform.routes import Route
from stacks.config import StageConfig
from stacks.platform.api import ApiStack
from stacks.platform.events import EventsStack
from stacks.platform.monitoring import MonitoringStack
from stacks.platform.storage import StorageStack
from stacks.platform.workers import WorkersStack


class PlatformStacks:
    """``MangaFlow-<stage>-{Storage,Events,Api,Monitoring,Workers}``, wired together;
    ``routes``: every product's event routes (``mangaflow.products.routes()``)."""

    def __init__(
        self,
        app: cdk.App,
        config: StageConfig,
        *,
        routes: Iterable[Route],
        env: cdk.Environment | None = None,
    ) -> None:
        prefix = f"MangaFlow-{config.stage}"
        self.storage = StorageStack(app, f"{prefix}-Storage", config=config, env=env)
        self.events = EventsStack(
            app, f"{prefix}-Events", config=config, routes=routes, env=env
        )
        self.api = ApiStack(
            app,
            f"{prefix}-Api",
            config=config,
            bus=self.events.bus,
            env=env,
        )
        # IAM in ApiStack is built from fixed names, not exports: keep the deploy order.
        self.api.add_stack_dependency(self.storage)
        self.monitoring = MonitoringStack(
            app,
            f"{prefix}-Monitoring",
            config=config,
            dlqs=dict(self.events.dlqs),
            functions={
                "Webhook": self.events.webhook,
                "Api": self.api.api_function,
                "PostAuth": self.api.post_auth,
            },
            rest_api=self.api.rest_api,
            env=env,
        )
        self.workers = WorkersStack(
            app,
            f"{prefix}-Workers",
            config=config,
            bus=self.events.bus,
            prefect_secret=self.events.prefect_secret,
            env=env,
        )
        # Like ApiStack: table and bucket IAM from their fixed names, not exports.
        self.workers.add_stack_dependency(self.storage)

    @property
    def stacks(self) -> tuple[cdk.Stack, ...]:
        return (self.storage, self.events, self.api, self.monitoring, self.workers)
