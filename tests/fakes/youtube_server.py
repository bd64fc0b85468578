"""A real YouTube Data API v3 + upload API + OAuth token endpoint on 127.0.0.1 (ephemeral
port, background thread) for the video tests. Every request is recorded::

    with FakeYouTubeServer(videos=[make_video("a1", views=10)]) as yt:
        settings = make_settings(home, **yt.settings_overrides())

Served: ``POST /token`` (refresh-token grant), ``GET /youtube/v3/videos`` (``chart=mostPopular``
or ``id=``, paged), ``GET /youtube/v3/search`` (title match, by views, paged),
``POST /upload/youtube/v3/videos?uploadType=resumable`` (a session), ``PUT`` to the session
(chunks with ``Content-Range``; ``bytes */total`` asks where it stands; ``308`` with
``Range``), ``POST /upload/youtube/v3/thumbnails/set`` and ``POST /upload/youtube/v3/captions``.

Faults: ``chunk_faults`` maps the n-th chunk PUT (1-based, counted over the server's life) to
``"503"`` (answered 503, bytes dropped), ``"cut"`` (``cut_bytes`` of the body are read, the
256 KiB-aligned part of them is kept as real servers do, and the connection is dropped with
no answer) or ``"expire"`` (404: the session is gone). ``api_failures`` are ``(status,
reason)`` answered, with Google's error body, to the next Data API calls and upload POSTs
(session starts, thumbnails, captions); :meth:`revoke_tokens` makes every access token issued so far answer 401.
"""

from __future__ import annotations

import itertools
import json
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tests.fakes.faults import reset_connection

UNIT = 256 * 1024
DEFAULT_CREDENTIALS = {"client_id": "fake-client", "client_secret": "fake-client-secret",
                       "refresh_token": "fake-refresh-token"}  # fmt: skip


