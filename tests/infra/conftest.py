"""CDK tests: make ``infra/`` importable the way ``cdk synth`` runs it (``python app.py``)."""

from __future__ import annotations

import importlib.util
import os
import sys
import warnings
from pathlib import Path

INFRA_DIR = Path(__file__).resolve().parents[2] / "infra"
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
if str(INFRA_DIR) not in sys.path:
    sys.path.insert(0, str(INFRA_DIR))

collect_ignore_glob: list[str] = []
if importlib.util.find_spec("aws_cdk") is None or importlib.util.find_spec("cdk_nag") is None:
    # find_spec, not import: importing aws_cdk starts node (seconds) for every test run.
    collect_ignore_glob = ["test_stacks.py", "test_cdk_cli.py"]
    warnings.warn(
        "tests/infra CDK tests not collected: install the `infra` extra "
        "(aws-cdk-lib, constructs, cdk-nag)",
        stacklevel=1,
    )
