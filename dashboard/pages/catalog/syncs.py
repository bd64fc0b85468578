"""Sync history: each sync's source, version and counts per outcome; the image dead letters."""

from __future__ import annotations

import streamlit as st

from dashboard import data
from mangaflow.catalog.domain import SystemStatus
from mangaflow.catalog.parts import catalog
from mangaflow.catalog.services import search
from mangaflow.catalog.services.sync import sync_counts

st.title("Sync History")
cat = catalog(data.container())
syncs = cat.store.syncs(limit=30)
if not syncs:
    st.info("No sync yet: `mangaflow catalog sync FILE_OR_URL` (weekly on a schedule once "
            "deployed).", icon=":material/info:")  # fmt: skip
    st.stop()
c1, c2, c3 = st.columns(3)
counts = search.counts(cat)
c1.metric("Active entries", counts[SystemStatus.ACTIVE])
c2.metric("Orphaned", counts[SystemStatus.ORPHANED])
c3.metric("Image dead letters", len(cat.store.image_dead_letters()))
rows = []
for s in syncs:
    row = {"started": s.started_at, "source": s.source, "version": s.version[:19],
           "entries": s.entries, "seconds": s.seconds,
           "result": "skipped (unchanged)" if s.skipped else "applied"}  # fmt: skip
    row.update({c["outcome"]: c["count"] for c in sync_counts(s)})
    rows.append(row)
st.dataframe(rows, hide_index=True, use_container_width=True)
