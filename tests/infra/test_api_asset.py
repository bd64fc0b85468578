"""The API Lambda asset (``scripts/build-api-asset.sh``): the handler runs without Prefect,
Streamlit or the CDK, and ``infra/lambdas/api/requirements.txt`` covers every package it
imports. No network: the handler runs from this venv in a subprocess
(``infra/lambdas/api/smoke.py``) that refuses the packages the asset does not hold."""

from __future__ import annotations

import importlib.metadata as md
import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "build-api-asset.sh"
API_LAMBDA_DIR = REPO / "infra" / "lambdas" / "api"
REQUIREMENTS = API_LAMBDA_DIR / "requirements.txt"
API_STACK = REPO / "infra" / "stacks" / "platform" / "api.py"

#: Top-level packages of this project's other parts: none may be imported by the API.
NOT_IN_ASSET = ("prefect", "streamlit", "aws_cdk", "cdk_nag", "flows", "tasks", "dashboard")
#: Imports that fastapi/starlette (orjson, email_validator), pydantic
#: (pydantic_extra_types), anyio/httpcore (sniffio) and httpx (its CLI: click, rich, pygments;
#: zstd decoding: zstandard) and pypdf (CFF fonts: fontTools) guard with ``except ImportError``. This dev venv has them, the asset does not: refusing them
#: makes the subprocess see what the asset sees.
OPTIONAL_IMPORTS = (
    "orjson", "pydantic_extra_types", "email_validator", "sniffio",
    "click", "rich", "pygments", "zstandard", "fontTools",
)  # fmt: skip
#: Distributions the asset must not contain (the closure of the requirements is checked).
NOT_IN_CLOSURE = {
    "prefect", "prefect-aws", "streamlit", "aws-cdk-lib", "cdk-nag", "typer", "uvicorn",
    "fpdf2", "rich",
}  # fmt: skip


@pytest.fixture(scope="module")
def smoke(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The report of one handler run: GET /health, GET /stories without and with a bad token,
    and the route modules imported lazily; Lambda-like settings (smoke.LAMBDA_ENV)."""
    home = tmp_path_factory.mktemp("api-smoke")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MANGAFLOW_", "AWS_"))}
    env["HOME"] = str(home)
    proc = subprocess.run(
        [sys.executable, "-I", str(API_LAMBDA_DIR / "smoke.py"),
         "--refuse", ",".join(NOT_IN_ASSET + OPTIONAL_IMPORTS)],
        capture_output=True, text=True, timeout=120, env=env, cwd=home,
    )  # fmt: skip
    assert proc.returncode == 0, f"smoke run failed:\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
    report: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return report


def requirements() -> list[Requirement]:
    lines = (line.split("#", 1)[0].strip() for line in REQUIREMENTS.read_text().splitlines())
    return [Requirement(line) for line in lines if line]


def closure(roots: list[Requirement]) -> set[str]:
    """Canonical names of ``roots`` and of everything they require (extras and markers
    evaluated), read from the installed distributions' metadata."""
    seen: set[str] = set()
    todo = [(r.name, frozenset(r.extras)) for r in roots]
    done: set[tuple[str, frozenset[str]]] = set()
    while todo:
        name, extras = todo.pop()
        if (canonicalize_name(name), extras) in done:
            continue
        done.add((canonicalize_name(name), extras))
        seen.add(canonicalize_name(name))
        for spec in md.requires(name) or []:
            req = Requirement(spec)
            if req.marker and not any(
                req.marker.evaluate({"extra": extra}) for extra in (*extras, "")
            ):
                continue
            todo.append((req.name, frozenset(req.extras)))
    return seen


def imported_distributions(modules: dict[str, str | None]) -> set[str]:
    """Canonical names of the third-party distributions behind top-level module names."""
    owners = md.packages_distributions()
    stdlib = set(sys.stdlib_module_names) | set(sys.builtin_module_names)
    return {
        canonicalize_name(dist)
        for name in modules
        if name not in stdlib
        for dist in owners.get(name, [])  # no distribution: __main__, _openssl, .pth helpers
    }


def test_handler_serves_health_without_prefect_streamlit_or_the_cdk(
    smoke: dict[str, Any],
) -> None:
    assert smoke["problems"] == []
    assert smoke["health"] == {"status": 200, "body": {"status": "ok", "version": "1.0"}}
    for case in ("no_token", "bad_token"):
        assert smoke[case]["status"] == 401
        assert smoke[case]["www_authenticate"] == "Bearer"
        error = smoke[case]["body"]["error"]
        assert set(error) == {"code", "message", "details", "requestId", "timestamp"}
        assert error["code"] == "unauthorized"
    # Not only refused: never even tried.
    assert not set(smoke["refused"]) & set(NOT_IN_ASSET)
    assert not set(smoke["modules"]) & set(NOT_IN_ASSET)


def test_every_imported_distribution_is_in_the_requirements_closure(
    smoke: dict[str, Any],
) -> None:
    imported = imported_distributions(smoke["modules"])
    assert {"fastapi", "mangum", "pydantic", "boto3", "pyjwt"} <= imported  # the probe works
    covered = closure(requirements()) | {"mangaflow"}  # the project: installed with --no-deps
    missing = sorted(imported - covered)
    assert not missing, (
        f"the API handler imports {missing}, which {REQUIREMENTS.relative_to(REPO)} does not "
        "bring: add them there (or, if the import is guarded by `except ImportError`, to "
        "OPTIONAL_IMPORTS in this test)"
    )


def test_the_asset_leaves_out_prefect_streamlit_and_the_cli() -> None:
    covered = closure(requirements())
    assert not covered & NOT_IN_CLOSURE
    # Refusing an optional import hides nothing the asset would hold.
    owners = md.packages_distributions()
    optional = {canonicalize_name(d) for m in OPTIONAL_IMPORTS for d in owners.get(m, [])}
    assert not covered & optional


def test_requirements_use_the_pyproject_specifiers() -> None:
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text())
    declared = {
        canonicalize_name(r.name): r for r in map(Requirement, pyproject["project"]["dependencies"])
    }
    for req in requirements():
        project_req = declared.get(canonicalize_name(req.name))
        assert project_req is not None, f"{req.name} is not a dependency in pyproject.toml"
        assert req.specifier == project_req.specifier, req.name
        assert req.extras <= project_req.extras, req.name


