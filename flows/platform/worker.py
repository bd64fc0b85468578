"""A background worker that runs the flows for events published on the inline bus (the local
API server's way of keeping generation out of HTTP requests). It also reaps: requests left
PROCESSING by a process that died (e.g. an earlier server killed mid-run) are failed once they
have been silent for ``stale_after_seconds``."""

from __future__ import annotations

import contextvars
import logging
import threading

from flows.platform.dispatch import HANDLERS
from flows.platform.local import no_heartbeats
from mangaflow.platform.adapters.events.inline import in_process_bus
from mangaflow.platform.context import Context
from mangaflow.platform.events import DomainEvent
from mangaflow.platform.requests import lifecycle as status

log = logging.getLogger(__name__)


class Worker:
    """``with Worker(container):`` runs flows in a thread until the block ends."""

    def __init__(self, container: Context) -> None:
        self.bus = in_process_bus(container.bus, "the local worker")
        self.container = container
        self.stop = threading.Event()
        # The thread sees this thread's context (Prefect settings, e.g. a test server's URL).
        context = contextvars.copy_context()
        self.thread = threading.Thread(target=context.run, args=(self._run,), daemon=True,
                                       name="mangaflow-worker")  # fmt: skip
        self.reaper = threading.Thread(target=self._reap, daemon=True, name="mangaflow-reaper")

    def _run(self) -> None:
        with no_heartbeats():
            self.bus.serve(HANDLERS, self.stop, on_error=self._dead_letter)

    def _reap(self) -> None:
        every = min(60.0, self.container.settings.stale_after_seconds / 3)
        while True:
            try:
                for req in status.reap_stale(self.container):
                    log.warning("request %s was silent since %s: marked FAILED",
                                req.request_id, req.last_seen)  # fmt: skip
            except Exception:  # e.g. the store briefly unavailable: the next sweep retries
                log.exception("reaping stale requests failed")
            if self.stop.wait(every):
                return

    def _dead_letter(self, event: DomainEvent, exc: BaseException) -> None:
        from mangaflow.platform.requests.deadletters import record

        record(self.container, event, f"{type(exc).__name__}: {exc}")

    def __enter__(self) -> Worker:
        self.thread.start()
        self.reaper.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(timeout=60)
        self.reaper.join(timeout=10)
