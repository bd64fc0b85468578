"""Build the whole MangaFlow CDK app for one stage (used by ``infra/app.py`` and the tests):
the platform's stacks, then each product's (:data:`PRODUCT_STACKS`). Every product's event
routes come from ``mangaflow.products.routes()``, the one definition: the Events stack makes a
rule and buffer per route and hands the webhook the detail-type -> deployment map."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import aws_cdk as cdk
from cdk_nag import AwsSolutionsChecks

from mangaflow.products import PRODUCTS, routes
from stacks import catalog, manga, support, video
from stacks.config import StageConfig, stage_config, stage_from_context
from stacks.platform import PlatformStacks

#: A product's builder: (app, the platform's stacks, stage config, env) -> its own stacks.
ProductStacks = Callable[
    [cdk.App, PlatformStacks, StageConfig, cdk.Environment | None], Sequence[cdk.Stack]
]

#: One builder per product of ``mangaflow.products.PRODUCTS`` (the same names), each in
#: ``infra/stacks/<product>.py``: the one place a product plugs into the CDK app.
PRODUCT_STACKS: dict[str, ProductStacks] = {
    "manga": manga.build,
    "catalog": catalog.build,
    "video": video.build,
    "support": support.build,
}



class MangaFlowStacks:
    def __init__(
        self,
        app: cdk.App,
        config: StageConfig,
        env: cdk.Environment | None = None,
        *,
        products: Mapping[str, ProductStacks] | None = None,
    ) -> None:
        builders = PRODUCT_STACKS if products is None else products
        if set(builders) != set(PRODUCTS):
            raise ValueError(
                f"the CDK app has stack builders for {sorted(builders)} but mangaflow.products."
                f"PRODUCTS is {sorted(PRODUCTS)}: give each product an entry in PRODUCT_STACKS "
                "(infra/stacks/mangaflow_app.py), even one that adds no stack"
            )
        self.platform = PlatformStacks(app, config, routes=routes(), env=env)
        self.products: dict[str, tuple[cdk.Stack, ...]] = {
            name: tuple(builders[name](app, self.platform, config, env))
            for name in PRODUCTS
        }
        for stack in self.platform.stacks:
            cdk.Tags.of(stack).add("project", "mangaflow")
            cdk.Tags.of(stack).add("stage", config.stage)
        for name, stacks in self.products.items():
            for stack in stacks:
                cdk.Tags.of(stack).add("project", "mangaflow")
                cdk.Tags.of(stack).add("stage", config.stage)
                cdk.Tags.of(stack).add("product", name)


def build_app(
    stage: str | None = None,
    *,
    outdir: str | None = None,
    nag: bool = True,
    products: Mapping[str, ProductStacks] | None = None,
) -> tuple[cdk.App, MangaFlowStacks]:
    """The app with every stack; AwsSolutions checks run at synth (findings raise)."""
    context = {"stage": stage} if stage else None
    app = cdk.App(context=context, outdir=outdir)
    config = stage_config(stage) if stage else stage_from_context(app)
    stacks = MangaFlowStacks(app, config, products=products)
    if nag:
        cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    return app, stacks
