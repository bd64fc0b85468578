"""Conversations: the tenant's conversations by status and one transcript as stored (PII
redacted), each answer with the documents it cites and the tools the agent called."""

from __future__ import annotations

import streamlit as st

from dashboard.pages.support.common import parts, principal

st.title("Conversations")
sup, who = parts(), principal()
status = str(st.segmented_control("Status", ["active", "escalated", "closed"], default="active",
                                  key="sup_conv_status") or "active")  # fmt: skip
convs = sup.tickets.conversations_by_status(who, status)  # type: ignore[arg-type]
if not convs:
    st.info(f"No {status} conversations.", icon=":material/forum:")
    st.stop()
st.dataframe([{"conversation": c.conversation_id, "user": c.user_id, "tickets": len(c.ticket_ids),
               "started": c.created_at[:19], "last activity": c.updated_at[:19]}
              for c in convs], hide_index=True, width="stretch")  # fmt: skip
cid = str(st.selectbox("Transcript", [c.conversation_id for c in convs], key="sup_conv"))
conv = sup.tickets.get_conversation(who, cid)
st.caption(f"{conv.user_id} · {conv.status} · tickets: {', '.join(conv.ticket_ids) or 'none'} "
           "· stored redacted: what the agent saw of PII is not kept")  # fmt: skip
for m in conv.messages:
    if m.role == "tool":
        for call in m.tool_calls:
            st.caption(
                f"tool {call.name}: {call.status}" + (f" ({call.error})" if call.error else "")
            )
        continue
    with st.chat_message("user" if m.role == "user" else "assistant"):
        st.text(m.text)
        for c in m.citations:
            st.caption(f"[{c.n}] {c.title} — {c.doc_id} v{c.version}, passage {c.chunk}")
