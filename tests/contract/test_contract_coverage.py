"""Every port has a contract suite in :mod:`mangaflow.testing`, and every adapter of a port
(any concrete subclass defined in the shipped packages, or registered as a provider or bus
class) has a ``Test…`` class in ``tests/contract`` that runs its port's suite. Also: nothing
shipped outside ``mangaflow.testing`` imports pytest or the contract suites."""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
from abc import ABC
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

import mangaflow.platform.ports as ports
import mangaflow.testing
from mangaflow.platform.registry import BUS_GROUP, ENTRY_POINT_GROUP, load_registry
from mangaflow.testing._base import Contract

ROOT = Path(__file__).resolve().parents[2]
#: Packages whose modules may define adapters (``dashboard`` holds Streamlit pages only).
SHIPPED = ("mangaflow", "flows", "tasks")
#: Test-only or optional tooling a shipped module must not import.
TEST_ONLY = ("pytest", "_pytest", "jsonschema", "moto", "mangaflow.testing")


def port_classes() -> list[type]:
    """The ABCs of :mod:`mangaflow.platform.ports` (protocols such as ``ProgressSink`` are
    structural hooks, not ports with adapters)."""
    return sorted(
        (obj for obj in vars(ports).values()
         if inspect.isclass(obj) and issubclass(obj, ABC) and inspect.isabstract(obj)),
        key=lambda c: c.__name__,
    )  # fmt: skip


def shipped_modules() -> Iterator[str]:
    for name in SHIPPED:
        package = importlib.import_module(name)
        yield name
        for info in pkgutil.walk_packages(package.__path__, f"{name}."):
            if not info.name.startswith("mangaflow.testing"):
                yield info.name


def subclasses(cls: type) -> Iterator[type]:
    for sub in cls.__subclasses__():
        yield sub
        yield from subclasses(sub)


def adapters() -> dict[type, set[type]]:
    """port → its concrete implementations in the shipped packages and the registry."""
    for module in shipped_modules():
        importlib.import_module(module)
    registry = load_registry(ENTRY_POINT_GROUP, BUS_GROUP)
    tables = (registry.text, registry.image, registry.insights, registry.bus, registry.embedder,
              registry.vector, registry.speech)  # fmt: skip
    registered = [f for table in tables for f in table.values() if inspect.isclass(f)]
    found: dict[type, set[type]] = {}
    for port in port_classes():
        candidates = set(subclasses(port)) | {f for f in registered if issubclass(f, port)}
        found[port] = {
            c for c in candidates
            if not inspect.isabstract(c) and c.__module__.split(".")[0] in SHIPPED
        }  # fmt: skip
    return found


def contract_tests() -> list[type]:
    """Every ``Test…`` class in ``tests/contract`` that runs a contract."""
    found = []
    for path in sorted((ROOT / "tests" / "contract").glob("test_*.py")):
        module: ModuleType = importlib.import_module(f"tests.contract.{path.stem}")
        for name, obj in vars(module).items():
            if name.startswith("Test") and inspect.isclass(obj) and issubclass(obj, Contract):
                found.append(obj)
    return found


def test_the_ports_are_found() -> None:
    names = {p.__name__ for p in port_classes()}
    assert names >= {"ItemTable", "BlobStore", "EventBus", "TextModel", "ImageModel",
                     "TasteInsights", "Embedder", "VectorIndex"}  # fmt: skip


@pytest.mark.parametrize("port", port_classes(), ids=lambda p: p.__name__)
def test_every_port_has_a_contract(port: type) -> None:
    contract = getattr(mangaflow.testing, f"{port.__name__}Contract", None)
    assert inspect.isclass(contract), f"mangaflow.testing has no {port.__name__}Contract"
    assert issubclass(contract, Contract) and contract.port is port
    assert not contract.__name__.startswith("Test")  # pytest must not collect it on its own
    assert any(name.startswith("test_") for name in dir(contract))


def test_every_adapter_runs_its_ports_contract() -> None:
    tests = contract_tests()
    missing = []
    for port, classes in adapters().items():
        contract = getattr(mangaflow.testing, f"{port.__name__}Contract")
        covered = {t.adapter for t in tests if issubclass(t, contract) and hasattr(t, "adapter")}
        missing += [f"{c.__module__}.{c.__qualname__} ({port.__name__})"
                    for c in classes - covered]  # fmt: skip
    assert missing == [], "adapters without a contract test in tests/contract: " + ", ".join(
        sorted(missing)
    )


def test_the_scan_sees_every_known_adapter() -> None:
    """Guards the scan itself: if it found nothing, the test above would pass vacuously."""
    names = {c.__name__ for classes in adapters().values() for c in classes}
    assert names >= {
        "SqliteItemTable", "DynamoItemTable", "LocalBlobStore", "S3BlobStore", "InlineEventBus",
        "EventBridgeBus", "PrefectDeploymentBus", "OfflineTextModel", "OpenAICompatText",
        "BedrockText", "OfflineImageModel", "OpenAICompatImage", "BedrockImage",
        "OfflineInsights", "QlooInsights", "MiniLMEmbedder", "OpenAICompatEmbedder",
        "BedrockEmbedder", "QdrantVectorIndex", "EspeakSpeech", "PollySpeech",
        "OpenAICompatSpeech",
    }  # fmt: skip


def test_each_contract_test_declares_an_adapter_of_its_port() -> None:
    for test in contract_tests():
        adapter = getattr(test, "adapter", None)
        assert inspect.isclass(adapter), f"{test.__qualname__} must set adapter = <class>"
        assert issubclass(adapter, test.port), f"{test.__qualname__}: {adapter} is not a {test.port}"


def imported_names(path: Path) -> Iterator[str]:
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            yield node.module


def test_nothing_shipped_imports_test_tooling() -> None:
    offenders = []
    for package in (*SHIPPED, "dashboard"):
        for path in sorted((ROOT / package).rglob("*.py")):
            if path.is_relative_to(ROOT / "mangaflow" / "testing"):
                continue
            for name in imported_names(path):
                if any(name == t or name.startswith(f"{t}.") for t in TEST_ONLY):
                    offenders.append(f"{path.relative_to(ROOT)}: {name}")
    assert offenders == []
