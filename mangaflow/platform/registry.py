"""Provider registry: text, image, insights and speech providers, embedders, vector indexes and
event buses, registered by name.

Built-ins register through the ``mangaflow.providers`` entry-point group, the same path a
third-party package uses::

    [project.entry-points."mangaflow.providers"]
    my-models = "my_package.mangaflow_plugin:register"   # def register(registry): ...

A factory is a class or callable; it receives the :class:`~mangaflow.platform.config.Settings` when it
takes an argument.
"""

from __future__ import annotations

import inspect
import threading
from collections.abc import Callable
from importlib.metadata import entry_points
from typing import Any

from mangaflow.platform.errors import ConfigError
from mangaflow.platform.ports import (
    Embedder,
    EventBus,
    ImageModel,
    SpeechModel,
    TasteInsights,
    TextModel,
    VectorIndex,
)

ENTRY_POINT_GROUP = "mangaflow.providers"
BUS_GROUP = "mangaflow.buses"
_SETTING = {
    "event bus": "EVENT_BUS",
    "embedder": "EMBEDDER",
    "vector": "VECTOR_INDEX",
    "speech": "SPEECH_PROVIDER",
}
_LABEL = {"event bus": "event bus", "embedder": "embedder", "vector": "vector index"}
Factory = Callable[..., Any]


