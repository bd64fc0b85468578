"""The single-table key design (SPEC §5), expressed once on top of :class:`ItemTable`.

=====================  ============================  ==========================  =======================
item                   PK | SK                       GSI1PK | GSI1SK             GSI2PK | GSI2SK
=====================  ============================  ==========================  =======================
user profile           USER#u | PROFILE              USER#u | PROFILE
preferences            USER#u | PREFERENCES#ts       USER#u | PREFERENCES#ts
story                  USER#u | STORY#s              STORY#s | METADATA          STATUS#x | createdAt
episode                STORY#s | EPISODE#nnn         EPISODE#e | METADATA        STATUS#x | createdAt
panel image version    STORY#s | EPISODE#nnn#PANEL#ppp#V#vvvv
request                USER#u | REQUEST#r            REQUEST#r | STATUS          STATUS#x | createdAt
batch of stories       USER#u | BATCH#b              BATCH#b | METADATA
usage of a request     REQUEST#r | USAGE#ts#id
insights cache         INSIGHTS#fingerprint | LATEST
event claim            EVENT#id | CLAIM
dead letter            DEADLETTER | ts#eventId
=====================  ============================  ==========================  =======================
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping
from typing import Any

from mangaflow.manga.domain.preferences import Preferences
from mangaflow.platform.errors import ConditionFailed, NotFound
from mangaflow.platform.ports import ItemTable, Put, Usage
from mangaflow.platform.requests.model import (
    TERMINAL,
    GenerationRequest,
    RequestStatus,
    Stage,
    utcnow,
)

_KEYS = ("PK", "SK", "GSI1PK", "GSI1SK", "GSI2PK", "GSI2SK")


def _strip(item: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in item.items() if k not in _KEYS}


def episode_sk(number: int) -> str:
    return f"EPISODE#{number:03d}"


class Repository:
    """Reads and writes MangaFlow's records; the only code that knows the key design."""

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

    # ------------------------------------------------------------- preferences
    def preferences_item(self, user_id: str, prefs: Preferences, ts: str) -> dict[str, Any]:
        sk = f"PREFERENCES#{ts}"
        return {
            "PK": f"USER#{user_id}", "SK": sk, "GSI1PK": f"USER#{user_id}", "GSI1SK": sk,
            "preferences": prefs.wire(), "insights": None, "createdAt": ts,
        }  # fmt: skip

    def latest_preferences(self, user_id: str) -> Preferences | None:
        rows = self.table.query(f"USER#{user_id}", "PREFERENCES#", descending=True, limit=1)
        return Preferences.model_validate(rows[0]["preferences"]) if rows else None

    def save_insights(
        self, user_id: str, prefs_ts: str, prefs: Preferences, insights: dict[str, Any],
        *, cache: bool = True,
    ) -> None:  # fmt: skip
        """Store insights with the preferences they answer; ``cache`` also keeps them as the
        fallback for the same preferences later."""
        item = self.table.get(f"USER#{user_id}", f"PREFERENCES#{prefs_ts}")
        if item is not None:
            item["insights"] = insights
            self.table.put(Put(item))
        if not cache:
            return
        self.table.put(
            Put({"PK": f"INSIGHTS#{prefs.fingerprint()}", "SK": "LATEST", "insights": insights,
                 "updatedAt": utcnow()})
        )  # fmt: skip

    def cached_insights(self, prefs: Preferences) -> dict[str, Any] | None:
        item = self.table.get(f"INSIGHTS#{prefs.fingerprint()}", "LATEST")
        return item["insights"] if item else None

    # ---------------------------------------------------------------- requests
    def request_item(self, req: GenerationRequest, extra: dict[str, Any]) -> dict[str, Any]:
        return {
            "PK": f"USER#{req.user_id}", "SK": f"REQUEST#{req.request_id}",
            "GSI1PK": f"REQUEST#{req.request_id}", "GSI1SK": "STATUS",
            "GSI2PK": f"STATUS#{req.status}", "GSI2SK": req.created_at,
            **req.model_dump(mode="json"), **extra,
        }  # fmt: skip

    def create_request(
        self, req: GenerationRequest, prefs: Preferences | None = None
    ) -> GenerationRequest:
        """Store a new request (with the preferences it was made from) atomically."""
        ops = []
        extra: dict[str, Any] = {}
        if prefs is not None:
            pitem = self.preferences_item(req.user_id, prefs, req.created_at)
            ops.append(Put(pitem))
            extra = {"preferences": prefs.wire(), "preferencesTs": req.created_at}
        ops.append(Put(self.request_item(req, extra), if_not_exists=True))
        self.table.transact(ops)
        return req

    def _request_raw(self, request_id: str) -> dict[str, Any]:
        rows = self.table.query(f"REQUEST#{request_id}", "STATUS", index="GSI1", limit=1)
        if not rows:
            raise NotFound(f"no request {request_id}")
        return rows[0]

    def get_request(self, request_id: str, user_id: str | None = None) -> GenerationRequest:
        raw = self._request_raw(request_id)
        if user_id is not None and raw["user_id"] != user_id:
            raise NotFound(f"no request {request_id}")
        return GenerationRequest.model_validate(raw)

    def request_preferences(self, request_id: str) -> tuple[Preferences, str]:
        raw = self._request_raw(request_id)
        if not raw.get("preferences"):
            raise NotFound(f"request {request_id} carries no preferences")
        return Preferences.model_validate(raw["preferences"]), raw.get("preferencesTs", "")

    def update_request(
        self, request_id: str, expect: Mapping[str, Any] | None = None, **changes: Any
    ) -> GenerationRequest:
        """Read-modify-write with an optimistic check on a revision counter, retried on a lost
        race. With ``expect``, raises ``ConditionFailed`` instead of writing
        once any of those attributes differs."""
        for _ in range(20):
            raw = self._request_raw(request_id)
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

    def touch_request(self, request_id: str, running: bool = True) -> bool:
        """Record a heartbeat (``running``: a flow is at work on it) on an unfinished request.
        One write, made only if nothing else wrote the request since it was read; False
        (nothing written) when it has finished or changed meanwhile."""
        raw = self._request_raw(request_id)
        full = self.table.get(raw["PK"], raw["SK"]) or raw
        if full.get("status") in TERMINAL:
            return False
        full["heartbeat_at"] = utcnow()
        full["running"] = running
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
            })
        )  # fmt: skip

    def usage_summary(self, request_id: str) -> dict[str, dict[str, float]]:
        """Usage per ``kind/provider`` for a request."""
        out: dict[str, dict[str, float]] = {}
        for row in self.table.query(f"REQUEST#{request_id}", "USAGE#"):
            agg = out.setdefault(f"{row['kind']}/{row['provider']}", dict.fromkeys(
                ("calls", "input_tokens", "output_tokens", "images", "cost_usd"), 0))  # fmt: skip
            for k in agg:
                agg[k] = round(agg[k] + row.get(k, 0), 6)
        return out

    # ----------------------------------------------------------------- stories
    def save_story(self, user_id: str, story_id: str, record: dict[str, Any]) -> None:
        now = utcnow()
        item = {
            "PK": f"USER#{user_id}", "SK": f"STORY#{story_id}", "GSI1PK": f"STORY#{story_id}",
            "GSI1SK": "METADATA", "GSI2PK": f"STATUS#{record.get('status', 'COMPLETED')}",
            "GSI2SK": record.get("createdAt", now), "storyId": story_id, "userId": user_id,
            "createdAt": now, "updatedAt": now, **record,
        }  # fmt: skip
        self.table.put(Put(item))

    def get_story(self, story_id: str, user_id: str | None = None) -> dict[str, Any]:
        rows = self.table.query(f"STORY#{story_id}", "METADATA", index="GSI1", limit=1)
        if not rows or (user_id is not None and rows[0]["userId"] != user_id):
            raise NotFound(f"no story {story_id}")
        return _strip(rows[0])

    def list_stories(self, user_id: str) -> list[dict[str, Any]]:
        rows = self.table.query(f"USER#{user_id}", "STORY#")
        return sorted((_strip(r) for r in rows), key=lambda r: r["createdAt"], reverse=True)

    # ---------------------------------------------------------------- episodes
    def claim_episode_number(self, story_id: str, user_id: str, number: int | None = None) -> int:
        """Reserve the next (or the given) episode number; concurrent callers get distinct ones."""
        for _ in range(50):
            n = number or self.next_episode_number(story_id)
            item = {
                "PK": f"STORY#{story_id}", "SK": episode_sk(n), "storyId": story_id,
                "userId": user_id, "number": n, "status": "GENERATING", "createdAt": utcnow(),
            }  # fmt: skip
            try:
                self.table.put(Put(item, if_not_exists=True))
                return n
            except ConditionFailed:
                if number is not None:
                    return number  # already claimed (a retried run): reuse it
        raise ConditionFailed(f"could not claim an episode number for story {story_id}")

    def claim_panel_version(self, story_id: str, number: int, panel: int) -> int:
        """Reserve the next image version of a panel (v1 is the original drawing);
        concurrent regenerations get distinct versions."""
        pk = f"STORY#{story_id}"
        prefix = f"{episode_sk(number)}#PANEL#{panel:03d}#V#"
        for _ in range(50):
            rows = self.table.query(pk, prefix, descending=True, limit=1)
            version = int(rows[0]["version"]) + 1 if rows else 2
            try:
                self.table.put(Put({"PK": pk, "SK": f"{prefix}{version:04d}", "version": version,
                                    "createdAt": utcnow()}, if_not_exists=True))  # fmt: skip
                return version
            except ConditionFailed:
                continue
        raise ConditionFailed(f"could not claim a new version of panel {panel}")

    def next_episode_number(self, story_id: str) -> int:
        numbers = [e["number"] for e in self.list_episodes(story_id)]
        return max(numbers) + 1 if numbers else 1

    def save_episode(self, story_id: str, number: int, record: dict[str, Any]) -> None:
        current = self.table.get(f"STORY#{story_id}", episode_sk(number)) or {}
        now = utcnow()
        item = {
            **current, **record, "PK": f"STORY#{story_id}", "SK": episode_sk(number),
            "GSI1PK": f"EPISODE#{record['episodeId']}", "GSI1SK": "METADATA",
            "GSI2PK": f"STATUS#{record.get('status', current.get('status', 'GENERATING'))}",
            "GSI2SK": current.get("createdAt", now), "storyId": story_id, "number": number,
            "createdAt": current.get("createdAt", now), "updatedAt": now,
        }  # fmt: skip
        self.table.put(Put(item))

    def update_episode(self, episode_id: str, **changes: Any) -> dict[str, Any]:
        ep = self.get_episode(episode_id)
        self.save_episode(ep["storyId"], ep["number"], {**ep, **changes})
        return self.get_episode(episode_id)

    def get_episode(self, episode_id: str, user_id: str | None = None) -> dict[str, Any]:
        rows = self.table.query(f"EPISODE#{episode_id}", "METADATA", index="GSI1", limit=1)
        if not rows or (user_id is not None and rows[0].get("userId") != user_id):
            raise NotFound(f"no episode {episode_id}")
        return _strip(rows[0])

    def list_episodes(self, story_id: str) -> list[dict[str, Any]]:
        rows = self.table.query(f"STORY#{story_id}", "EPISODE#")
        return [_strip(r) for r in rows if "#PANEL#" not in r["SK"]]

    # ----------------------------------------------------------------- batches
    def create_batch(self, user_id: str, batch_id: str, record: dict[str, Any]) -> dict[str, Any]:
        """Store a new batch (status PENDING, no story outcomes yet)."""
        now = utcnow()
        item = {
            "PK": f"USER#{user_id}", "SK": f"BATCH#{batch_id}", "GSI1PK": f"BATCH#{batch_id}",
            "GSI1SK": "METADATA", "batchId": batch_id, "userId": user_id, "status": "PENDING",
            "stories": [], "error": None, "createdAt": now, "updatedAt": now, "version": 0,
            **record,
        }  # fmt: skip
        self.table.put(Put(item, if_not_exists=True))
        return _strip(item)

    def get_batch(self, batch_id: str, user_id: str | None = None) -> dict[str, Any]:
        rows = self.table.query(f"BATCH#{batch_id}", "METADATA", index="GSI1", limit=1)
        if not rows or (user_id is not None and rows[0]["userId"] != user_id):
            raise NotFound(f"no batch {batch_id}")
        return _strip(rows[0])

    def update_batch(
        self, batch_id: str, *, story: dict[str, Any] | None = None, **changes: Any
    ) -> dict[str, Any]:
        """Change a batch; ``story`` replaces the outcome with the same ``index`` (or adds it),
        keeping outcomes in index order. Optimistic check on ``version``, retried on a race."""
        for _ in range(20):
            raw = self.table.query(f"BATCH#{batch_id}", "METADATA", index="GSI1", limit=1)
            if not raw:
                raise NotFound(f"no batch {batch_id}")
            full = self.table.get(raw[0]["PK"], raw[0]["SK"]) or raw[0]
            before = full.get("version", 0)
            full.update(changes)
            if story is not None:
                others = [s for s in full.get("stories", []) if s["index"] != story["index"]]
                full["stories"] = sorted([*others, story], key=lambda s: int(s["index"]))
            full["version"] = before + 1
            full["updatedAt"] = utcnow()
            try:
                self.table.put(Put(full, if_equals={"version": before}))
            except ConditionFailed:
                time.sleep(0.01)
                continue
            return _strip(full)
        raise ConditionFailed(f"batch {batch_id} kept changing; update abandoned")

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
        return [{"id": r["SK"], **_strip(r)} for r in self.table.query("DEADLETTER")]

    def remove_dead_letter(self, dl_id: str) -> None:
        self.table.delete("DEADLETTER", dl_id)
