"""Loopback fakes of the three services the catalog's enrichers ask, on one HTTP server
(127.0.0.1, ephemeral port, background thread), one path prefix each:

* ``POST /anilist``        AniList GraphQL: ``Media(id | idMal)`` → ``{"data": {"Media": ...}}``;
  an unknown id is AniList's 404 (``{"errors": [...], "data": {"Media": null}}``).
* ``GET /jikan/anime/<id>``  Jikan v4: ``{"data": {"mal_id", "url", "synopsis", "genres",
  "score", "broadcast", "episodes", "status", ...}}``.
* ``GET /kitsu/anime/<id>``  Kitsu JSON:API with ``included`` categories.

Every id is known except those in ``missing`` (404). ``script[service]`` holds answers
``(status, headers, body)`` given, one each, to that service's next requests before the
normal answer; ``requests`` records ``(service, method, path, body, monotonic time)``.

::

    with AnimeServices() as fake:
        settings = make_settings(home, catalog_jikan_url=fake.url("jikan"))
        fake.script["jikan"] = [(429, {"Retry-After": "1"}, b"")]
        ...
        assert fake.count("jikan") == 2
"""

from __future__ import annotations

import contextlib
import json
import re
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Answer = tuple[int, dict[str, str], bytes]

#: 2026-01-03T14:00:00Z, the fake's next airing time.
NEXT_AIRING = 1767448800


@dataclass(frozen=True)
class Seen:
    service: str
    method: str
    path: str
    body: str
    at: float


def anilist_media(anilist_id: int, mal_id: int | None = None) -> dict[str, Any]:
    return {
        "id": anilist_id, "idMal": mal_id or anilist_id,
        "siteUrl": f"https://anilist.co/anime/{anilist_id}",
        "description": "A witch opens a bakery.<br><br>She meets <i>a talking cat</i> &amp; friends.",
        "genres": ["Comedy", "Slice of Life"], "averageScore": 84, "episodes": 12,
        "status": "RELEASING", "nextAiringEpisode": {"airingAt": NEXT_AIRING, "episode": 7},
        "studios": {"nodes": [{"name": "Studio Example"}]},
    }  # fmt: skip


def jikan_anime(mal_id: int) -> dict[str, Any]:
    return {
        "mal_id": mal_id, "url": f"https://myanimelist.net/anime/{mal_id}",
        "synopsis": "A witch opens a bakery.", "score": 8.12, "episodes": 12,
        "status": "Currently Airing", "title": "Bakery Witch",
        "genres": [{"mal_id": 4, "type": "anime", "name": "Comedy"},
                   {"mal_id": 36, "type": "anime", "name": "Slice of Life"}],
        "broadcast": {"day": "Saturdays", "time": "23:00", "timezone": "Asia/Tokyo",
                      "string": "Saturdays at 23:00 (JST)"},
    }  # fmt: skip


def kitsu_anime(kitsu_id: int) -> dict[str, Any]:
    return {
        "data": {
            "id": str(kitsu_id), "type": "anime",
            "attributes": {
                "slug": "bakery-witch", "synopsis": "A witch opens a bakery.",
                "averageRating": "81.25", "episodeCount": 12, "status": "current",
                "startDate": "2025-10-04",
            },
        },
        "included": [
            {"id": "1", "type": "categories", "attributes": {"title": "Comedy"}},
            {"id": "2", "type": "categories", "attributes": {"title": "Magic"}},
        ],
    }  # fmt: skip


def _json(status: int, body: Any, ctype: str = "application/json") -> Answer:
    return status, {"Content-Type": ctype}, json.dumps(body).encode()


class AnimeServices:
    def __init__(self) -> None:
        self.missing: set[int] = set()
        self.script: dict[str, list[Answer]] = {"anilist": [], "jikan": [], "kitsu": []}
        self.requests: list[Seen] = []
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode() if length else ""
                status, headers, data = fake._answer(self.command, self.path, body)
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(data)

            do_GET = do_POST = _handle  # noqa: N815

            def log_message(self, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       kwargs={"poll_interval": 0.05}, daemon=True)  # fmt: skip

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/{service}"

    def count(self, service: str) -> int:
        return sum(1 for r in self.requests if r.service == service)

    def times(self, service: str) -> list[float]:
        return [r.at for r in self.requests if r.service == service]

    def _answer(self, method: str, path: str, body: str) -> Answer:
        service = path.strip("/").split("/", 1)[0].split("?", 1)[0]
        with self._lock:
            self.requests.append(Seen(service, method, path, body, time.monotonic()))
            scripted = self.script.get(service)
            if scripted:
                return scripted.pop(0)
        if service == "anilist" and method == "POST":
            variables = json.loads(body).get("variables") or {}
            wanted = variables.get("id") or variables.get("idMal")
            if wanted is None or wanted in self.missing:
                return _json(404, {"errors": [{"message": "Not Found.", "status": 404}],
                                   "data": {"Media": None}})  # fmt: skip
            if "id" in variables:
                return _json(200, {"data": {"Media": anilist_media(wanted)}})
            return _json(200, {"data": {"Media": anilist_media(wanted + 900000, wanted)}})
        m = re.match(r"^/(jikan|kitsu)/anime/(\d+)(\?.*)?$", path)
        if m is None or method != "GET":
            return _json(404, {"error": "no such route"})
        ident = int(m.group(2))
        if ident in self.missing:
            return _json(404, {"status": 404, "error": "Not Found"})
        if m.group(1) == "jikan":
            return _json(200, {"data": jikan_anime(ident)})
        return _json(200, kitsu_anime(ident), "application/vnd.api+json")

    def __enter__(self) -> AnimeServices:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)
