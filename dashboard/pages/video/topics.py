"""Topics & budget: the user's topics with the estimated cost of one video each, a form to add
one and another to edit (or delete) one, validated by the topic service (errors under the
fields, nothing stored); spend today and this month against the caps, and budget alerts."""

from __future__ import annotations

from typing import Any, get_args

import streamlit as st

from dashboard import data
from dashboard.pages.video.common import errors_under, parts, usd
from mangaflow.platform.errors import Conflict, MangaFlowError, ValidationError
from mangaflow.video.domain import CATEGORIES, Aspect, Privacy, Schedule, Style
from mangaflow.video.services import queries, topics

ADD_ERRORS, EDIT_ERRORS, MESSAGE = "vt_add_errors", "vt_edit_errors", "vt_message"
DEFAULTS: dict[str, Any] = {
    "name": "", "keywords": [], "category": "custom", "language": "en", "voice": "",
    "style": "neutral", "min_minutes": 5.0, "max_minutes": 10.0, "aspect": "16:9",
    "resolution": 1080, "privacy": "private", "schedule": "manual", "made_for_kids": False,
    "cap_per_video_usd": 0.0, "cap_daily_usd": 0.0, "cap_monthly_usd": 0.0,
}  # fmt: skip


def _choice(label: str, options: tuple[Any, ...], value: Any, key: str) -> None:
    st.selectbox(label, options, index=options.index(value) if value in options else 0, key=key)


def topic_fields(prefix: str, current: dict[str, Any], errors: str) -> None:
    """The widgets of a topic's settings (keys ``prefix + field``), with their errors."""
    a, b = st.columns([2, 3])
    with a:
        st.text_input("Name", current["name"], key=f"{prefix}name", max_chars=80)
        errors_under(errors, "name")
    with b:
        st.text_input("Keywords (comma separated, 1-20)", ", ".join(current["keywords"]),
                      key=f"{prefix}keywords")  # fmt: skip
        errors_under(errors, "keywords")
    c1, c2, c3, c4 = st.columns(4)
    with c1:
        _choice("Category", CATEGORIES, current["category"], f"{prefix}category")
        st.text_input("Language", current["language"], key=f"{prefix}language",
                      help="A language code such as en, es or pt-BR.")  # fmt: skip
        errors_under(errors, "category", "language")
    with c2:
        st.number_input("Shortest (minutes)", 1.0, 20.0, float(current["min_minutes"]), 0.5,
                        key=f"{prefix}min_minutes")  # fmt: skip
        st.number_input("Longest (minutes)", 1.0, 20.0, float(current["max_minutes"]), 0.5,
                        key=f"{prefix}max_minutes")  # fmt: skip
        errors_under(errors, "min_minutes", "max_minutes")
    with c3:
        _choice("Aspect", get_args(Aspect), current["aspect"], f"{prefix}aspect")
        _choice("Resolution", (720, 1080), current["resolution"], f"{prefix}resolution")
        errors_under(errors, "aspect", "resolution")
    with c4:
        _choice("Style", get_args(Style), current["style"], f"{prefix}style")
        st.text_input("Voice (empty: default)", current["voice"], key=f"{prefix}voice")
        errors_under(errors, "style", "voice")
    d1, d2, d3, d4, d5 = st.columns(5)
    choices = [(d1, "Privacy", get_args(Privacy), "privacy"),
                  (d2, "Schedule", get_args(Schedule), "schedule")]  # fmt: skip
    for col, label, options, name in choices:
        with col:
            _choice(label, options, current[name], f"{prefix}{name}")
            errors_under(errors, name)
    for col, label, name in ((d3, "Cap per video", "cap_per_video_usd"),
                             (d4, "Cap per day", "cap_daily_usd"),
                             (d5, "Cap per month", "cap_monthly_usd")):  # fmt: skip
        with col:
            st.number_input(f"{label} (USD, 0: none)", value=float(current[name]), step=0.5,
                            format="%.2f", key=f"{prefix}{name}")  # fmt: skip
            errors_under(errors, name)
    st.checkbox("Made for kids", bool(current["made_for_kids"]), key=f"{prefix}made_for_kids")


def _values(prefix: str) -> dict[str, Any]:
    s = st.session_state
    out = {name: s.get(f"{prefix}{name}", default) for name, default in DEFAULTS.items()}
    out["keywords"] = [k.strip() for k in str(out["keywords"] or "").split(",") if k.strip()]
    return out


def _stored(errors: str, call: Any, done: str) -> None:
    """Run a topic change; a validation error goes under its fields, nothing is stored."""
    try:
        call()
    except ValidationError as exc:
        st.session_state[errors] = list(exc.details or [{"field": "body", "message": exc.message}])
        return
    except MangaFlowError as exc:  # e.g. Conflict: the topic id is taken
        field = "topic_id" if isinstance(exc, Conflict) else "body"
        st.session_state[errors] = [{"field": field, "message": exc.message}]
        return
    st.session_state[errors] = []
    st.session_state[MESSAGE] = done
    data.clear()


def _add() -> None:
    values = _values("vt_add_")
    topic_id = str(st.session_state.get("vt_add_topic_id") or "").strip()
    if topic_id:
        values["topic_id"] = topic_id
    _stored(ADD_ERRORS, lambda: topics.create(parts(), data.user_id(), values),
            f"Topic {values['name']!r} added.")  # fmt: skip


