"""The ingestion flow under a real Prefect server: an upload event is ingested, the run waits
(paused) for an admin, the decision resumes it, and only then does the document answer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from flows.platform.dispatch import HANDLERS
from mangaflow.bootstrap import build, set_context
from mangaflow.platform.adapters.events.inline import InlineEventBus
from mangaflow.support import search as knowledge
from mangaflow.support import workflow
from mangaflow.support.documents import DocStatus
from mangaflow.support.service import support
from tests.catalog.conftest import ListBus
from tests.catalog.test_review import paused, run_in_thread, wait_for
from tests.conftest import make_settings
from tests.support.conftest import new_tenant, people

pytestmark = pytest.mark.slow

DOC = b"# Refunds\n\nRefunds reach the original card within five business days of the return.\n"


def test_the_ingestion_run_waits_for_the_admin(
    prefect_server: None, tmp_path: Path, embedder: Any, index: Any
) -> None:
    from flows.support.ingest import support_ingest

    settings = make_settings(tmp_path / "home", support_approval_wait_seconds=120)
    c = build(settings, bus=ListBus())
    set_context(c)
    try:
        sup = support(c, embedder=embedder, index=index)
        tenant = new_tenant("flow")
        admin, _, customer = people(tenant)
        v = workflow.submit(sup, admin, "refunds.md", DOC)
        [event] = c.bus.published  # type: ignore[attr-defined]  # published, not yet delivered
        c.bus = InlineEventBus()  # the decision is delivered by running its flow here
        thread, out = run_in_thread(support_ingest, event.detail())
        waiting = wait_for(lambda: (x := sup.desk.store.get_version(tenant, v.doc_id, 1))
                           .flow_run_id and x)  # fmt: skip
        wait_for(lambda: paused(waiting.flow_run_id))
        assert waiting.status == DocStatus.PENDING_APPROVAL and thread.is_alive()
        assert knowledge.search(sup.desk, customer, "refund card days") == []  # not yet
        workflow.decide(sup, admin, v.doc_id, 1, "approve")
        assert c.bus.drain(HANDLERS) == 1  # type: ignore[attr-defined]  # resumes the run
        thread.join(60)
        [result] = out
        assert not isinstance(result, BaseException), result
        assert result["approval"] == "APPROVED" and result["chunks"] >= 1
        hits = knowledge.search(sup.desk, customer, "refund card days")
        assert hits and hits[0].doc_id == v.doc_id
    finally:
        set_context(None)
