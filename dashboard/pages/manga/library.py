"""Library: the user's stories → episodes → lettered pages (thumbnails and a page viewer),
with the episode's PDF and CBZ to download."""

from __future__ import annotations

import streamlit as st

from dashboard import data, ui
from mangaflow.platform.errors import NotFound

THUMB_WIDTH = 220
PER_ROW = 6

st.title("Library")
home, user = data.home(), data.user_id()
stories = data.stories(home, user)


def _pick(label: str, options: list[str], names: dict[str, str], key: str, param: str) -> str:
    """A selectbox that starts on the id given in the URL (``?story=…&episode=…``)."""
    wanted = st.query_params.get(param)
    if key not in st.session_state and wanted in options:
        st.session_state[key] = wanted
    choice = st.selectbox(label, options, format_func=names.__getitem__, key=key)
    return str(choice)


def _episode(story_id: str, episode_id: str) -> None:
    try:
        ep = data.episode(home, user, episode_id)
    except NotFound:
        st.warning("This episode is gone from the store.")
        return
    title = ep.get("title") or f"Episode {ep['number']}"
    st.subheader(f"Episode {ep['number']}: {title}" if ep.get("title") else title)
    if ep.get("summary"):
        st.caption(ep["summary"])
    if ep.get("status") != "COMPLETED":
        st.info(f"This episode is still being made (status {ep.get('status')}). Its pages "
                "appear here when it is finished.", icon=":material/hourglass_top:")  # fmt: skip
        return
    cols = st.columns([1, 1, 4])
    for col, kind, label in ((cols[0], "pdf", "Download PDF"), (cols[1], "cbz", "Download CBZ")):
        try:
            blob, mime, name = data.download(home, user, episode_id, kind)
        except NotFound as exc:
            col.caption(str(exc))
            continue
        col.download_button(label, blob, file_name=name, mime=mime, on_click="ignore",
                            icon=":material/download:", key=f"dl_{kind}_{episode_id}")  # fmt: skip
    cols[2].caption(f"{ep.get('pages') or len(ep['pageKeys'])} pages · {ep.get('panels')} "
                    f"panels · created {ui.when(ep.get('createdAt'))}")  # fmt: skip

    keys: list[str] = ep["pageKeys"]
    if not keys:
        st.caption("No page images stored for this episode.")
        return
    viewer = f"page_{episode_id}"
    st.markdown("**Pages**")
    for start in range(0, len(keys), PER_ROW):
        row = st.columns(PER_ROW)
        for offset, key in enumerate(keys[start : start + PER_ROW]):
            number = start + offset + 1
            with row[offset]:
                st.image(data.page_png(home, key, THUMB_WIDTH), caption=f"Page {number}")
                if st.button("View", key=f"view_{episode_id}_{number}", width="stretch"):
                    st.session_state[viewer] = number

    st.markdown("**Page viewer**")
    number = st.session_state.setdefault(viewer, 1)
    number = min(max(int(number), 1), len(keys))
    nav = st.columns([1, 1, 6])
    if nav[0].button("◀ Previous", key=f"prev_{episode_id}", disabled=number <= 1):
        number -= 1
    if nav[1].button("Next ▶", key=f"next_{episode_id}", disabled=number >= len(keys)):
        number += 1
    st.session_state[viewer] = number
    nav[2].caption(f"Page {number} of {len(keys)}")
    _, middle, _ = st.columns([1, 3, 1])
    middle.image(data.page_png(home, keys[number - 1]), caption=f"Page {number}",
                 width="stretch")  # fmt: skip


if not stories:
    ui.empty_state(
        f"No stories yet for user `{user}`. Create one: it gets a story bible and a first "
        "episode whose lettered pages, PDF and CBZ appear here.", ui.CREATE, "Create a manga",
        ":material/brush:",
    )  # fmt: skip
else:
    names = {s["storyId"]: f"{s.get('title') or 'Untitled'} ({s['episodes']} episode"
                           f"{'s' if s['episodes'] != 1 else ''})" for s in stories}  # fmt: skip
    pick_story, pick_episode = st.columns(2)
    with pick_story:
        story_id = _pick("Story", list(names), names, "lib_story", "story")
    detail = data.story(home, user, story_id)
    st.header(detail.get("title") or "Untitled")
    if detail.get("logline"):
        st.markdown(f"*{detail['logline']}*")
    prefs = detail.get("preferences") or {}
    if prefs:
        st.caption(" · ".join([", ".join(prefs.get("genres", [])), ", ".join(prefs.get("themes", [])),
                               prefs.get("artStyle", ""), prefs.get("targetAudience", ""),
                               prefs.get("contentRating", "")]))  # fmt: skip
    bible = data.story_bible(home, user, story_id)
    with st.expander(f"Story bible: setting and cast ({len(bible['characters'])} characters)"):
        st.markdown(f"**Setting.** {bible['setting']}")
        st.markdown(f"**Arc.** {bible['arc']}")
        for ch in bible["characters"]:
            st.markdown(f"- **{ch['name']}** ({ch['role']}): {ch['appearance']}; "
                        f"{ch['personality']}")  # fmt: skip
    episodes = detail.get("episodes") or []
    episode_id = None
    if episodes:
        ep_names = {e["episodeId"]: f"Episode {e['number']}"
                    + (f": {e['title']}" if e.get("title") else "") for e in episodes}  # fmt: skip
        with pick_episode:
            episode_id = _pick("Episode", list(ep_names), ep_names, f"lib_ep_{story_id}",
                               "episode")  # fmt: skip
    if episode_id is None:
        st.info("This story has no episode yet.", icon=":material/hourglass_top:")
    else:
        _episode(story_id, episode_id)
    st.page_link(
        ui.ACTIONS,
        label="Continue this story with its next episode",
        icon=":material/playlist_add:",
    )
