"""Create: the preferences form, validated exactly like the API (``parse_preferences``), with
each field's errors shown under it. A valid form is submitted and generated in the
background; its progress refreshes itself."""

from __future__ import annotations

import re
from typing import Any

import streamlit as st

from dashboard import commands as actions
from dashboard import data, ui
from mangaflow.manga.domain.preferences import (
    ALLOWED_RATINGS,
    ART_STYLES,
    AUDIENCES,
    DEFAULT_PAGES,
    GENRES,
    MAX_CHARACTERS,
    MAX_NOTES,
    MAX_PAGES,
    MIN_PAGES,
    RATINGS,
    THEMES,
    character_from_text,
)
from mangaflow.platform.errors import MangaFlowError, ValidationError

ERRORS = "create_errors"
DIRECTIONS = {
    "rtl": "Right to left (manga)",
    "ltr": "Left to right",
    "vertical": "Vertical (webtoon)",
}


def _characters(text: str) -> list[dict[str, str]]:
    """``Name: role: appearance`` per line (role and appearance optional), as the CLI."""
    return [character_from_text(line) for line in text.splitlines() if line.strip()]


def _wire() -> dict[str, Any]:
    s = st.session_state
    return {
        "genres": list(s.get("cf_genres") or []), "themes": list(s.get("cf_themes") or []),
        "artStyle": s.get("cf_style"), "targetAudience": s.get("cf_audience"),
        "contentRating": s.get("cf_rating"), "pagesPerEpisode": int(s.get("cf_pages") or 0),
        "readingDirection": s.get("cf_direction"), "language": (s.get("cf_language") or "").strip(),
        "characters": _characters(s.get("cf_characters") or ""), "notes": s.get("cf_notes") or "",
    }  # fmt: skip


def _on_submit() -> None:
    c = data.container()
    try:
        req = actions.create(
            c, data.user_id(), _wire(), seed=int(st.session_state.get("cf_seed") or 0)
        )
    except ValidationError as exc:
        st.session_state[ERRORS] = list(exc.details or [{"field": "body", "message": exc.message}])
        return
    except MangaFlowError as exc:  # e.g. a configuration problem of the event bus
        st.session_state[ERRORS] = [{"field": "body", "message": exc.message}]
        return
    st.session_state[ERRORS] = []
    ui.follow(req.request_id)


def _field(name: str) -> str:
    """``genres[2]`` / ``characters[0].name`` → ``genres`` / ``characters``."""
    return re.split(r"[.\[]", name, maxsplit=1)[0]


def _errors_under(*fields: str) -> None:
    for err in st.session_state.get(ERRORS, []):
        if _field(err["field"]) in fields:
            st.error(f"**{err['field']}**: {err['message']}", icon=":material/warning:")


st.title("Create")
st.caption(f"A new story and its first episode for user `{data.user_id()}`: insights, story "
           "bible, script, panels, lettering, PDF and CBZ.")  # fmt: skip

known = {"genres", "themes", "artStyle", "targetAudience", "contentRating", "pagesPerEpisode",
         "readingDirection", "language", "characters", "notes"}  # fmt: skip
errors = st.session_state.get(ERRORS, [])
if errors:
    st.error("Nothing was submitted: " + ("see the fields marked below." if any(
        _field(e["field"]) in known for e in errors) else "see below."),
        icon=":material/warning:")  # fmt: skip
    for err in errors:
        if _field(err["field"]) not in known:
            st.error(f"**{err['field']}**: {err['message']}")

last = data.latest_preferences(data.home(), data.user_id()) or {}
form_col, progress_col = st.columns([3, 2], gap="large")
with form_col, st.form("create_form", border=True):
    st.multiselect("Genres (1-5)", GENRES, default=last.get("genres") or None, max_selections=5,
                   key="cf_genres", placeholder="Choose up to 5 genres")  # fmt: skip
    _errors_under("genres")
    st.multiselect("Themes (1-5)", THEMES, default=last.get("themes") or None, max_selections=5,
                   key="cf_themes", placeholder="Choose up to 5 themes")  # fmt: skip
    _errors_under("themes")
    col_a, col_b, col_c = st.columns(3)
    with col_a:
        st.selectbox("Art style", ART_STYLES, key="cf_style",
                     index=ART_STYLES.index(last.get("artStyle", "Black and White")))  # fmt: skip
        _errors_under("artStyle")
    with col_b:
        st.selectbox("Audience", AUDIENCES, key="cf_audience",
                     index=AUDIENCES.index(last.get("targetAudience", "Teens")))  # fmt: skip
        _errors_under("targetAudience")
    with col_c:
        help_text = "; ".join(f"{k}: {', '.join(v)}" for k, v in ALLOWED_RATINGS.items())
        st.selectbox("Content rating", RATINGS, key="cf_rating", help=help_text,
                     index=RATINGS.index(last.get("contentRating", "PG-13")))  # fmt: skip
        _errors_under("contentRating")
    with st.expander("More options: pages, reading direction, characters, notes, seed"):
        p, d, lang, sd = st.columns(4)
        with p:
            st.number_input("Pages per episode", MIN_PAGES, MAX_PAGES, key="cf_pages",
                            value=int(last.get("pagesPerEpisode", DEFAULT_PAGES)))  # fmt: skip
            _errors_under("pagesPerEpisode")
        with d:
            st.selectbox("Reading direction", list(DIRECTIONS), key="cf_direction",
                         format_func=DIRECTIONS.__getitem__,
                         index=list(DIRECTIONS).index(last.get("readingDirection", "rtl")))  # fmt: skip
            _errors_under("readingDirection")
        with lang:
            st.text_input("Language", value=last.get("language", "en"), key="cf_language",
                          help="Output language code, e.g. en, ja, pt-BR.")  # fmt: skip
            _errors_under("language")
        with sd:
            st.number_input(
                "Seed",
                0,
                2**31 - 1,
                0,
                key="cf_seed",
                help="Same preferences + same seed = same story.",
            )
        st.text_area(f"Characters (up to {MAX_CHARACTERS}, one per line)", key="cf_characters",
                     placeholder="Aiko: hero: short red hair, school uniform\nKenji: rival",
                     help="Name: role: appearance — role and appearance are optional.")  # fmt: skip
        _errors_under("characters")
        st.text_area(
            "Notes",
            key="cf_notes",
            max_chars=MAX_NOTES,
            placeholder="Anything else the story should consider (used as data).",
        )
        _errors_under("notes")
    st.form_submit_button("Create manga", type="primary", on_click=_on_submit, key="cf_submit",
                          icon=":material/auto_awesome:")  # fmt: skip

with progress_col:
    if ui.followed_requests():
        ui.followed_section("Progress")
    else:
        st.subheader("Progress")
        st.info(
            "Submit the form: the request's progress shows here and refreshes by itself. "
            "With the offline providers an 8-page episode takes about a minute.",
            icon=":material/lightbulb:",
        )
    from flows.platform.runs import api_url

    if api_url() is None:
        st.caption("PREFECT_API_URL is not set: the first run starts a temporary Prefect "
                   "server inside the dashboard (15–25 s) and its runs are not kept. See "
                   "**Runs** for how to start a server.")  # fmt: skip
