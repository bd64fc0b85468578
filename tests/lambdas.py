"""Loading the Lambda handlers under ``infra/lambdas/<name>/handler.py`` as the Lambda runtime
does (a file, not a package), and a stand-in for the Lambda context object."""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

LAMBDAS_DIR = Path(__file__).resolve().parents[1] / "infra" / "lambdas"


def load_lambda(name: str) -> ModuleType:
    """A fresh module of ``infra/lambdas/<name>/handler.py`` (fresh module-level caches)."""
    spec = importlib.util.spec_from_file_location(
        f"infra_lambda_{name}", LAMBDAS_DIR / name / "handler.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@dataclass
class FakeContext:
    """The attributes of the Lambda context object handlers and Powertools read."""

    function_name: str = "mangaflow-webhook-test"
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = (
        "arn:aws:lambda:us-east-1:123456789012:function:mangaflow-webhook-test"
    )
    aws_request_id: str = "00000000-0000-4000-8000-000000000000"
    log_group_name: str = "/aws/lambda/mangaflow-webhook-test"
    log_stream_name: str = "test"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000