class ProviderRegistry:
    """Name → factory maps for each provider kind."""

    def __init__(self) -> None:
        self.text: dict[str, Factory] = {}
        self.image: dict[str, Factory] = {}
        self.insights: dict[str, Factory] = {}
        self.bus: dict[str, Factory] = {}
        self.embedder: dict[str, Factory] = {}
        self.vector: dict[str, Factory] = {}
        self.speech: dict[str, Factory] = {}

    def add_text(self, name: str, factory: Factory) -> None:
        self.text[name] = factory

    def add_image(self, name: str, factory: Factory) -> None:
        self.image[name] = factory

    def add_insights(self, name: str, factory: Factory) -> None:
        self.insights[name] = factory

    def add_bus(self, name: str, factory: Factory) -> None:
        self.bus[name] = factory

    def add_embedder(self, name: str, factory: Factory) -> None:
        self.embedder[name] = factory

    def add_vector(self, name: str, factory: Factory) -> None:
        self.vector[name] = factory

    def add_speech(self, name: str, factory: Factory) -> None:
        self.speech[name] = factory

    def _create(self, kind: str, table: dict[str, Factory], name: str, settings: Any) -> Any:
        if name not in table:
            known = ", ".join(sorted(table)) or "none"
            raise ConfigError(
                f"unknown {_LABEL.get(kind, kind + ' provider')} {name!r} (registered: {known}); "
                f"set MANGAFLOW_{_SETTING.get(kind, kind.upper() + '_PROVIDER')} to one of them"
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

    def create_bus(self, name: str, settings: Any) -> EventBus:
        return self._create("event bus", self.bus, name, settings)

    def create_embedder(self, name: str, settings: Any) -> Embedder:
        return self._create("embedder", self.embedder, name, settings)

    def create_vector(self, name: str, settings: Any) -> VectorIndex:
        return self._create("vector", self.vector, name, settings)

    def create_speech(self, name: str, settings: Any) -> SpeechModel:
        return self._create("speech", self.speech, name, settings)


def load_registry(*groups: str) -> ProviderRegistry:
    """A registry filled from every installed entry point of ``groups`` (default: the model
    providers, ``mangaflow.providers``; event buses are ``mangaflow.buses``, loaded only when
    a bus is built, so the API never imports the orchestration code behind the ``prefect``
    bus)."""
    registry = ProviderRegistry()
    eps = [ep for group in groups or (ENTRY_POINT_GROUP,) for ep in entry_points(group=group)]
    if not eps:
        raise ConfigError(
            "no MangaFlow providers are registered: the package is not installed "
            "(run `uv pip install -e .` in the project directory)"
        )
    for ep in sorted(eps, key=lambda e: e.name):
        try:
            register = ep.load()
        except ModuleNotFoundError as exc:
            # A plug-in whose own package is not part of this installation (e.g. ``flows``,
            # which registers the ``prefect`` bus, is left out of the API Lambda's package):
            # its names are simply not registered, and selecting one says so.
            if exc.name != ep.value.split(":")[0].split(".")[0]:
                raise
            continue
        register(registry)
    return registry


def build_bus(name: str, settings: Any) -> EventBus:
    """The event bus registered as ``name`` in ``mangaflow.buses``, loading only that entry
    point (the ``prefect`` bus lives in ``flows``, which the API's package leaves out)."""
    eps = {ep.name: ep for ep in entry_points(group=BUS_GROUP)}
    registry = ProviderRegistry()
    if name in eps:
        eps[name].load()(registry)
    else:
        registry.bus = dict.fromkeys(eps, lambda: None)  # only their names, for the message
    return registry.create_bus(name, settings)


def build_embedder(settings: Any, registry: ProviderRegistry | None = None) -> Embedder:
    """The embedder ``settings.embedder`` names (``MANGAFLOW_EMBEDDER``)."""
    return (registry or load_registry()).create_embedder(settings.embedder, settings)


def build_vector_index(settings: Any, registry: ProviderRegistry | None = None) -> VectorIndex:
    """The vector index ``settings.vector_index`` names (``MANGAFLOW_VECTOR_INDEX``)."""
    return (registry or load_registry()).create_vector(settings.vector_index, settings)


_INDEXES: dict[tuple[str, str, str], VectorIndex] = {}
_INDEXES_LOCK = threading.Lock()


def shared_vector_index(settings: Any) -> VectorIndex:
    """The process's vector index for these settings, opened once and shared by every product
    (the catalog's and support's collections live in it): an embedded index may be opened
    only once per process."""
    key = (settings.vector_index, settings.qdrant_url, str(settings.qdrant_dir))
    with _INDEXES_LOCK:
        if key not in _INDEXES:
            _INDEXES[key] = build_vector_index(settings)
        return _INDEXES[key]


def close_shared_vector_index(index: VectorIndex) -> None:
    """Close ``index`` and forget it (the next :func:`shared_vector_index` opens it again)."""
    with _INDEXES_LOCK:
        for key in [k for k, v in _INDEXES.items() if v is index]:
            del _INDEXES[key]
    index.close()


def build_speech(settings: Any, registry: ProviderRegistry | None = None) -> SpeechModel:
    """The speech model ``settings.speech_provider`` names (``MANGAFLOW_SPEECH_PROVIDER``)."""
    return (registry or load_registry()).create_speech(settings.speech_provider, settings)


def _openai_problems(settings: Any) -> list[str]:
    problems = []
    if not settings.openai_base_url:
        problems.append("MANGAFLOW_OPENAI_BASE_URL is empty")
    local = any(h in settings.openai_base_url for h in ("localhost", "127.0.0.1", "[::1]"))
    if not local and not settings.openai_api_key.get_secret_value():
        problems.append("MANGAFLOW_OPENAI_API_KEY is not set (needed for a remote endpoint)")
    return problems


def _bedrock_problems(settings: Any) -> list[str]:
    """Looks for credentials without any network call (no instance-metadata probe)."""
    import os
    from pathlib import Path

    env = ("AWS_ACCESS_KEY_ID", "AWS_PROFILE", "AWS_WEB_IDENTITY_TOKEN_FILE",
           "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI")  # fmt: skip
    files = (Path.home() / ".aws" / "credentials", Path.home() / ".aws" / "config")
    if any(os.environ.get(v) for v in env) or any(f.is_file() for f in files):
        return []
    return ["no AWS credentials in the environment or ~/.aws (an instance role is not probed)"]


def _qloo_problems(settings: Any) -> list[str]:
    return [] if settings.qloo_api_key.get_secret_value() else ["MANGAFLOW_QLOO_API_KEY is not set"]


#: Configuration checks of the built-in providers, by kind and name. A plugin's factory may
#: define ``config_problems(settings) -> list[str]`` instead.
_CHECKS: dict[tuple[str, str], Callable[[Any], list[str]]] = {
    ("text", "openai"): _openai_problems,
    ("image", "openai"): _openai_problems,
    ("text", "bedrock"): _bedrock_problems,
    ("image", "bedrock"): _bedrock_problems,
    ("insights", "qloo"): _qloo_problems,
    ("embedder", "openai"): _openai_problems,
    ("embedder", "bedrock"): _bedrock_problems,
    ("speech", "openai"): _openai_problems,
    ("speech", "polly"): _bedrock_problems,
}


def config_problems(registry: ProviderRegistry, kind: str, name: str, settings: Any) -> list[str]:
    """What is missing before provider ``name`` of ``kind`` can work (empty: ready)."""
    factory = getattr(registry, kind)[name]
    check = getattr(factory, "config_problems", None) or _CHECKS.get((kind, name))
    return list(check(settings)) if check else []
