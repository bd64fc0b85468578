"""The catalog's dashboard pages on a loaded catalog: search with filters shows matches, the
review queue approves an entry, and the sync history lists the syncs."""

from __future__ import annotations

import pytest

from mangaflow.catalog import sample
from mangaflow.catalog.domain import anime_id_for
from mangaflow.catalog.parts import catalog
from mangaflow.catalog.services.sync import sync
from mangaflow.platform.context import Context
from tests.dashboard.conftest import open_page, texts


@pytest.fixture
def loaded(store: Context, tmp_path: object) -> dict[str, object]:
    from pathlib import Path

    tmp = Path(str(tmp_path))
    cat = catalog(store)
    data = list(sample.entries(40, seed=12))
    sync(cat, str(sample.write(tmp / "v1.json", data)))
    data[0]["episodes"] += 4
    sync(cat, str(sample.write(tmp / "v2.json", data)))
    yield {"cat": cat, "data": data, "review": anime_id_for(min(data[0]["sources"]))}
    cat.close()


def test_search_page_finds_by_meaning_and_filters(loaded: dict[str, object]) -> None:
    data: list[dict[str, object]] = loaded["data"]  # type: ignore[assignment]
    loaded["cat"].close()  # type: ignore[attr-defined]  # the page opens the index itself
    at = open_page("pages/catalog/search.py")
    assert not at.exception, [e.value for e in at.exception]
    at.text_input(key="cat_q").input(str(data[3]["title"]))
    at.multiselect(key="cat_type").select(str(data[3]["type"]))
    at.button[0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    labels = [e.label for e in at.expander]
    assert labels and str(data[3]["title"]) in labels[0]
    assert all(f"· {data[3]['type']} " in label for label in labels)


def test_review_page_approves(loaded: dict[str, object]) -> None:
    anime_id = str(loaded["review"])
    loaded["cat"].close()  # type: ignore[attr-defined]
    at = open_page("pages/catalog/review.py")
    assert not at.exception, [e.value for e in at.exception]
    assert "episodes: ours" in " ".join(e.label for e in at.expander)
    at.button(key=f"approve_{anime_id}").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert "Nothing waits for review" in texts(at)


def test_sync_history_lists_both_syncs(loaded: dict[str, object]) -> None:
    loaded["cat"].close()  # type: ignore[attr-defined]
    at = open_page("pages/catalog/syncs.py")
    assert not at.exception, [e.value for e in at.exception]
    assert len(at.dataframe) == 1 and len(at.dataframe[0].value) == 2
