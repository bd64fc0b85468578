"""Build the whole MangaFlow CDK app for one stage (used by ``infra/app.py`` and the tests)."""

from __future__ import annotations

import aws_cdk as cdk
from cdk_nag import AwsSolutionsChecks

from stacks.api import ApiStack
from stacks.config import StageConfig, stage_config, stage_from_context
from stacks.events import EventsStack
from stacks.monitoring import MonitoringStack
from stacks.storage import StorageStack
from stacks.workers import WorkersStack


class MangaFlowStacks:
    def __init__(
        self, app: cdk.App, config: StageConfig, env: cdk.Environment | None = None
    ) -> None:
        prefix = f"MangaFlow-{config.stage}"
        self.storage = StorageStack(app, f"{prefix}-Storage", config=config, env=env)
        self.events = EventsStack(app, f"{prefix}-Events", config=config, env=env)
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
        for stack in (self.storage, self.events, self.api, self.monitoring, self.workers):
            cdk.Tags.of(stack).add("project", "mangaflow")
            cdk.Tags.of(stack).add("stage", config.stage)


def build_app(
    stage: str | None = None, *, outdir: str | None = None, nag: bool = True
) -> tuple[cdk.App, MangaFlowStacks]:
    """The app with every stack; AwsSolutions checks run at synth (findings raise)."""
    context = {"stage": stage} if stage else None
    app = cdk.App(context=context, outdir=outdir)
    config = stage_config(stage) if stage else stage_from_context(app)
    stacks = MangaFlowStacks(app, config)
    if nag:
        cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    return app, stacks
