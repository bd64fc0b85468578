"""Requests, their usage, event claims, dead letters and user profiles, on top of
:class:`ItemTable`: the platform's records, shared by every product.

=====================  ============================  ==========================  =======================
item                   PK | SK                       GSI1PK | GSI1SK             GSI2PK | GSI2SK
=====================  ============================  ==========================  =======================
user profile           USER#u | PROFILE              USER#u | PROFILE
request                USER#u | REQUEST#r            REQUEST#r | STATUS          STATUS#x | createdAt
usage of a request     REQUEST#r | USAGE#ts#id
event claim            EVENT#id | CLAIM
dead letter            DEADLETTER | ts#eventId
=====================  ============================  ==========================  =======================

A product keeps its own records beside these (e.g. :mod:`mangaflow.manga.repository`).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from mangaflow.platform.errors import ConditionFailed, NotFound
from mangaflow.platform.ports import ItemTable, Put, Usage
from mangaflow.platform.requests.model import (
    TERMINAL,
    GenerationRequest,
    RequestStatus,
    Stage,
    utcnow,
)

KEYS = ("PK", "SK", "GSI1PK", "GSI1SK", "GSI2PK", "GSI2SK")
#: What each usage record counts (see :class:`~mangaflow.platform.ports.Usage`).
USAGE_FIELDS: tuple[str, ...] = (
    "calls", "input_tokens", "output_tokens", "images", "cost_usd", "characters", "seconds",
    "quota_units",
)  # fmt: skip


def strip_keys(item: dict[str, Any]) -> dict[str, Any]:
    """An item without its table and index keys."""
    return {k: v for k, v in item.items() if k not in KEYS}


class RequestStore:
    """Reads and writes the platform's records; the only code that knows their keys."""

    def __init__(self, table: ItemTable) -> None:
        self.table = table

    # ----------------------------------------------------------------- profile
    def ensure_profile(self, user_id: str, email: str = "") -> bool:
        """Create the user's profile once; ``False`` when it already existed."""
        if self.table.get(f"USER#{user_id}", "PROFILE") is not None:
            return False  # the common case costs a read, not a write transaction
        item = {
            "PK": f"USER#{user_id}", "SK": "PROFILE", "GSI1PK": f"USER#{user_id}",
            "GSI1SK": "PROFILE", "userId": user_id, "email": email, "createdAt": utcnow(),
            "status": "ACTIVE",
        }  # fmt: skip
        try:
            self.table.put(Put(item, if_not_exists=True))
        except ConditionFailed:
            return False
        return True

    # ---------------------------------------------------------------- requests
    def request_item(self, req: GenerationRequest, extra: dict[str, Any]) -> dict[str, Any]:
        return {
            "PK": f"USER#{req.user_id}", "SK": f"REQUEST#{req.request_id}",
            "GSI1PK": f"REQUEST#{req.request_id}", "GSI1SK": "STATUS",
            "GSI2PK": f"STATUS#{req.status}", "GSI2SK": req.created_at,
            **req.model_dump(mode="json"), **extra,
        }  # fmt: skip

    def create_request(
        self, req: GenerationRequest, extra: dict[str, Any] | None = None,
        with_items: Sequence[Put] = (),
    ) -> GenerationRequest:  # fmt: skip
        """Store a new request atomically, with ``extra`` attributes on its item and
        ``with_items`` (e.g. the preferences it was made from) written in the same transaction."""
        ops = [*with_items, Put(self.request_item(req, extra or {}), if_not_exists=True)]
        self.table.transact(ops)
        return req

    def raw(self, request_id: str) -> dict[str, Any]:
        rows = self.table.query(f"REQUEST#{request_id}", "STATUS", index="GSI1", limit=1)
        if not rows:
            raise NotFound(f"no request {request_id}")
        return rows[0]

    def get_request(self, request_id: str, user_id: str | None = None) -> GenerationRequest:
        raw = self.raw(request_id)
        if user_id is not None and raw["user_id"] != user_id:
            raise NotFound(f"no request {request_id}")
        return GenerationRequest.model_validate(raw)

    def update_request(
        self, request_id: str, expect: Mapping[str, Any] | None = None, **changes: Any
    ) -> GenerationRequest:
        """Read-modify-write with an optimistic check on a revision counter, retried on a lost
        race. With ``expect``, raises ``ConditionFailed`` instead of writing
        once any of those attributes differs."""
        for _ in range(20):
            raw = self.raw(request_id)
            full = self.table.get(raw["PK"], raw["SK"]) or raw
            if expect and (changed := [k for k, v in expect.items() if full.get(k) != v]):
                raise ConditionFailed(f"request {request_id} changed: {', '.join(changed)}")
            rev = full.get("rev")
            full.update(changes)
            full["updated_at"] = utcnow()
            full["rev"] = (rev or 0) + 1
            full["GSI2PK"] = f"STATUS#{full['status']}"
            try:
                self.table.put(Put(full, if_equals={"rev": rev}))
            except ConditionFailed:
                time.sleep(0.01)
                continue
            return GenerationRequest.model_validate(full)
        raise ConditionFailed(f"request {request_id} kept changing; update abandoned")

    def touch_request(
        self, request_id: str, running: bool = True, runner: str | None = None
    ) -> bool:
        """Record a heartbeat (``running``: a flow is at work on it) on an unfinished request.
        One write, made only if nothing else wrote the request since it was read; False
        (nothing written) when it has finished or changed meanwhile."""
        raw = self.raw(request_id)
        full = self.table.get(raw["PK"], raw["SK"]) or raw
        if full.get("status") in TERMINAL:
            return False
        full["heartbeat_at"] = utcnow()
        full["running"] = running
        if runner is not None:
            full["runner"] = runner
        try:  # a heartbeat leaves the revision alone: it changes nothing a reader acts on
            self.table.put(Put(full, if_equals={"rev": full.get("rev")}))
        except ConditionFailed:
            return False
        return True

    def mark_stage(self, request_id: str, stage: Stage) -> GenerationRequest:
        return self.update_request(request_id, status="PROCESSING", stage=stage, error=None)

    def mark_finished(
        self, request_id: str, status: RequestStatus, error: str | None = None,
        expect: Mapping[str, Any] | None = None, **links: Any,
    ) -> GenerationRequest:  # fmt: skip
        """COMPLETED (stage ``done``) or FAILED (at the stage it failed in)."""
        if status == "COMPLETED":
            links["stage"] = "done"
        return self.update_request(request_id, expect, status=status, error=error,
                                   running=False, **links)  # fmt: skip

    def add_note(self, request_id: str, note: str) -> None:
        req = self.get_request(request_id)
        if note not in req.notes:
            self.update_request(request_id, notes=[*req.notes, note])

    def list_requests(self, user_id: str, limit: int = 50) -> list[GenerationRequest]:
        rows = self.table.query(f"USER#{user_id}", "REQUEST#", limit=None)
        reqs = [GenerationRequest.model_validate(r) for r in rows]
        return sorted(reqs, key=lambda r: r.created_at, reverse=True)[:limit]

    def requests_by_status(self, status: RequestStatus) -> list[GenerationRequest]:
        rows = self.table.query(f"STATUS#{status}", "", index="GSI2")
        return [GenerationRequest.model_validate(r) for r in rows if "request_id" in r]

    # ------------------------------------------------------------------- usage
    def record_usage(self, request_id: str, provider: str, kind: str, usage: Usage) -> None:
        """One item per provider call: concurrent panels never contend on one record."""
        self.table.put(
            Put({
                "PK": f"REQUEST#{request_id}", "SK": f"USAGE#{utcnow()}#{uuid.uuid4().hex[:8]}",
                "provider": provider, "kind": kind, "calls": usage.calls,
                "input_tokens": usage.input_tokens, "output_tokens": usage.output_tokens,
                "images": usage.images, "cost_usd": usage.cost_usd,
                "characters": usage.characters, "seconds": usage.seconds,
                "quota_units": usage.quota_units,
            })
        )  # fmt: skip

    def usage_summary(self, request_id: str) -> dict[str, dict[str, float]]:
        """Usage per ``kind/provider`` for a request (the fields of :data:`USAGE_FIELDS`)."""
        out: dict[str, dict[str, float]] = {}
        for row in self.table.query(f"REQUEST#{request_id}", "USAGE#"):
            agg = out.setdefault(f"{row['kind']}/{row['provider']}", dict.fromkeys(USAGE_FIELDS, 0))
            for k in agg:
                agg[k] = round(agg[k] + row.get(k, 0), 6)
        return out

    # ------------------------------------------------------------------ events
    def claim_event(self, event_id: str, detail_type: str) -> bool:
        """First delivery of an event wins; later deliveries get ``False``."""
        try:
            self.table.put(
                Put({"PK": f"EVENT#{event_id}", "SK": "CLAIM", "detailType": detail_type,
                     "claimedAt": utcnow()}, if_not_exists=True)
            )  # fmt: skip
        except ConditionFailed:
            return False
        return True

    def release_event(self, event_id: str) -> None:
        """Forget a claim so the event can be delivered again (its run failed)."""
        self.table.delete(f"EVENT#{event_id}", "CLAIM")

    # ------------------------------------------------------------ dead letters
    def add_dead_letter(self, envelope: dict[str, Any], reason: str) -> str:
        """Keep an event whose flow failed, with the reason; returns its dead-letter id."""
        event_id = envelope["detail"].get("eventId", uuid.uuid4().hex)
        dl_id = f"{utcnow()}#{event_id}"
        self.table.put(Put({"PK": "DEADLETTER", "SK": dl_id, "envelope": envelope,
                            "reason": reason[:2000], "createdAt": utcnow()}))  # fmt: skip
        return dl_id

    def dead_letters(self) -> list[dict[str, Any]]:
        return [{"id": r["SK"], **strip_keys(r)} for r in self.table.query("DEADLETTER")]

    def remove_dead_letter(self, dl_id: str) -> None:
        self.table.delete("DEADLETTER", dl_id)
