"""A fake Qloo Insights API: a real HTTP server on 127.0.0.1 (ephemeral port, background
thread), scriptable per test.

::

    with FakeQloo(required_key="k", forbidden_types={"urn:entity:book"}) as qloo:
        settings = Settings(qloo_base_url=qloo.url, qloo_api_key="k", ...)
        ...
        assert qloo.requests[0].params["filter.type"] == "urn:entity:book"

Answers, in this order of precedence:

* ``down=True`` → 500 to every request;
* ``fail_with=[500, 503, 0, ...]`` → the next requests get these statuses, one each (``0``:
  answer that request normally);
* ``delay=seconds`` → wait before answering (client timeouts);
* a missing or wrong ``x-api-key`` → 401;
* a path other than ``/v2/insights`` → 404; no ``filter.type`` → 400;
* ``filter.type`` in ``forbidden_types`` → 403;
* otherwise 200 with Qloo-shaped JSON: ``{"success": true, "results": {"entities": [...]}}``
  whose entities carry ``name``, ``entity_id``, ``type``/``subtype``, ``popularity``,
  ``query.affinity`` and ``tags[]`` (``tag_id``, ``name``, ``type``) — the requested
  ``filter.tags`` spread over the entities plus a few keyword tags. ``entities=[...]``
  replaces the generated list (``[]`` for an empty answer).
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

INSIGHTS_PATH = "/v2/insights"

#: Made-up titles per entity type, with keyword tags (name, slug) for each.
CATALOGUE: dict[str, list[tuple[str, list[tuple[str, str]]]]] = {
    "urn:entity:book": [
        ("The Lantern Swordsmith", [("Found Family", "found_family"), ("Training", "training")]),
        ("Ashes of the Ninth Gate", [("Rivalry", "rivalry"), ("Found Family", "found_family")]),
        ("Moonlit Courier", [("Training", "training"), ("Quest", "quest")]),
        ("Paper Crane Academy", [("Found Family", "found_family"), ("School", "school")]),
    ],
    "urn:entity:tv_show": [
        ("Skyline Vanguard", [("Rivalry", "rivalry"), ("Mecha Pilots", "mecha_pilots")]),
        ("Harbor Lights", [("Found Family", "found_family")]),
    ],
    "urn:entity:movie": [
        ("Last Train to Kyoto Bay", [("Road Trip", "road_trip"), ("Found Family", "found_family")]),
    ],
    "urn:entity:video_game": [
        ("Chrono Ronin", [("Time Travel", "time_travel"), ("Rivalry", "rivalry")]),
    ],
}


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the server saw it (header names lower-cased)."""

    method: str
    path: str
    params: dict[str, str]
    headers: dict[str, str]
    raw_query: str


def _tag(tag_id: str, name: str | None = None) -> dict[str, str]:
    prefix, _, slug = tag_id.rpartition(":")
    return {"tag_id": tag_id, "name": name or slug.replace("_", " ").title(), "type": prefix}


def qloo_entity(
    name: str,
    entity_type: str = "urn:entity:book",
    *,
    popularity: float | None = 0.9,
    affinity: float | None = None,
    tags: Iterable[str | tuple[str, str]] = (),
) -> dict[str, Any]:
    """A Qloo-shaped entity; ``tags`` are tag ids or ``(tag_id, name)`` pairs."""
    entity: dict[str, Any] = {
        "name": name,
        "entity_id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{entity_type}/{name}")).upper(),
        "type": "urn:entity",
        "subtype": entity_type,
        "properties": {"description": f"{name}: a {entity_type.rsplit(':', 1)[-1]}."},
        "tags": [_tag(t) if isinstance(t, str) else _tag(*t) for t in tags],
    }
    if popularity is not None:
        entity["popularity"] = popularity
    if affinity is not None:
        entity["query"] = {"affinity": affinity}
    return entity


def generated_entities(entity_type: str, filter_tags: list[str], take: int) -> list[dict[str, Any]]:
    """Deterministic entities for a query: entity ``i`` carries requested tag ``i`` (mod n)."""
    rows = CATALOGUE.get(entity_type, [])[:take]
    out = []
    for i, (name, keywords) in enumerate(rows):
        tags: list[str | tuple[str, str]] = []
        if filter_tags:
            tags.append(filter_tags[i % len(filter_tags)])
        tags += [(f"urn:tag:keyword:media:{slug}", label) for label, slug in keywords]
        out.append(
            qloo_entity(
                name, entity_type, popularity=round(0.95 - 0.05 * i, 3),
                affinity=round(0.9 - 0.1 * i, 3), tags=tags,
            )
        )  # fmt: skip
    return out


@dataclass
class FakeQloo:
    """The fake server; start it with ``with FakeQloo(...) as qloo`` (or ``start()``/``stop()``).
    Every attribute may be changed while it runs."""

    required_key: str = "test-qloo-key"
    forbidden_types: set[str] = field(default_factory=set)
    fail_with: list[int] = field(default_factory=list)
    down: bool = False
    delay: float = 0.0
    entities: list[dict[str, Any]] | None = None
    requests: list[RecordedRequest] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> FakeQloo:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                status, body = fake._answer(self)
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                # the client may have given up (timeout) before the answer
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:  # quiet
                return

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        server.block_on_close = False
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="fake-qloo",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> FakeQloo:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:54321`` (set ``qloo_base_url`` to it)."""
        if self._server is None:
            raise RuntimeError("FakeQloo is not running")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    # ------------------------------------------------------------------ inspection

    @property
    def request_count(self) -> int:
        with self._lock:
            return len(self.requests)

    def requested_types(self) -> list[str]:
        """``filter.type`` of each request, in arrival order."""
        with self._lock:
            return [r.params.get("filter.type", "") for r in self.requests]

    def reset(self) -> None:
        """Forget recorded requests and scripted failures."""
        with self._lock:
            self.requests.clear()
            self.fail_with.clear()

    # ------------------------------------------------------------------ answering

    def _answer(self, handler: BaseHTTPRequestHandler) -> tuple[int, dict[str, Any]]:
        split = urlsplit(handler.path)
        params = {k: v[-1] for k, v in parse_qs(split.query, keep_blank_values=True).items()}
        headers = {k.lower(): v for k, v in handler.headers.items()}
        with self._lock:
            self.requests.append(
                RecordedRequest(handler.command, split.path, params, headers, split.query)
            )
            scripted = self.fail_with.pop(0) if self.fail_with and not self.down else None
        if self.delay:
            time.sleep(self.delay)
        if self.down:
            return 500, {"errors": [{"message": "internal server error"}]}
        if scripted:
            return scripted, {"errors": [{"message": f"scripted failure {scripted}"}]}
        if headers.get("x-api-key") != self.required_key:
            return 401, {"error": {"code": "unauthorized", "message": "invalid API key"}}
        if split.path.rstrip("/") != INSIGHTS_PATH:
            return 404, {"errors": [{"message": f"no route {split.path}"}]}
        entity_type = params.get("filter.type")
        if not entity_type:
            return 400, {"errors": [{"message": "filter.type is required"}]}
        if entity_type in self.forbidden_types:
            return 403, {"error": {"code": "forbidden",
                                   "message": f"this key may not query {entity_type}"}}  # fmt: skip
        take = int(params.get("take", "20") or 20)
        tags = [t for t in params.get("filter.tags", "").split(",") if t]
        entities = (
            [dict(e) for e in self.entities][:take]
            if self.entities is not None
            else generated_entities(entity_type, tags, take)
        )
        return 200, {"success": True, "results": {"entities": entities}, "duration": 12}
