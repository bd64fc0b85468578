"""A fake Amazon Polly: a real HTTP server on 127.0.0.1 (ephemeral port, background thread)
speaking Polly's REST-JSON ``SynthesizeSpeech`` (``POST /v1/speech``), so the adapter runs
through botocore's real serializer, signer and parsers. Point a client at it with
``AWS_ENDPOINT_URL_POLLY=<url>`` (and fake credentials).

moto (5.2) implements ``synthesize_speech`` but answers eight zero bytes for any audio,
accepts only the misspelt mark type ``sentance`` and refuses word marks for plain text, so
it cannot stand in for Polly here.

Answers, as Polly documents them:

* ``OutputFormat=pcm`` → signed 16-bit little-endian mono PCM at ``SampleRate`` (8000 or
  16000), tone bursts per word (:mod:`tests.fakes.audio`), ``x-amzn-RequestCharacters``;
* ``OutputFormat=json`` with ``SpeechMarkTypes`` → newline-delimited JSON marks whose
  ``start``/``end`` are **byte** offsets into ``Text`` (SSML included), timed like the
  audio of the same request;
* SSML (``TextType=ssml``): tags and entities are not spoken or billed; ``<prosody
  rate="N%">`` scales the speed;
* errors with ``x-amzn-ErrorType``: unknown ``VoiceId`` (``ValidationException`` naming
  ``voiceId``), an engine the voice lacks (``EngineNotSupportedException``), more than 3000
  billed characters (``TextLengthExceededException``), marks asked of the generative engine
  (``ValidationException``; this fake's reading of "speech marks are available for the
  neural, long-form and standard engines");
* ``fail_with=[(code, status, message), ...]`` → the next requests fail so, one each.

Every request is recorded in :attr:`FakePolly.requests`.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.fakes.audio import speak

ALL = frozenset({"standard", "neural", "long-form", "generative"})
VOICES: dict[str, frozenset[str]] = {
    "Joanna": ALL, "Matthew": ALL, "Amy": ALL, "Olivia": frozenset({"neural"}),
    "Lucia": ALL, "Lupe": ALL, "Mia": ALL, "Lea": ALL, "Gabrielle": ALL, "Vicki": ALL,
    "Bianca": ALL, "Camila": ALL, "Ines": ALL, "Takumi": frozenset({"standard", "neural"}),
    "Kazuha": frozenset({"neural"}), "Seoyeon": ALL, "Laura": ALL, "Kajal": ALL,
}  # fmt: skip
MAX_BILLED = 3000
_MARKUP = re.compile(rb"<[^>]*>|&#?\w+;")
_RATE = re.compile(r'<prosody[^>]*\brate="(\d+)%"')

Failure = tuple[str, int, str]  # (error code, HTTP status, message)


@dataclass(frozen=True)
class RecordedRequest:
    path: str
    headers: dict[str, str]
    body: Any


def spoken_text(text: str, ssml: bool) -> tuple[str, float]:
    """``text`` with SSML markup blanked out byte for byte (offsets keep their meaning), and
    the speed its ``<prosody rate>`` asks for."""
    if not ssml:
        return text, 1.0
    raw = _MARKUP.sub(lambda m: b" " * len(m.group()), text.encode())
    rate = _RATE.search(text)
    return raw.decode(), int(rate.group(1)) / 100 if rate else 1.0


@dataclass(eq=False)
class FakePolly:
    """The fake endpoint at :attr:`url`; attributes may be changed while it runs."""

    fail_with: list[Failure] = field(default_factory=list)
    requests: list[RecordedRequest] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> FakePolly:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                fake._handle(self)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                return

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, name="fake-polly",
                                        kwargs={"poll_interval": 0.05}, daemon=True)  # fmt: skip
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

    def __enter__(self) -> FakePolly:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("FakePolly is not running")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        length = int(h.headers.get("Content-Length") or 0)
        raw = h.rfile.read(length) if length else b""
        try:
            body: Any = json.loads(raw) if raw else None
        except ValueError:
            body = None
        headers = {k.lower(): v for k, v in h.headers.items()}
        with self._lock:
            self.requests.append(RecordedRequest(h.path, headers, body))
            failure = self.fail_with.pop(0) if self.fail_with else None
        if failure is not None:
            return self._error(h, *failure)
        if "AWS4-HMAC-SHA256" not in headers.get("authorization", ""):
            return self._error(h, "MissingAuthenticationTokenException", 403, "Missing token")
        if h.path.split("?")[0] != "/v1/speech" or not isinstance(body, dict):
            return self._error(h, "UnknownOperationException", 404, f"no route {h.path}")
        self._speech(h, body)

    def _speech(self, h: BaseHTTPRequestHandler, body: dict[str, Any]) -> None:
        text, voice = str(body.get("Text", "")), body.get("VoiceId")
        engine, fmt = body.get("Engine", "standard"), body.get("OutputFormat")
        if voice not in VOICES:
            return self._error(h, "ValidationException", 400, f"1 validation error detected: "
                               f"Value '{voice}' at 'voiceId' failed to satisfy constraint: "
                               "Member must satisfy enum value set")  # fmt: skip
        if engine not in VOICES[voice]:
            return self._error(h, "EngineNotSupportedException", 400,
                               f"This voice does not support the selected engine: {engine}")  # fmt: skip
        spoken, speed = spoken_text(text, body.get("TextType") == "ssml")
        billed = len(" ".join(spoken.split()))
        if billed > MAX_BILLED:
            return self._error(h, "TextLengthExceededException", 400, "Maximum text length "
                               f"has been exceeded ({billed} > {MAX_BILLED})")  # fmt: skip
        extra = {"x-amzn-RequestCharacters": str(billed)}
        if fmt == "pcm":
            rate = int(body.get("SampleRate") or 16000)
            if rate not in (8000, 16000):
                return self._error(h, "InvalidSampleRateException", 400, f"bad rate {rate}")
            pcm, _ = speak(spoken, rate, speed)
            return self._send(h, 200, pcm, "audio/pcm", extra)
        types = set(body.get("SpeechMarkTypes") or [])
        if fmt != "json" or not types or not types <= {"sentence", "ssml", "viseme", "word"}:
            return self._error(h, "MarksNotSupportedForFormatException", 400, "bad marks request")
        if engine == "generative":
            return self._error(h, "ValidationException", 400,
                               "Speech marks are not supported for the generative engine")  # fmt: skip
        _, where = speak(spoken, 16000, speed)
        byte_at = [0]
        for ch in spoken:
            byte_at.append(byte_at[-1] + len(ch.encode()))
        lines = []
        for s in where:
            if s.kind in types:
                start, end = byte_at[s.start], byte_at[s.end]
                value = text.encode()[start:end].decode()
                lines.append(json.dumps({"time": s.time_ms, "type": s.kind, "start": start,
                                         "end": end, "value": value}))  # fmt: skip
        self._send(h, 200, "\n".join(lines).encode() + b"\n", "audio/json", extra)

    def _error(self, h: BaseHTTPRequestHandler, code: str, status: int, message: str) -> None:
        data = json.dumps({"message": message}).encode()
        self._send(h, status, data, "application/json", {"x-amzn-ErrorType": f"{code}:"})

    def _send(
        self, h: BaseHTTPRequestHandler, status: int, data: bytes, kind: str,
        headers: dict[str, str] | None = None,
    ) -> None:  # fmt: skip
        try:
            h.send_response(status)
            h.send_header("Content-Type", kind)
            h.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                h.send_header(name, value)
            h.end_headers()
            h.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass
