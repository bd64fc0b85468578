"""``prefect.yaml`` against the route table (``mangaflow.products.routes()``, the one definition
of which event starts which flow): every route has its deployment, with the route's name and
entrypoint and a flow of the route's flow name; every other deployment is one no event starts,
named here with the reason; and the deployments come in one block per product."""

from __future__ import annotations

import importlib
import re
from pathlib import Path
from typing import Any

import yaml

from flows.platform.dispatch import load_entrypoint
from mangaflow.products import PRODUCTS, routes

ROOT = Path(__file__).resolve().parents[2]
PREFECT_FILE = ROOT / "prefect.yaml"

#: prefect.yaml deployments that no event starts, and what starts them instead.
NOT_STARTED_BY_EVENTS = {
    "reaper": "the platform's sweep of requests left PROCESSING by a dead process: its "
              "5-minute schedule starts it",
    "manga": "a whole manga request in one process (inline bus), run on demand with the "
             "preferences as parameters (Prefect UI, `prefect deployment run`)",
}  # fmt: skip


def _deployments() -> list[dict[str, Any]]:
    deployments: list[dict[str, Any]] = yaml.safe_load(PREFECT_FILE.read_text())["deployments"]
    return deployments


def test_every_route_has_its_deployment_with_the_same_name_entrypoint_and_flow() -> None:
    by_name = {d["name"]: d for d in _deployments()}
    assert len(routes()) >= 5
    for route in routes():
        deployment = by_name.get(route.deployment)
        assert deployment is not None, f"{route.detail_type}: no {route.deployment!r} deployment"
        assert deployment["entrypoint"] == route.entrypoint, route.deployment
        flow = load_entrypoint(route.entrypoint)
        assert flow.name == route.flow, route.entrypoint  # its @flow(name=...)
        assert route.deployment_name == f"{flow.name}/{deployment['name']}"


def test_every_other_deployment_is_one_no_event_starts() -> None:
    names = [d["name"] for d in _deployments()]
    assert len(names) == len(set(names)), names
    routed = {route.deployment for route in routes()}
    assert set(names) - routed == set(NOT_STARTED_BY_EVENTS)
    assert not routed & set(NOT_STARTED_BY_EVENTS)  # a listed one that is routed after all
    assert all(reason.strip() for reason in NOT_STARTED_BY_EVENTS.values())


def test_deployments_come_in_one_commented_block_per_product() -> None:
    """The platform's block first, then each product's in PRODUCTS order; a product's routes
    start flows under ``flows/<product>/``."""
    owners = [d["entrypoint"].split("/")[1] for d in _deployments()]  # flows/<owner>/...
    blocks = [owner for i, owner in enumerate(owners) if i == 0 or owners[i - 1] != owner]
    assert blocks == ["platform", *PRODUCTS], owners
    text = PREFECT_FILE.read_text()
    for owner in blocks:
        assert re.search(rf"^  # -+ {owner}$", text, re.MULTILINE), owner
    for product in PRODUCTS:
        for route in importlib.import_module(f"mangaflow.{product}.routes").ROUTES:
            assert route.entrypoint.startswith(f"flows/{product}/"), route.entrypoint
