"""Videos: the user's videos, newest first; the chosen one plays here with its captions, next to
its thumbnail, publication, what it cost per kind of call and provider, and its statistics."""

from __future__ import annotations

from typing import Any

import streamlit as st

from dashboard import data, ui
from dashboard.pages.video.common import TOPICS, blob, parts, usd
from mangaflow.platform.errors import NotFound
from mangaflow.video.services import queries

st.title("Videos")
st_, user, home = parts(), data.user_id(), data.home()
videos = st_.store.videos(user, limit=50)
if not videos:
    ui.empty_state("No videos yet: add a topic, then `mangaflow video make --topic TOPIC_ID` "
                   "(or POST /video/videos) makes one.", TOPICS, "Topics & budget",
                   ":material/topic:")  # fmt: skip
    st.stop()

st.dataframe([{"video": v.video_id, "status": v.status, "title": v.title or "(untitled yet)",
               "topic": v.topic_id or f"episode {v.episode_id}", "seconds": v.duration_s,
               "estimated USD": v.estimate_usd, "cost USD": v.cost_usd,
               "published": v.publish.get("url", ""), "created": ui.when(v.created_at)}
              for v in videos], hide_index=True, width="stretch")  # fmt: skip

names = {v.video_id: f"{v.title or 'Untitled'} · {v.status} · {v.video_id}" for v in videos}
video_id = str(st.selectbox("Video", list(names), format_func=names.__getitem__, key="vv_pick"))
try:
    info: dict[str, Any] = queries.video(st_, user, video_id)
except NotFound:
    st.warning("This video is gone from the store.")
    st.stop()

st.header(info["title"] or "Untitled")
files: dict[str, str] = info["files"]
player, side = st.columns([3, 2], gap="large")
with player:
    if files.get("mp4"):
        vtt = blob(home, files["vtt"]) if files.get("vtt") else None
        st.video(blob(home, files["mp4"]), subtitles={"Captions": vtt} if vtt else None)
        st.caption(f"{info['width']}x{info['height']} · {info['duration_s']:.1f} s"
                   + (" · offline providers" if info["offline"] else ""))  # fmt: skip
    else:
        st.info(f"Not rendered yet (status {info['status']}): the player, captions and "
                "thumbnail appear here once it is.", icon=":material/hourglass_top:")  # fmt: skip
with side:
    if files.get("thumbnail"):
        st.image(blob(home, files["thumbnail"]), caption="Thumbnail", width="stretch")
    published = info["publish"]
    if published.get("url"):
        st.markdown(f"**Published** to {published.get('publisher', '?')} · "
                    f"{published.get('privacy', '')}: {published['url']}")  # fmt: skip
        if published.get("publish_at"):
            st.caption(f"Scheduled for {published['publish_at']}")
    downloads = [(k, label, mime) for k, label, mime in (
        ("mp4", "MP4", "video/mp4"), ("srt", "SRT", "application/x-subrip"),
        ("vtt", "VTT", "text/vtt")) if files.get(k)]  # fmt: skip
    for col, (kind, label, mime) in zip(st.columns(3), downloads, strict=False):
        col.download_button(label, blob(home, files[kind]), file_name=f"{video_id}.{kind}",
                            mime=mime, on_click="ignore", key=f"vv_dl_{kind}",
                            icon=":material/download:")  # fmt: skip
if files.get("vtt"):
    with st.expander("Captions (WebVTT)"):
        st.code(blob(home, files["vtt"]).decode("utf-8", "replace"), language=None)

st.subheader("Cost")
c1, c2 = st.columns(2)
c1.metric("Estimated", usd(info["estimate_usd"]))
c2.metric("Recorded so far", usd(info["recorded_cost_usd"]))
usage = info["usage"]
if usage:
    rows = []
    for key, row in sorted(usage.items()):
        kind, _, provider = key.partition("/")
        rows.append({"kind": kind, "provider": provider, **{k: v for k, v in row.items()
                                                           if k != "cost_usd"},
                     "USD": row["cost_usd"]})  # fmt: skip
    st.dataframe(rows, hide_index=True, width="stretch")
else:
    st.caption("No provider call recorded yet.")

st.subheader("Statistics")
if info["stats"]:
    st.dataframe([{"label": r.get("label"), "at": ui.when(r.get("at")), "views": r.get("views"),
                   "likes": r.get("likes"), "comments": r.get("comments")}
                  for r in info["stats"]], hide_index=True, width="stretch")  # fmt: skip
else:
    st.caption("Recorded 1 hour, 24 hours and 7 days after publishing.")
