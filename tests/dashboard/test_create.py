"""The Create form: the API's validation with errors under the fields, and a valid request
generated in the background until COMPLETED."""

from __future__ import annotations

import time
import uuid

import pytest
from streamlit.testing.v1 import AppTest

from mangaflow.platform.context import Context
from tests.dashboard.conftest import USER, open_page, texts

CREATE = "pages/manga/create.py"


def _fill(at: AppTest, genres: list[str], audience: str, rating: str) -> AppTest:
    at.multiselect(key="cf_genres").set_value(genres)
    at.multiselect(key="cf_themes").set_value(["Friendship", "Destiny"])
    at.selectbox(key="cf_style").set_value("Black and White")
    at.selectbox(key="cf_audience").set_value(audience)
    at.selectbox(key="cf_rating").set_value(rating)
    at.number_input(key="cf_pages").set_value(1)
    return at


def _field_errors(at: AppTest) -> str:
    return "\n".join(str(e.value) for e in at.error)


def test_invalid_preferences_are_rejected_with_the_field_named(store: Context) -> None:
    at = _fill(open_page(CREATE), ["Action"], "Children", "R")
    at.button(key="cf_submit").click().run()
    assert not at.exception
    errors = _field_errors(at)
    assert "**contentRating**" in errors and "does not suit targetAudience Children" in errors
    assert "Nothing was submitted: see the fields marked below." in errors
    assert store.requests.list_requests(USER) == []

    _fill(at, [], "Teens", "PG-13").button(key="cf_submit").click().run()
    errors = _field_errors(at)
    assert "**genres**" in errors and "contentRating" not in errors
    assert store.requests.list_requests(USER) == []


@pytest.mark.slow
@pytest.mark.usefixtures("prefect_server")
def test_valid_preferences_create_a_request_that_completes(store: Context) -> None:
    started = time.perf_counter()
    at = _fill(open_page(CREATE), ["Action", "Fantasy"], "Teens", "PG-13")
    at.button(key="cf_submit").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert not [e for e in at.error], _field_errors(at)
    (req,) = store.requests.list_requests(USER)
    assert req.type == "STORY"
    assert "New story" in texts(at)  # its progress card

    deadline = time.monotonic() + 300
    while not store.requests.get_request(req.request_id).finished:
        assert time.monotonic() < deadline, store.requests.get_request(req.request_id)
        time.sleep(1)
    final = store.requests.get_request(req.request_id)
    assert final.status == "COMPLETED", final.error
    assert final.episode_id

    at.run()
    assert not at.exception
    assert any("Finished in" in s.value for s in at.success)
    print(f"create → COMPLETED in {time.perf_counter() - started:.1f} s")

    library = at.switch_page("pages/manga/library.py").run()
    assert not library.exception
    assert len(library.get("download_button")) == 2

    # The stage flows ran on the session's Prefect server: the Runs page lists them.
    runs = at.switch_page("pages/platform/runs.py").run()
    assert not runs.exception, [e.value for e in runs.exception]
    table = runs.dataframe[0].value
    # The session's Prefect server also holds other tests' runs: look at this request's.
    ours = table[table["Request"] == req.request_id[:12]]
    assert {"generate-story", "generate-episode", "generate-images"} <= set(ours["Flow"])
    assert set(ours["State"]) == {"Completed"}
    from flows.platform import runs as prefect_runs

    api = prefect_runs.api_url()
    assert api is not None
    for link in ours["Prefect UI"]:
        base, _, run_id = link.rpartition("/runs/flow-run/")
        assert base == prefect_runs.ui_url(api) and uuid.UUID(run_id)
    # Filters go to the server: by state, then by flow.
    runs.multiselect(key="runs_states").set_value(["FAILED"]).run()
    if runs.dataframe:  # other tests' failed runs may share the server
        failed = runs.dataframe[0].value
        assert set(failed["State"]) <= {"Failed"} and req.request_id[:12] not in set(
            failed["Request"])  # fmt: skip
    else:
        assert any("No flow runs match" in i.value for i in runs.info)
    runs.multiselect(key="runs_states").set_value([])
    runs.multiselect(key="runs_flows").set_value(["generate-story"]).run()
    assert set(runs.dataframe[0].value["Flow"]) == {"generate-story"}
