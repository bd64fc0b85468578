"""Failures: failed requests (all users) with their errors, a resume button that continues a
request from where it stopped, and a replay button that submits the same preferences again
(same user and seed)."""

from __future__ import annotations

import streamlit as st

from dashboard import commands as actions
from dashboard import data, ui
from mangaflow.platform.errors import MangaFlowError, NotFound

st.title("Failures")
home = data.home()
failed = data.failed_requests(home)
st.caption("Requests that ended FAILED, newest first, with the stage they failed at and the "
           "error. Resume continues the same request from where it stopped (what is done is "
           "reused, not paid for again). Replay submits a new request with the same "
           "preferences, user and seed; the failed one is kept.")  # fmt: skip


def _resume(request_id: str) -> None:
    try:
        req = actions.resume(data.container(), request_id)
    except MangaFlowError as exc:
        st.session_state["replay_error"] = exc.message
        return
    st.session_state.pop("replay_error", None)
    data.all_requests.clear()
    ui.follow(req.request_id)


def _replay(request_id: str) -> None:
    try:
        new = actions.replay(data.container(), request_id)
    except NotFound as exc:
        st.session_state["replay_error"] = str(exc)
        return
    except MangaFlowError as exc:
        st.session_state["replay_error"] = exc.message
        return
    st.session_state.pop("replay_error", None)
    st.session_state.setdefault("replayed", {})[request_id] = new.request_id
    ui.follow(new.request_id)


if "replay_error" in st.session_state:
    st.error(st.session_state["replay_error"])

ui.followed_section("Resumed and replayed requests in progress")

if not failed:
    st.success("No failed requests. When a run fails (a provider error that outlasts its "
               "retries, a content refusal, a crash), it shows up here with its error and a "
               "replay button.", icon=":material/check_circle:")  # fmt: skip
else:
    st.metric("Failed requests", len(failed))
    replayed: dict[str, str] = st.session_state.get("replayed", {})
    for req in failed[:50]:
        rid = req["request_id"]
        label = (f":material/error: {ui.when(req['updated_at'])} · {req['type']} · stage {req['stage']} · "
                 f"user {req['user_id']} · {(req.get('error') or 'no error text')[:90]}")  # fmt: skip
        with st.expander(label):
            st.markdown(f"Request `{rid}` · created {ui.when(req['created_at'])} · seed "
                        f"{req['seed']}")  # fmt: skip
            st.code(req.get("error") or "no error text", language=None, wrap_lines=True)
            for note in req.get("notes") or []:
                st.caption(f"Note: {note}")
            st.button("Resume", key=f"resume_{rid}", on_click=_resume, args=(rid,),
                      icon=":material/play_arrow:", type="primary",
                      help="Continue this request from where it stopped")  # fmt: skip
            if rid in replayed:
                st.caption(f"Replayed as `{replayed[rid]}` (progress above).")
            elif data.replayable(home, rid):
                st.button("Replay", key=f"replay_{rid}", on_click=_replay, args=(rid,),
                          icon=":material/replay:")  # fmt: skip
            else:
                hint = {"EPISODE": "continue the story again from **Batch and Continue**",
                        "REGENERATE": "run `mangaflow regenerate` for the panel again"}.get(
                    req["type"], "submit it again")  # fmt: skip
                st.caption(f"This request carries no preferences to replay; {hint}.")
