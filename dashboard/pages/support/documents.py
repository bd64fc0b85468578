"""Documents & approvals: upload a document to the tenant's knowledge, decide the versions
waiting for approval (approve, or reject with a reason), and the tenant's documents."""

from __future__ import annotations

from typing import Literal

import streamlit as st

from dashboard.pages.support.common import field_errors, parts, principal
from mangaflow.platform.errors import MangaFlowError
from mangaflow.support import approval
from mangaflow.support.ingest import ingest
from mangaflow.support.workflow import decide, submit, system

st.title("Documents & approvals")
sup, who = parts(), principal()

with st.form("sup_upload", clear_on_submit=True):
    st.subheader("Upload")
    file = st.file_uploader("Document (PDF, Markdown, HTML or text; at most 10 MB)",
                            type=["pdf", "md", "markdown", "html", "htm", "txt"],
                            key="sup_file")  # fmt: skip
    left, right = st.columns(2)
    title = left.text_input("Title (optional)", key="sup_title")
    doc_id = right.text_input("New version of document (optional)", key="sup_doc")
    sent = st.form_submit_button("Upload", icon=":material/upload:")
if sent:
    if file is None:
        st.error("**file**: choose a file to upload", icon=":material/warning:")
    else:
        try:
            v = submit(sup, who, file.name, file.getvalue(), title=title.strip() or None,
                       doc_id=doc_id.strip() or None)  # fmt: skip
            if getattr(sup.desk.c.bus, "in_process", False):  # no worker: ingest it here
                v = ingest(sup.desk, system(who.tenant_id), v.doc_id, v.version)
            st.success(f"{v.title}: version {v.version} of {v.doc_id} is {v.status.value}",
                       icon=":material/check:")  # fmt: skip
        except MangaFlowError as exc:
            field_errors(exc)

st.subheader("Waiting for approval")
waiting = approval.pending(sup.desk, who)
if not waiting:
    st.info("Nothing waits for a decision.", icon=":material/done_all:")
for v in waiting:
    key = f"{v.doc_id}_{v.version}"
    with st.container(border=True):
        st.markdown(f"**{v.title}** — version {v.version} of `{v.doc_id}`")
        st.caption(f"{v.filename} · {v.kind} · {v.size:,} bytes · {v.chunks} passages · "
                   f"{v.words:,} words · uploaded by {v.uploaded_by} at {v.created_at[:19]}")  # fmt: skip
        ok, no, why = st.columns([1, 1, 3])
        reason = why.text_input("Reason to reject", key=f"sup_reason_{key}",
                                label_visibility="collapsed", placeholder="Reason to reject")  # fmt: skip
        choice: Literal["approve", "reject"] | None = ("approve" if ok.button("Approve", key=f"sup_ok_{key}", icon=":material/check:")
                  else "reject" if no.button("Reject", key=f"sup_no_{key}", icon=":material/close:")
                  else None)  # fmt: skip
        if choice == "reject" and not reason.strip():
            st.error("**reason**: say why the version is rejected", icon=":material/warning:")
        elif choice:
            try:
                done = decide(sup, who, v.doc_id, v.version, choice, reason)
                st.success(f"Version {v.version} of {v.doc_id}: {done.status.value}")
                st.rerun()
            except MangaFlowError as exc:
                field_errors(exc)

st.subheader("Documents")
docs = approval.documents(sup.desk, who)
if not docs:
    st.info("No documents yet: upload one above.", icon=":material/lightbulb:")
else:
    st.dataframe([{"doc": d.doc_id, "title": d.title, "latest version": d.latest_version,
                   "approved version": d.approved_version, "updated": d.updated_at[:19]}
                  for d in docs], hide_index=True, width="stretch")  # fmt: skip
