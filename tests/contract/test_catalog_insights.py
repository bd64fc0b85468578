"""The catalog's insights provider passes the insights contract on a loaded catalog, and its
titles reach the story bible's insights; an empty catalog is a clear error."""

from __future__ import annotations

from pathlib import Path
from typing import Any, NoReturn

import pytest

from mangaflow.catalog import sample
from mangaflow.catalog.insights import CatalogInsights
from mangaflow.catalog.services.sync import sync
from mangaflow.platform.errors import ConfigError
from mangaflow.testing.models import TasteInsightsContract
from tests.catalog.conftest import ListBus, make_catalog, write_source
from tests.conftest import make_settings


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from mangaflow.platform.registry import build_embedder

    tmp = tmp_path_factory.mktemp("insights")
    cat = make_catalog(tmp / "home", build_embedder(make_settings(tmp)), bus=ListBus())
    sync(cat, write_source(tmp / "src.json", list(sample.entries(150, seed=6))))
    yield cat
    cat.close()


class TestCatalogInsights(TasteInsightsContract):
    adapter = CatalogInsights

    @pytest.fixture
    def provider(self, loaded: Any) -> CatalogInsights:
        return CatalogInsights(store=loaded.store, embedder=loaded.embedder, index=loaded.index)

    @pytest.fixture
    def make_failing(self) -> NoReturn:
        pytest.skip("the catalog provider reads the local catalog; the vector index's failures "
                    "are covered by its own contract")  # fmt: skip


def test_similar_titles_and_shared_tags(loaded: Any) -> None:
    provider = CatalogInsights(store=loaded.store, embedder=loaded.embedder, index=loaded.index)
    result = provider.insights(["Fantasy"], ["Magic"])
    titles = {e.title for e in loaded.store.all()}
    assert all(r["category"] in titles for r in result.recommendations)
    assert all(r["attributes"]["source"] == "catalog" for r in result.recommendations)
    scores = [r["score"] for r in result.recommendations]
    assert scores == sorted(scores, reverse=True)
    top = result.trends[0]["topic"]
    assert sum(top in r["attributes"]["tags"] for r in result.recommendations) >= 2


def test_an_empty_catalog_is_a_clear_error(tmp_path: Path) -> None:
    provider = CatalogInsights(make_settings(tmp_path / "home"))
    with pytest.raises(ConfigError, match="the catalog is empty"):
        provider.insights(["Action"], ["Friendship"])


def test_the_story_bible_gets_the_catalog_titles(loaded: Any, tmp_path: Path) -> None:
    from mangaflow.bootstrap import build, set_context
    from mangaflow.manga.domain.preferences import Preferences
    from mangaflow.manga.services.story import gather_insights
    from mangaflow.manga.services.submit import submit_preferences
    from tests.conftest import VALID_PREFS

    provider = CatalogInsights(store=loaded.store, embedder=loaded.embedder, index=loaded.index)
    c = build(make_settings(tmp_path / "manga"), insights=provider, bus=ListBus())
    set_context(c)
    req = submit_preferences(c, "alice", Preferences.model_validate(VALID_PREFS), publish=False)
    insights = gather_insights(c, req.request_id)
    titles = {e.title for e in loaded.store.all()}
    assert insights["recommendations"] and {r["category"] for r in insights["recommendations"]} <= titles
    assert c.provider_labels["insights"] == "catalog"


def test_built_from_settings_it_shares_the_processs_open_index(loaded: Any) -> None:
    """The API or a worker process serves the catalog and generates manga: the embedded index
    (which may be opened once) is the same object for both."""
    provider = CatalogInsights(loaded.settings, embedder=loaded.embedder)
    result = provider.insights(["Fantasy"], ["Magic"])
    assert result.recommendations and provider._index is loaded.index
