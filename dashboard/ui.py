"""Rendering shared by the pages: sidebar, empty states, request cards that refresh
themselves while the request runs."""

from __future__ import annotations

from typing import Any

import streamlit as st

from dashboard import data
from dashboard.metrics import format_seconds
from mangaflow.platform.requests.model import parse_ts

# Page files, relative to streamlit_app.py (for st.page_link / st.switch_page).
OVERVIEW = "pages/platform/overview.py"
RUNS = "pages/platform/runs.py"
LIBRARY = "pages/manga/library.py"
CREATE = "pages/manga/create.py"
ACTIONS = "pages/manga/batch_continue.py"
FAILURES = "pages/platform/failures.py"

STAGES: tuple[str, ...] = ("queued", "insights", "story", "episode", "images", "lettering",
                           "done")  # fmt: skip
STAGE_LABELS = {
    "queued": "Queued", "insights": "Gathering taste insights", "story": "Writing the story",
    "episode": "Scripting the episode", "images": "Drawing panels",
    "lettering": "Lettering pages, exporting PDF and CBZ", "done": "Done",
}  # fmt: skip
STATUS_ICONS = {
    "PENDING": ":material/hourglass_top:", "PROCESSING": ":material/autorenew:",
    "COMPLETED": ":green[:material/check_circle:]", "FAILED": ":red[:material/error:]",
    "PARTIAL": ":orange[:material/warning:]",
}  # fmt: skip
FOLLOWED = "followed_requests"
LIVE_EVERY = "2s"


def when(ts: str | None) -> str:
    """``2026-11-21T12:00:00.123Z`` → ``2026-11-21 12:00:00 UTC``."""
    return f"{ts[:19].replace('T', ' ')} UTC" if ts else "–"


def age(ts: str, now: str) -> str:
    return format_seconds((parse_ts(now) - parse_ts(ts)).total_seconds())


def sidebar() -> None:
    c = data.container()
    s = c.settings
    with st.sidebar:
        st.markdown(
            f"**User** `{data.user_id()}`",
            help="Set MANGAFLOW_USER_ID to act as another user (default: local).",
        )
        st.caption(f"Store: `{s.home}`")
        st.caption("Providers: " + " · ".join(f"{k} **{v}**" for k, v in c.provider_labels.items()))
        from flows.platform.runs import api_url

        api = api_url()
        st.caption(f"Prefect API: `{api}`" if api else "Prefect API: not configured "
                   "(PREFECT_API_URL)")  # fmt: skip


def empty_state(message: str, page: str | None = None, label: str = "", icon: str = "") -> None:
    st.info(message, icon=":material/lightbulb:")
    if page:
        st.page_link(page, label=label, icon=icon or None)


# --------------------------------------------------------------------- followed requests
def follow(request_id: str) -> None:
    """Show this request's progress on the pages that list followed requests."""
    followed: list[str] = st.session_state.setdefault(FOLLOWED, [])
    if request_id not in followed:
        followed.insert(0, request_id)
    data.clear()


def followed_requests() -> list[str]:
    return list(st.session_state.get(FOLLOWED, []))


def request_card(request_id: str) -> None:
    """A request's status; refreshes itself every couple of seconds until it finishes."""
    req = data.request_now(request_id)
    if req["status"] in ("COMPLETED", "FAILED"):
        _request_body(req)
    else:
        _live_request(request_id)


@st.fragment(run_every=LIVE_EVERY)
def _live_request(request_id: str) -> None:
    req = data.request_now(request_id)
    if req["status"] in ("COMPLETED", "FAILED"):
        data.clear()
        st.rerun()  # the whole page: the request now shows its results, and stops polling
    _request_body(req)


def _request_body(req: dict[str, Any]) -> None:
    status = req["status"]
    kind = {"STORY": "New story", "EPISODE": "Next episode", "REGENERATE": "Panel redraw"}.get(
        req["type"], req["type"].title()
    )
    with st.container(border=True):
        st.markdown(f"{STATUS_ICONS.get(status, '')} **{kind}** · `{req['request_id']}` · "
                    f"{status}")  # fmt: skip
        if status in ("PENDING", "PROCESSING"):
            stage = req["stage"]
            index = STAGES.index(stage) if stage in STAGES else 0
            st.progress(index / (len(STAGES) - 1),
                        text=f"{STAGE_LABELS.get(stage, stage)}… (step {index + 1} of "
                             f"{len(STAGES) - 1})")  # fmt: skip
            st.caption(f"Started {when(req['created_at'])}; this view refreshes by itself.")
        elif status == "COMPLETED":
            took = format_seconds((parse_ts(req["updated_at"])
                                   - parse_ts(req["created_at"])).total_seconds())  # fmt: skip
            st.success(f"Finished in {took}.", icon=":material/check_circle:")
            if req.get("story_id"):
                params = {"story": req["story_id"]}
                if req.get("episode_id"):
                    params["episode"] = req["episode_id"]
                st.page_link(LIBRARY, label="Read it in the Library", icon=":material/menu_book:",
                             query_params=params)  # fmt: skip
        else:
            st.error(
                f"Failed at stage **{req['stage']}**: {req.get('error') or 'no error text'}",
                icon=":material/error:",
            )
            st.page_link(
                FAILURES, label="See failures (replay from there)", icon=":material/replay:"
            )
        for note in req.get("notes") or []:
            st.caption(f"Note: {note}")


def followed_section(title: str = "Progress") -> None:
    ids = followed_requests()
    if not ids:
        return
    from mangaflow.platform.errors import NotFound

    st.subheader(title)
    for rid in ids[:5]:
        try:
            request_card(rid)
        except NotFound:  # the store changed under the session (another MANGAFLOW_HOME)
            st.session_state[FOLLOWED] = [i for i in followed_requests() if i != rid]
