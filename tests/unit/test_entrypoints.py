"""Every entrypoint in prefect.yaml imports and names a Prefect flow."""

from __future__ import annotations

import importlib
import importlib.util
from pathlib import Path

import yaml
from prefect import Flow

ROOT = Path(__file__).resolve().parents[2]


def test_every_prefect_yaml_entrypoint_is_a_flow() -> None:
    config = yaml.safe_load((ROOT / "prefect.yaml").read_text())
    entrypoints = [d["entrypoint"] for d in config["deployments"]]
    assert len(entrypoints) >= 4
    for entry in entrypoints:
        path, name = entry.split(":")
        module = ".".join(Path(path).with_suffix("").parts)
        spec = importlib.util.find_spec(module)
        assert spec is not None, entry
        flow = getattr(importlib.import_module(module), name)
        assert isinstance(flow, Flow), entry
