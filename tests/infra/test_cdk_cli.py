"""``cdk synth`` through the real CLI (npm aws-cdk@2.1148.1 reads aws-cdk-lib 2.275 output),
offline. The CLI is the project's own: ``infra/package.json``, installed by ``.ci/run``
(``npm install --prefix infra``). Without it the test skips, saying how to install it, except
in CI, where it must run."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

CLI = "aws-cdk@2.1148.1"
INFRA_DIR = Path(__file__).resolve().parents[2] / "infra"


LOCAL_CLI = INFRA_DIR / "node_modules" / ".bin" / "cdk"


def test_cdk_cli_synth_offline(tmp_path: Path) -> None:
    if shutil.which("node") is None or not LOCAL_CLI.exists():
        if os.environ.get("CI"):
            pytest.fail("the CDK CLI is not installed: run `npm install --prefix infra`")
        pytest.skip(f"{CLI} not installed here: run `npm install --prefix infra` to enable")
    env = {
        **os.environ,
        "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
        "CDK_DISABLE_VERSION_CHECK": "1",
        "npm_config_offline": "true",
        # `python app.py` from cdk.json must find the venv that runs the tests
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    result = subprocess.run(
        [str(LOCAL_CLI), "synth", "--quiet", "--no-notices",
         "-o", str(tmp_path / "cdk.out"), "-c", "stage=dev"],
        cwd=INFRA_DIR, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-4000:]
    templates = sorted(p.name for p in (tmp_path / "cdk.out").glob("*.template.json"))
    assert templates == [
        f"MangaFlow-dev-{n}.template.json"
        for n in ("Api", "Catalog", "Events", "Monitoring", "Storage", "Support", "Video", "Workers")
    ]