def test_script_syntax_help_and_bad_option() -> None:
    subprocess.run(["bash", "-n", str(SCRIPT)], check=True, timeout=30)
    assert os.access(SCRIPT, os.X_OK)
    shown = subprocess.run(
        ["bash", str(SCRIPT), "--help"], capture_output=True, text=True, timeout=30
    )
    assert shown.returncode == 0, shown.stderr
    for word in ("apiAssetPath", "--out", "--python-version", "--arch", "--verify"):
        assert word in shown.stdout
    bad = subprocess.run(
        ["bash", str(SCRIPT), "--no-such-option"], capture_output=True, text=True, timeout=30
    )
    assert bad.returncode == 2 and "unknown option" in bad.stderr


def test_script_defaults_match_the_api_function() -> None:
    """Wheels for another Python or architecture would fail to import on the function."""
    stack = API_STACK.read_text()
    function = stack[stack.index('"ApiFunction"') :]
    runtime = re.search(r"Runtime\.PYTHON_3_(\d+)", function)
    arch = re.search(r"Architecture\.(ARM_64|X86_64)", function)
    assert runtime and arch
    script = SCRIPT.read_text()
    assert f'DEFAULT_PYTHON_VERSION="3.{runtime.group(1)}"' in script
    script_arch = {"ARM_64": "arm64", "X86_64": "x86_64"}[arch.group(1)]
    assert f'DEFAULT_ARCH="{script_arch}"' in script


def test_stack_rejects_an_asset_path_that_is_not_an_api_asset(tmp_path: Path) -> None:
    pytest.importorskip("aws_cdk")
    # infra/ is on sys.path (tests/infra/conftest.py)
    from stacks.platform.api import check_api_asset

    with pytest.raises(ValueError, match=r"lambda_handler\.py.*build-api-asset\.sh"):
        check_api_asset(tmp_path)
    with pytest.raises(ValueError, match="not a directory"):
        check_api_asset(tmp_path / "missing")
    (tmp_path / "mangaflow" / "api").mkdir(parents=True)
    (tmp_path / "mangaflow" / "api" / "lambda_handler.py").write_text("")
    (tmp_path / "mangum").mkdir()
    with pytest.raises(ValueError, match=r"mangaflow-\*\.dist-info") as raised:
        check_api_asset(tmp_path)
    assert "lambda_handler" not in str(raised.value)
    (tmp_path / "mangaflow-0.1.0.dist-info").mkdir()
    assert check_api_asset(str(tmp_path)) == tmp_path.resolve()