@dataclass(frozen=True)
class RecordedRequest:
    """One request received. ``headers`` has lower-case names; ``json`` the decoded body."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    raw: bytes
    json: Any


@dataclass
class Session:
    """A resumable upload: the resource sent at the start and the bytes held so far."""

    id: str
    resource: dict[str, Any]
    total: int
    content_type: str
    data: bytearray = field(default_factory=bytearray)
    video: dict[str, Any] | None = None  # the video resource once complete


def make_video(
    video_id: str, *, title: str = "", published_at: str = "2026-12-01T00:00:00Z",
    views: int = 0, likes: int | None = 0, comments: int = 0, tags: list[str] | None = None,
    category_id: str = "24", duration: str = "PT3M20S", channel: str = "Channel",
) -> dict[str, Any]:  # fmt: skip
    """A ``videos.list`` item (counts as strings, as the API sends them; ``likes=None``
    hides the like count as an owner may)."""
    stats = {"viewCount": str(views), "commentCount": str(comments)}
    if likes is not None:
        stats["likeCount"] = str(likes)
    return {
        "kind": "youtube#video", "id": video_id,
        "snippet": {"title": title or f"Video {video_id}", "channelTitle": channel,
                    "channelId": f"UC{channel}", "publishedAt": published_at,
                    "tags": tags or [], "categoryId": category_id},
        "statistics": stats, "contentDetails": {"duration": duration},
    }  # fmt: skip


def google_error(status: int, reason: str, message: str = "") -> dict[str, Any]:
    text = message or f"The request failed: {reason}."
    return {"error": {"code": status, "message": text, "errors": [
        {"domain": "youtube.quota" if "uota" in reason else "global", "reason": reason,
         "message": text}]}}  # fmt: skip


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeYouTubeServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # dropped connections are the point of some tests


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server
    timeout = 30

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib name
        pass

    def do_GET(self) -> None:
        self.server.fake._handle(self, "GET")

    def do_POST(self) -> None:
        self.server.fake._handle(self, "POST")

    def do_PUT(self) -> None:
        self.server.fake._handle(self, "PUT")


@dataclass(kw_only=True, eq=False)
class FakeYouTubeServer:
    """The fake (see the module). Observed: ``requests``, ``sessions``, ``uploaded`` (video id
    to bytes), ``thumbnails``, ``captions``, ``tokens_issued``."""

    videos: list[dict[str, Any]] = field(default_factory=list)
    api_key: str = "fake-api-key"
    credentials: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_CREDENTIALS))
    token_lifetime: int = 3600
    chunk_faults: dict[int, str] = field(default_factory=dict)
    cut_bytes: int = UNIT + UNIT // 2
    api_failures: list[tuple[int, str]] = field(default_factory=list)
    requests: list[RecordedRequest] = field(default_factory=list, init=False)
    sessions: dict[str, Session] = field(default_factory=dict, init=False)
    uploaded: dict[str, bytes] = field(default_factory=dict, init=False)
    thumbnails: dict[str, bytes] = field(default_factory=dict, init=False)
    captions: dict[str, list[tuple[dict[str, Any], bytes]]] = field(
        default_factory=dict, init=False
    )
    tokens_issued: int = field(default=0, init=False)
    chunk_puts: int = field(default=0, init=False)
    _valid_tokens: set[str] = field(default_factory=set, init=False, repr=False)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1), init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)
    _httpd: _Server | None = field(default=None, init=False, repr=False)
    _thread: threading.Thread | None = field(default=None, init=False, repr=False)

    # ----------------------------------------------------------------------- lifecycle

    def start(self) -> FakeYouTubeServer:
        httpd = _Server(("127.0.0.1", 0), _Handler)
        httpd.fake = self
        self._httpd = httpd
        self._thread = threading.Thread(target=httpd.serve_forever, name="fake-youtube",
                                        kwargs={"poll_interval": 0.05}, daemon=True)  # fmt: skip
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> FakeYouTubeServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        if self._httpd is None:
            raise RuntimeError("the fake YouTube server is not running")
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def settings_overrides(
        self, *, api_key: bool = True, oauth: bool = True, **extra: Any
    ) -> dict[str, Any]:
        """Settings that point the YouTube clients here, with working credentials."""
        values: dict[str, Any] = {
            "youtube_api_url": f"{self.url}/youtube/v3", "youtube_upload_url":
            f"{self.url}/upload/youtube/v3", "youtube_token_url": f"{self.url}/token",
        }  # fmt: skip
        if api_key:
            values["youtube_api_key"] = self.api_key
        if oauth:
            values.update({f"youtube_{k}": v for k, v in self.credentials.items()})
        values.update(extra)
        return values

    def revoke_tokens(self) -> None:
        """Every access token issued so far is refused from now on (401)."""
        with self._lock:
            self._valid_tokens.clear()

    def paths(self, method: str | None = None) -> list[str]:
        return [r.path for r in self.requests if method is None or r.method == method]

    @property
    def chunk_requests(self) -> list[RecordedRequest]:
        """Upload PUTs that carried bytes (not status queries)."""
        return [r for r in self.requests if r.method == "PUT"
                and not r.headers.get("content-range", "").startswith("bytes */")]  # fmt: skip

    # ----------------------------------------------------------------------- dispatch

    def _handle(self, h: _Handler, method: str) -> None:
        parts = urlsplit(h.path)
        path, query = parts.path, dict(parse_qsl(parts.query))
        headers = {k.lower(): v for k, v in h.headers.items()}
        length = int(headers.get("content-length") or 0)
        fault = None
        if method == "PUT" and not headers.get("content-range", "").startswith("bytes */"):
            with self._lock:
                self.chunk_puts += 1
                fault = self.chunk_faults.pop(self.chunk_puts, None)
        if fault == "cut":
            raw = h.rfile.read(min(self.cut_bytes, length))
            self._record(method, path, query, headers, raw)
            session = self.sessions.get(query.get("upload_id", ""))
            if session is not None:  # keep what arrived, in whole 256 KiB units
                session.data += raw[: len(raw) // UNIT * UNIT]
            return reset_connection(h)
        raw = h.rfile.read(length) if length else b""
        self._record(method, path, query, headers, raw)
        if path == "/token" and method == "POST":
            return self._token(h, raw)
        if path.startswith("/youtube/v3/") or method == "POST" and path.startswith("/upload/"):
            with self._lock:
                failure = self.api_failures.pop(0) if self.api_failures else None
            if failure is not None:
                return self._send(h, failure[0], google_error(*failure))
        if not self._authorised(headers, query, write=path.startswith("/upload/")):
            return self._send(h, 401, google_error(401, "authError", "Invalid Credentials"))
        if fault == "503":
            return self._send(h, 503, google_error(503, "backendError"))
        if fault == "expire":
            self.sessions.pop(query.get("upload_id", ""), None)
            return self._send(h, 404, google_error(404, "notFound", "Upload session expired"))
        route = {("GET", "/youtube/v3/videos"): self._videos,
                 ("GET", "/youtube/v3/search"): self._search,
                 ("POST", "/upload/youtube/v3/videos"): self._start,
                 ("PUT", "/upload/youtube/v3/videos"): self._chunk,
                 ("POST", "/upload/youtube/v3/thumbnails/set"): self._thumbnail,
                 ("POST", "/upload/youtube/v3/captions"): self._captions}.get((method, path))  # fmt: skip
        if route is None:
            return self._send(h, 404, google_error(404, "notFound"))
        return route(h, query, headers, raw)

    def _record(self, method: str, path: str, query: dict[str, str], headers: dict[str, str],
                raw: bytes) -> None:  # fmt: skip
        try:
            decoded = json.loads(raw) if raw and "json" in headers.get("content-type", "") else None
        except ValueError:
            decoded = None
        with self._lock:
            self.requests.append(RecordedRequest(method, path, query, headers, raw, decoded))

    def _authorised(self, headers: dict[str, str], query: dict[str, str], *, write: bool) -> bool:
        token = headers.get("authorization", "").removeprefix("Bearer ")
        with self._lock:
            if token and token in self._valid_tokens:
                return True
        return not write and query.get("key") == self.api_key

    # ----------------------------------------------------------------------- OAuth

    def _token(self, h: _Handler, raw: bytes) -> None:
        form = dict(parse_qsl(raw.decode()))
        wanted = dict(self.credentials, grant_type="refresh_token")
        if any(form.get(k) != v for k, v in wanted.items()):
            return self._send(h, 400, {"error": "invalid_grant",
                                       "error_description": "Token has been expired or revoked."})  # fmt: skip
        with self._lock:
            self.tokens_issued += 1
            token = f"ya29.fake-{self.tokens_issued}"
            self._valid_tokens.add(token)
        self._send(h, 200, {"access_token": token, "expires_in": self.token_lifetime,
                            "token_type": "Bearer", "scope": "https://www.googleapis.com/auth/youtube.upload"})  # fmt: skip

    # ----------------------------------------------------------------------- Data API

    def _page(self, h: _Handler, query: dict[str, str], items: list[Any], kind: str) -> None:
        start = int(query.get("pageToken") or 0)
        size = max(1, min(50, int(query.get("maxResults") or 5)))
        page = items[start : start + size]
        body: dict[str, Any] = {"kind": kind, "items": page,
                                "pageInfo": {"totalResults": len(items), "resultsPerPage": size}}  # fmt: skip
        if start + size < len(items):
            body["nextPageToken"] = str(start + size)
        self._send(h, 200, body)

    def _videos(self, h: _Handler, query: dict[str, str], *_: Any) -> None:
        if query.get("chart") == "mostPopular":
            items = [v for v in self.videos if query.get("videoCategoryId") in
                     (None, v["snippet"]["categoryId"])]  # fmt: skip
            items.sort(key=lambda v: -int(v["statistics"]["viewCount"]))
            return self._page(h, query, items, "youtube#videoListResponse")
        if "id" in query:
            ids = query["id"].split(",")
            if len(ids) > 50:
                return self._send(h, 400, google_error(400, "tooManyIds"))
            known = {v["id"]: v for v in self.videos}
            items = [known[i] for i in ids if i in known]
            return self._send(h, 200, {"kind": "youtube#videoListResponse", "items": items})
        return self._send(h, 400, google_error(400, "missingRequiredParameter"))

    def _search(self, h: _Handler, query: dict[str, str], *_: Any) -> None:
        if query.get("type") != "video" or "q" not in query:
            return self._send(h, 400, google_error(400, "invalidSearchFilter"))
        words = query["q"].lower()
        after = query.get("publishedAfter", "")
        items = [v for v in self.videos if words in v["snippet"]["title"].lower()
                 and v["snippet"]["publishedAt"] >= after]  # fmt: skip
        items.sort(key=lambda v: -int(v["statistics"]["viewCount"]))
        hits = [{"kind": "youtube#searchResult", "id": {"kind": "youtube#video", "videoId": v["id"]},
                 "snippet": {"title": v["snippet"]["title"]}} for v in items]  # fmt: skip
        self._page(h, query, hits, "youtube#searchListResponse")

    # ----------------------------------------------------------------------- uploads

    def _start(
        self, h: _Handler, query: dict[str, str], headers: dict[str, str], raw: bytes
    ) -> None:
        if query.get("uploadType") != "resumable":
            return self._send(h, 400, google_error(400, "badRequest", "uploadType=resumable only"))
        try:
            resource = json.loads(raw)
            total = int(headers["x-upload-content-length"])
        except (ValueError, KeyError):
            return self._send(h, 400, google_error(400, "badRequest", "metadata or length"))
        sid = f"session-{next(self._ids)}"
        self.sessions[sid] = Session(sid, resource, total, headers.get("x-upload-content-type", ""))
        where = f"{self.url}/upload/youtube/v3/videos?uploadType=resumable&upload_id={sid}"
        self._send(h, 200, b"", {"Location": where})

    def _chunk(
        self, h: _Handler, query: dict[str, str], headers: dict[str, str], raw: bytes
    ) -> None:
        session = self.sessions.get(query.get("upload_id", ""))
        if session is None:
            return self._send(h, 404, google_error(404, "notFound", "Upload session expired"))
        spec = headers.get("content-range", "").removeprefix("bytes ")
        if not spec.startswith("*/"):
            first = int(spec.split("-", 1)[0])
            if first != len(session.data):  # the protocol: resume where the server stands
                return self._send(h, 400, google_error(400, "badContentRange",
                                  f"expected bytes from {len(session.data)}, got {first}"))  # fmt: skip
            session.data += raw
        if session.video is None and len(session.data) == session.total:
            session.video = self._finish(session)
        if session.video is not None:
            return self._send(h, 201, session.video)
        extra = {"Range": f"bytes=0-{len(session.data) - 1}"} if session.data else {}
        self._send(h, 308, b"", extra)

    def _finish(self, session: Session) -> dict[str, Any]:
        vid = f"fakevid{next(self._ids):04d}"
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        snippet = dict(session.resource.get("snippet") or {}, publishedAt=now, channelTitle="Fake")
        video = {"kind": "youtube#video", "id": vid, "snippet": snippet,
                 "status": dict(session.resource.get("status") or {}, uploadStatus="uploaded"),
                 "statistics": {"viewCount": "0", "likeCount": "0", "commentCount": "0"}}  # fmt: skip
        self.uploaded[vid] = bytes(session.data)
        self.videos.append(video)
        return video

    def _thumbnail(
        self, h: _Handler, query: dict[str, str], headers: dict[str, str], raw: bytes
    ) -> None:
        vid = query.get("videoId", "")
        if vid not in self.uploaded:
            return self._send(h, 404, google_error(404, "videoNotFound"))
        self.thumbnails[vid] = raw
        self._send(h, 200, {"kind": "youtube#thumbnailSetResponse", "items": [
            {"default": {"url": f"{self.url}/vi/{vid}/default.jpg"}}]})  # fmt: skip

    def _captions(
        self, h: _Handler, query: dict[str, str], headers: dict[str, str], raw: bytes
    ) -> None:
        boundary = headers.get("content-type", "").partition("boundary=")[2]
        parts = [p for p in raw.split(f"--{boundary}".encode()) if p.strip(b"-\r\n")]
        if query.get("uploadType") != "multipart" or len(parts) != 2:
            return self._send(h, 400, google_error(400, "badRequest", "multipart expected"))
        meta = json.loads(parts[0].partition(b"\r\n\r\n")[2])
        content = parts[1].partition(b"\r\n\r\n")[2].removesuffix(b"\r\n")
        vid = meta.get("snippet", {}).get("videoId", "")
        self.captions.setdefault(vid, []).append((meta, content))
        self._send(
            h, 200, {"kind": "youtube#caption", "id": f"cap-{vid}", "snippet": meta["snippet"]}
        )

    def _send(self, h: _Handler, status: int, body: bytes | dict[str, Any],
              headers: dict[str, str] | None = None) -> None:  # fmt: skip
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        try:
            h.send_response(status)
            if not isinstance(body, bytes):
                h.send_header("Content-Type", "application/json; charset=UTF-8")
            h.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                h.send_header(name, value)
            h.end_headers()
            h.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass
