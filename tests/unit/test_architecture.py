"""The platform's shape, checked on the source: who may import Prefect, the composition root,
the orchestration layers and other products. Imports inside functions count too."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from mangaflow.products import PRODUCTS

ROOT = Path(__file__).resolve().parents[2]
CORE = ROOT / "mangaflow"


def modules(folder: Path) -> Iterator[Path]:
    yield from sorted(p for p in folder.rglob("*.py") if "__pycache__" not in p.parts)


def imported(path: Path) -> set[str]:
    """Every module name an ``import`` or ``from … import`` in the file names (absolute)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{a.name}" for a in node.names)
    return names


def offenders(files: Iterator[Path], *prefixes: str) -> list[str]:
    out = []
    for path in files:
        bad = sorted(n for n in imported(path) if any(n == p or n.startswith(p + ".")
                                                      for p in prefixes))  # fmt: skip
        if bad:
            out.append(f"{path.relative_to(ROOT)}: {', '.join(bad)}")
    return out


def rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def test_only_the_cli_and_flows_import_prefect() -> None:
    core = (p for p in modules(CORE) if not rel(p).startswith("mangaflow/cli/"))
    outside = (p for folder in ("dashboard", "infra/lambdas", "infra/stacks")
               for p in modules(ROOT / folder))  # fmt: skip
    assert offenders(core, "prefect", "prefect_aws") == []
    assert offenders(outside, "prefect", "prefect_aws") == []


def test_the_core_imports_no_orchestration_ui_or_cdk() -> None:
    core = (p for p in modules(CORE) if not rel(p).startswith("mangaflow/cli/"))
    assert offenders(core, "flows", "tasks", "dashboard", "streamlit", "aws_cdk") == []


def test_services_never_import_the_composition_root() -> None:
    inner = [p for folder in ("platform", *PRODUCTS) for p in modules(CORE / folder)]
    assert offenders(iter(inner), "mangaflow.bootstrap") == []


def test_the_platform_imports_no_product() -> None:
    assert offenders(modules(CORE / "platform"), *(f"mangaflow.{p}" for p in PRODUCTS)) == []


@pytest.mark.parametrize("product", PRODUCTS)
def test_a_product_imports_no_other_product(product: str) -> None:
    others = [f"mangaflow.{p}" for p in PRODUCTS if p != product]
    assert offenders(modules(CORE / product), *others) == []


def test_every_product_is_a_package_with_routes() -> None:
    for product in PRODUCTS:
        assert (CORE / product / "routes.py").is_file(), product
        assert (ROOT / "flows" / product).is_dir(), product
        assert (ROOT / "dashboard" / "pages" / product).is_dir(), product


def test_no_code_file_is_over_500_lines() -> None:
    folders = ("mangaflow", "flows", "tasks", "dashboard", "infra/stacks", "infra/lambdas",
               "tests", "benchmarks", "deployments", "scripts")  # fmt: skip
    long = {rel(p): n for folder in folders for p in (ROOT / folder).rglob("*.py")
            if "__pycache__" not in p.parts and (n := len(p.read_text().splitlines())) > 500}  # fmt: skip
    assert long == {}
