"""Dashboard pages, one package per product (and the platform's). Each package lists its
pages in ``PAGES``; ``dashboard/streamlit_app.py`` collects them from :data:`PRODUCTS`, the one
place a product's pages plug in."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PageSpec:
    """One page: its navigation section, file (relative to ``streamlit_app.py``), title and
    icon, and its URL path (the default page has none)."""

    section: str
    path: str
    title: str
    icon: str
    url_path: str | None = None
    default: bool = False


#: Packages under ``dashboard/pages`` whose ``PAGES`` make the navigation, in order.
PRODUCTS: tuple[str, ...] = ("platform", "manga", "catalog", "video", "support")
#: Navigation sections, in the order they are shown.
SECTIONS: tuple[str, ...] = ("Monitor", "Read", "Make", "Catalog", "Video", "Support")
