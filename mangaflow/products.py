"""The products on the platform, the one place a new product is named in the core. Each is
a package ``mangaflow.<name>`` with ``routes.ROUTES`` (its events and the flows they start).
The other layers have one such place each: ``mangaflow/api/app.py`` (ROUTERS),
``mangaflow/cli/__init__.py`` (command groups), ``dashboard/streamlit_app.py`` (pages),
``flows/<product>/``, ``prefect.yaml`` (one block per product) and ``PRODUCT_STACKS`` in ``infra/stacks/mangaflow_app.py`` (stacks)."""

from __future__ import annotations

import importlib
from functools import cache

from mangaflow.platform.routes import RouteTable

PRODUCTS: tuple[str, ...] = ("manga", "catalog", "video", "support")


@cache
def routes() -> RouteTable:
    """Every product's routes (importing them also registers each product's events)."""
    return RouteTable(
        route
        for name in PRODUCTS
        for route in importlib.import_module(f"mangaflow.{name}.routes").ROUTES
    )
