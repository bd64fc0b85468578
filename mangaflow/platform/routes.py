"""Event routing, defined once: which flow handles each domain event, as which Prefect
deployment, from which entrypoint. Everything else is derived from this table or tested
against it:

* ``flows/platform/dispatch.py`` (the inline bus) imports each route's entrypoint;
* ``flows/platform/bus.py`` (the ``prefect`` bus) starts each route's deployment;
* the CDK events stack makes one EventBridge rule and SQS buffer per route, and hands the
  webhook Lambda the detail-type → deployment map as its ``ROUTES`` setting;
* ``prefect.yaml`` is checked against it by the tests (same names and entrypoints).

A product declares its routes in ``mangaflow/<product>/routes.py`` as ``ROUTES``; the list of
products is :data:`mangaflow.products.PRODUCTS`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from mangaflow.platform.errors import ConfigError
from mangaflow.platform.events import DomainEvent


@dataclass(frozen=True)
class Route:
    """``event`` starts flow ``flow`` (its ``@flow(name=...)``) at ``entrypoint``
    (``path/to/file.py:function``), deployed as ``deployment`` in ``prefect.yaml``."""

    event: type[DomainEvent]
    flow: str
    deployment: str
    entrypoint: str

    @property
    def detail_type(self) -> str:
        return self.event.detail_type

    @property
    def source(self) -> str:
        return self.event.source

    @property
    def deployment_name(self) -> str:
        """``flow-name/deployment-name``, as Prefect looks a deployment up."""
        return f"{self.flow}/{self.deployment}"


class RouteTable:
    """The routes of every product, keyed by detail-type (each detail-type routed once)."""

    def __init__(self, routes: Iterable[Route]) -> None:
        self._by_type: dict[str, Route] = {}
        for route in routes:
            if route.detail_type in self._by_type:
                raise ConfigError(f"event {route.detail_type!r} is routed twice")
            self._by_type[route.detail_type] = route

    def __iter__(self) -> Iterator[Route]:
        return iter(self._by_type.values())

    def __len__(self) -> int:
        return len(self._by_type)

    def get(self, detail_type: str) -> Route | None:
        return self._by_type.get(detail_type)

    def deployments(self) -> dict[str, str]:
        """detail-type → ``flow-name/deployment-name``."""
        return {t: r.deployment_name for t, r in self._by_type.items()}