def _save(topic_id: str) -> None:
    values = _values(f"vt_e_{topic_id}_")
    _stored(EDIT_ERRORS, lambda: topics.update(parts(), data.user_id(), topic_id, values),
            f"Topic {topic_id} saved.")  # fmt: skip


def _delete(topic_id: str) -> None:
    _stored(EDIT_ERRORS, lambda: topics.delete(parts(), data.user_id(), topic_id),
            f"Topic {topic_id} deleted (its videos stay).")  # fmt: skip


def _period(col: Any, label: str, period: dict[str, Any], setting: str) -> None:
    cap = period["cap_usd"]
    col.metric(label, usd(period["spent_usd"]),
               help=f"Cap: {setting}" if cap else f"No cap: set {setting}")  # fmt: skip
    if cap:
        col.progress(min(period["used_ratio"], 1.0), text=f"{period['used_ratio']:.0%} of "
                     f"{usd(cap)}; {usd(period['remaining_usd'])} left")  # fmt: skip
    else:
        col.caption(f"No cap ({setting})")


st.title("Topics & budget")
st_, user = parts(), data.user_id()
if MESSAGE in st.session_state:
    st.success(st.session_state.pop(MESSAGE), icon=":material/check_circle:")
overview = queries.budget_overview(st_, user)

st.subheader("Spend")
left, right = st.columns(2)
_period(left, f"Today ({overview['day']}, UTC)", overview["today"],
        "MANGAFLOW_VIDEO_DAILY_CAP_USD")  # fmt: skip
_period(right, f"This month ({overview['month']})", overview["month_to_date"],
        "MANGAFLOW_VIDEO_MONTHLY_CAP_USD")  # fmt: skip
for alert in overview["alerts"]:
    st.warning(f"{alert.get('message', '')} · {alert.get('delivered', 'log')}",
               icon=":material/notifications:")  # fmt: skip

st.subheader("Topics")
mine = {t.topic_id: t for t in topics.listing(st_, user)}
if not mine:
    st.info("No topics yet: add one below. A topic says what videos are about (keywords), how "
            "long and in which format they are, and what they may cost.",
            icon=":material/lightbulb:")  # fmt: skip
else:
    spend = {t["topic_id"]: t for t in overview["topics"]}
    rows = []
    for tid, t in mine.items():
        w, h = t.size
        s = spend[tid]
        rows.append({
            "id": tid, "name": t.name, "category": t.category, "keywords": ", ".join(t.keywords),
            "minutes": f"{t.min_minutes:g}-{t.max_minutes:g}", "format": f"{w}x{h}",
            "schedule": t.schedule, "est. USD / video": s["estimate_usd"],
            "today USD": s["today"]["spent_usd"], "day cap": s["today"]["cap_usd"] or None,
            "month USD": s["month"]["spent_usd"], "month cap": s["month"]["cap_usd"] or None,
        })  # fmt: skip
    st.dataframe(rows, hide_index=True, width="stretch")

with st.expander("Add a topic", expanded=not mine or bool(st.session_state.get(ADD_ERRORS))):
    if st.session_state.get(ADD_ERRORS):
        st.error("Nothing was stored: see the fields marked below.", icon=":material/warning:")
        errors_under(ADD_ERRORS, "body", "topic_id")
    with st.form("vt_add_form", border=False):
        topic_fields("vt_add_", DEFAULTS, ADD_ERRORS)
        st.text_input("Topic id (optional: made from the name)", key="vt_add_topic_id")
        st.form_submit_button("Add topic", type="primary", on_click=_add, key="vt_add_submit",
                              icon=":material/add:")  # fmt: skip

if mine:
    with st.expander("Edit a topic", expanded=bool(st.session_state.get(EDIT_ERRORS))):
        picked = st.selectbox("Topic", list(mine), key="vt_edit_pick",
                              format_func=lambda tid: f"{mine[tid].name} ({tid})")  # fmt: skip
        if picked is not None:
            topic = mine[str(picked)]
            estimate = topics.with_estimate(st_, topic)["estimate"]
            st.caption(f"Estimated cost of one {topic.target_minutes:g}-minute video: "
                       f"{usd(estimate['total_usd'])} · " + " · ".join(
                           f"{x['kind']} ({x['provider']}) {usd(x['usd'])}"
                           for x in estimate["lines"]))  # fmt: skip
            if st.session_state.get(EDIT_ERRORS):
                st.error("Nothing was saved: see the fields marked below.",
                         icon=":material/warning:")  # fmt: skip
                errors_under(EDIT_ERRORS, "body", "topic_id")
            with st.form(f"vt_edit_form_{topic.topic_id}", border=False):
                topic_fields(f"vt_e_{topic.topic_id}_", topic.model_dump(), EDIT_ERRORS)
                save, delete = st.columns([1, 5])
                save.form_submit_button("Save", type="primary", on_click=_save,
                                        args=(topic.topic_id,), key="vt_edit_save")  # fmt: skip
                delete.form_submit_button("Delete topic", on_click=_delete,
                                          args=(topic.topic_id,), key="vt_edit_delete")  # fmt: skip
