"""The whole CDK app: every stack synthesizes under cdk-nag (AwsSolutions) for each stage, and
the stage setting is checked. (The dev and prod apps are synthesized once per session:
``tests/infra/conftest.py``.)"""

from __future__ import annotations

from pathlib import Path

import pytest
from stacks.config import stage_config

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_app_synthesizes_without_unacknowledged_nag_findings(
    stage: str, request: pytest.FixtureRequest
) -> None:
    app, stacks = request.getfixturevalue(stage)
    assembly = app.synth()
    names = {s.stack_name for s in assembly.stacks}
    assert names == {
        f"MangaFlow-{stage}-{n}"
        for n in ("Storage", "Events", "Api", "Monitoring", "Workers", "Catalog", "Video", "Support")
    }


def test_nag_findings_make_synth_raise(tmp_path: Path) -> None:
    """Guards the test above: an unacknowledged AwsSolutions finding fails the synth."""
    import aws_cdk as cdk
    from aws_cdk import aws_sqs as sqs
    from cdk_nag import AwsSolutionsChecks

    app = cdk.App(outdir=str(tmp_path))
    stack = cdk.Stack(app, "Bad")
    sqs.Queue(stack, "NoDlqNoSsl")
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    with pytest.raises(Exception, match="AwsSolutions-SQS3"):
        app.synth()


def test_unknown_stage_is_rejected() -> None:
    with pytest.raises(ValueError, match="stage=dev"):
        stage_config("qa")


# ----------------------------------------------------------------------------- products
def test_every_product_has_a_stack_builder() -> None:
    """The CDK app's one place per product names exactly the products of mangaflow.products."""
    from stacks.mangaflow_app import PRODUCT_STACKS

    from mangaflow.products import PRODUCTS

    assert set(PRODUCT_STACKS) == set(PRODUCTS)


def test_a_builder_for_an_unknown_product_is_rejected(tmp_path: Path) -> None:
    """A builder for a name that is not a product is refused."""
    from stacks.mangaflow_app import PRODUCT_STACKS, build_app

    builders = {**PRODUCT_STACKS, "comics": PRODUCT_STACKS["manga"]}
    with pytest.raises(ValueError, match="PRODUCT_STACKS"):
        build_app("dev", outdir=str(tmp_path), nag=False, products=builders)


def test_product_builders_get_the_platform_and_their_stacks_are_tagged(tmp_path: Path) -> None:
    import aws_cdk as cdk
    from aws_cdk import aws_sns as sns
    from aws_cdk.assertions import Template
    from stacks.mangaflow_app import build_app
    from stacks.platform import PlatformStacks

    seen: list[PlatformStacks] = []

    def manga(
        app: cdk.App, platform: PlatformStacks, config: object, env: object
    ) -> list[cdk.Stack]:
        seen.append(platform)
        stack = cdk.Stack(app, "MangaFlow-dev-Manga")
        sns.Topic(stack, "Topic")
        return [stack]

    def catalog(app: cdk.App, platform: PlatformStacks, config: object, env: object) -> list[cdk.Stack]:
        return []

    app, stacks = build_app("dev", outdir=str(tmp_path), nag=False,
                            products={"manga": manga, "catalog": catalog, "video": catalog,
                                      "support": catalog})  # fmt: skip
    assert seen == [stacks.platform]  # called once, after the platform's stacks exist
    (stack,) = stacks.products["manga"]
    assert {s.stack_name for s in app.synth().stacks} == {
        f"MangaFlow-dev-{n}" for n in ("Storage", "Events", "Api", "Monitoring", "Workers", "Manga")
    }
    (topic,) = Template.from_stack(stack).find_resources("AWS::SNS::Topic").values()
    tags = {t["Key"]: t["Value"] for t in topic["Properties"]["Tags"]}
    assert tags == {"project": "mangaflow", "stage": "dev", "product": "manga"}


def test_a_product_without_a_stack_builder_is_rejected(tmp_path: Path) -> None:
    from stacks.mangaflow_app import build_app

    with pytest.raises(ValueError, match=r"PRODUCT_STACKS.*even one that adds no stack"):
        build_app("dev", outdir=str(tmp_path), products={})
