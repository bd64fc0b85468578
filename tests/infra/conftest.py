"""CDK tests: make ``infra/`` importable the way ``cdk synth`` runs it (``python app.py``), and
synthesize the dev and prod apps once per session for the template tests (``test_*_stack.py``,
``test_cdk_app.py``; jsii start-up + synth take seconds)."""

from __future__ import annotations

import importlib.util
import os
import sys
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from aws_cdk.assertions import Template

    from tests.infra.support_app import Built as SupportBuilt
    from tests.infra.synth import Built
    from tests.infra.video_app import Built as VideoBuilt

INFRA_DIR = Path(__file__).resolve().parents[2] / "infra"
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
if str(INFRA_DIR) not in sys.path:
    sys.path.insert(0, str(INFRA_DIR))

collect_ignore_glob: list[str] = []
if importlib.util.find_spec("aws_cdk") is None or importlib.util.find_spec("cdk_nag") is None:
    # find_spec, not import: importing aws_cdk starts node (seconds) for every test run.
    collect_ignore_glob = ["test_*_stack.py", "test_cdk_*.py"]
    warnings.warn(
        "tests/infra CDK tests not collected: install the `infra` extra "
        "(aws-cdk-lib, constructs, cdk-nag)",
        stacklevel=1,
    )


@pytest.fixture(scope="session")
def dev(tmp_path_factory: pytest.TempPathFactory) -> Built:
    from tests.infra.synth import synth

    return synth("dev", tmp_path_factory.mktemp("cdk-dev"))


@pytest.fixture(scope="session")
def prod(tmp_path_factory: pytest.TempPathFactory) -> Built:
    from tests.infra.synth import synth

    return synth("prod", tmp_path_factory.mktemp("cdk-prod"))


@pytest.fixture(scope="session")
def templates(dev: Built) -> dict[str, Template]:
    """The dev app's platform stacks' templates, by ``storage``, ``events``, ..."""
    from aws_cdk.assertions import Template

    from tests.infra.synth import PLATFORM_STACKS

    _, s = dev
    return {name: Template.from_stack(getattr(s.platform, name)) for name in PLATFORM_STACKS}


@pytest.fixture(scope="session")
def video_built(tmp_path_factory: pytest.TempPathFactory) -> VideoBuilt:
    """The video stack on the platform's stacks (with the video routes), under cdk-nag."""
    from tests.infra.video_app import build_video

    return build_video(tmp_path_factory.mktemp("cdk-video"))


@pytest.fixture(scope="session")
def video(video_built: VideoBuilt) -> Template:
    from aws_cdk.assertions import Template

    return Template.from_stack(video_built[0])


@pytest.fixture(scope="session")
def video_events(video_built: VideoBuilt) -> Template:
    """The Events stack built with the video routes (its render-finished buffer)."""
    from aws_cdk.assertions import Template

    return Template.from_stack(video_built[1].events)


@pytest.fixture(scope="session")
def support_built(tmp_path_factory: pytest.TempPathFactory) -> SupportBuilt:
    """The support stack on the platform's stacks, under cdk-nag and its own aspects."""
    from tests.infra.support_app import build_support

    return build_support(tmp_path_factory.mktemp("cdk-support"))


@pytest.fixture(scope="session")
def support(support_built: SupportBuilt) -> Template:
    from aws_cdk.assertions import Template

    return Template.from_stack(support_built[0])
