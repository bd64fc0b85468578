"""What the support pages share: the support product of the dashboard's context and the
tenant picker (local use: the dashboard acts as MANGAFLOW_USER_ID, an admin of the tenant
picked in the sidebar; the API takes tenant and roles from the token instead)."""

from __future__ import annotations

import streamlit as st

from dashboard import data
from mangaflow.platform.errors import MangaFlowError
from mangaflow.support.service import Support, support
from mangaflow.support.tenancy import Principal

DOCUMENTS = "pages/support/documents.py"
CONVERSATIONS = "pages/support/conversations.py"
TICKETS = "pages/support/tickets.py"


def parts() -> Support:
    return support(data.container())


def principal() -> Principal:
    """The local user as an admin of the tenant picked in the sidebar (default ``local``)."""
    tenant = st.sidebar.text_input("Tenant", value=st.session_state.get("sup_tenant", "local"),
                                   key="sup_tenant_input",
                                   help="Local use: the tenant whose data these pages show.")  # fmt: skip
    try:
        who = Principal(tenant.strip(), data.user_id(), frozenset({"admin"}))
    except MangaFlowError as exc:
        st.error(f"**tenant**: {exc.message}", icon=":material/warning:")
        st.stop()
    st.session_state["sup_tenant"] = who.tenant_id
    st.sidebar.caption(f"Acting as {who.user_id}, admin of {who.tenant_id}")
    return who


def field_errors(exc: MangaFlowError) -> None:
    """The error, with each field it names."""
    details = [d for d in exc.details or [] if isinstance(d, dict) and "field" in d]
    if not details:
        st.error(exc.message, icon=":material/warning:")
    for d in details:
        st.error(f"**{d['field']}**: {d['message']}", icon=":material/warning:")
