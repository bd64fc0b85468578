"""Tickets: the tenant's tickets by status, and the escalation queue."""

from __future__ import annotations

import streamlit as st

from dashboard.pages.support.common import parts, principal

STATUSES = ["all", "open", "pending", "escalated", "resolved", "closed"]

st.title("Tickets")
sup, who = parts(), principal()
status = str(st.selectbox("Status", STATUSES, key="sup_ticket_status"))
found = (sup.tickets.tickets(who) if status == "all"
         else sup.tickets.tickets_by_status(who, status))  # type: ignore[arg-type]  # fmt: skip
if not found:
    st.info("No tickets." if status == "all" else f"No {status} tickets.",
            icon=":material/support_agent:")  # fmt: skip
else:
    st.dataframe([{"ticket": t.ticket_id, "status": t.status, "priority": t.priority,
                   "customer": t.customer_id, "subject": t.subject,
                   "conversation": t.conversation_id or "", "updated": t.updated_at[:19]}
                  for t in found], hide_index=True, width="stretch")  # fmt: skip

st.subheader("Escalations")
queue = sup.tickets.escalations(who)
if not queue:
    st.info("No escalations.", icon=":material/done_all:")
else:
    st.dataframe([{"ticket": e["ticket_id"], "customer": e["customer_id"], "reason": e["reason"],
                   "by": e["by"], "at": e["at"][:19]} for e in queue], hide_index=True,
                 width="stretch")  # fmt: skip
