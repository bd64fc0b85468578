"""Provider registry: text, image and insights providers registered by name.

Built-ins register through the ``mangaflow.providers`` entry-point group, the same path a
third-party package uses::

    [project.entry-points."mangaflow.providers"]
    my-models = "my_package.mangaflow_plugin:register"   # def register(registry): ...

A factory is a class or callable; it receives the :class:`~mangaflow.config.Settings` when it
takes an argument.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from importlib.metadata import entry_points
from typing import Any

from mangaflow.errors import ConfigError
from mangaflow.ports import ImageModel, TasteInsights, TextModel

ENTRY_POINT_GROUP = "mangaflow.providers"
Factory = Callable[..., Any]


class ProviderRegistry:
    """Name → factory maps for each provider kind."""

    def __init__(self) -> None:
        self.text: dict[str, Factory] = {}
        self.image: dict[str, Factory] = {}
        self.insights: dict[str, Factory] = {}

    def add_text(self, name: str, factory: Factory) -> None:
        self.text[name] = factory

    def add_image(self, name: str, factory: Factory) -> None:
        self.image[name] = factory

    def add_insights(self, name: str, factory: Factory) -> None:
        self.insights[name] = factory

    def _create(self, kind: str, table: dict[str, Factory], name: str, settings: Any) -> Any:
        if name not in table:
            known = ", ".join(sorted(table)) or "none"
            raise ConfigError(
                f"unknown {kind} provider {name!r} (registered: {known}); "
                f"set MANGAFLOW_{kind.upper()}_PROVIDER to one of them"
            )
        factory = table[name]
        takes_settings = bool(inspect.signature(factory).parameters)
        return factory(settings) if takes_settings else factory()

    def create_text(self, name: str, settings: Any) -> TextModel:
        return self._create("text", self.text, name, settings)

    def create_image(self, name: str, settings: Any) -> ImageModel:
        return self._create("image", self.image, name, settings)

    def create_insights(self, name: str, settings: Any) -> TasteInsights:
        return self._create("insights", self.insights, name, settings)


def load_registry() -> ProviderRegistry:
    """A registry filled from every installed ``mangaflow.providers`` entry point."""
    registry = ProviderRegistry()
    eps = entry_points(group=ENTRY_POINT_GROUP)
    if not eps:
        raise ConfigError(
            "no MangaFlow providers are registered: the package is not installed "
            "(run `uv pip install -e .` in the project directory)"
        )
    for ep in sorted(eps, key=lambda e: e.name):
        ep.load()(registry)
    return registry
