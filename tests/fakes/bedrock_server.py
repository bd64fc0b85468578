"""A fake Amazon Bedrock runtime: a real HTTP server on 127.0.0.1 (ephemeral port, background
thread) speaking the ``bedrock-runtime`` REST-JSON protocol for ``Converse`` and
``InvokeModel``, so the adapters run through botocore's real serializer, signer and parsers.
Point a client at it with ``AWS_ENDPOINT_URL_BEDROCK_RUNTIME=<url>`` (and fake credentials)::

    with FakeBedrock() as bedrock:
        monkeypatch.setenv("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", bedrock.url)
        ...

Answers:

* ``fail_with=[("ThrottlingException", 429, "slow down"), ...]`` → the next requests get these
  errors, one each, shaped as AWS sends them (``x-amzn-ErrorType`` header, JSON ``message``);
* ``content_filter=True`` → Converse answers ``stopReason="content_filtered"`` without text;
  InvokeModel answers 400 ``ValidationException`` "blocked by our content filters" (as
  Titan and Nova do);
* Converse otherwise answers the valid MangaFlow JSON for the prompt (the same writer as
  :mod:`tests.fakes.openai_server`) with token usage;
* InvokeModel draws a PNG at the size in the body: SDXL bodies (``text_prompts``) get
  ``artifacts[0].base64``, Titan / Nova bodies (``TEXT_IMAGE``) get ``images[0]``. Sizes a
  model family does not accept are refused with 400 ``ValidationException``, as AWS does.

Every request is recorded in :attr:`FakeBedrock.requests`.
"""

from __future__ import annotations

import base64
import io
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote

from PIL import Image, ImageDraw

from tests.fakes.openai_server import answer_for, hash_embedding

#: Sizes SDXL 1.0 and Titan Image Generator G1 accept (AWS documentation).
SDXL_SIZES = {(1024, 1024), (1152, 896), (1216, 832), (1344, 768), (1536, 640), (640, 1536),
              (768, 1344), (832, 1216), (896, 1152)}  # fmt: skip
TITAN_SIZES = {
    (1024, 1024), (768, 768), (512, 512), (768, 1152), (384, 576), (1152, 768), (576, 384),
    (768, 1280), (384, 640), (1280, 768), (640, 384), (896, 1152), (448, 576), (1152, 896),
    (576, 448), (768, 1408), (384, 704), (1408, 768), (704, 384), (640, 1408), (320, 704),
    (1408, 640), (704, 320), (1152, 640), (1173, 640),
}  # fmt: skip

Failure = tuple[str, int, str]  # (error code, HTTP status, message)


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    model_id: str
    headers: dict[str, str]
    body: Any  # decoded JSON, or None


def _accepted(model_id: str, width: int, height: int) -> str:
    """Why AWS would refuse this size for ``model_id`` ("" when accepted)."""
    if "stable-diffusion-xl" in model_id and (width, height) not in SDXL_SIZES:
        return f"invalid dimensions {width}x{height} for SDXL"
    if "titan-image-generator" in model_id and (width, height) not in TITAN_SIZES:
        return f"invalid dimensions {width}x{height} for Titan Image Generator"
    if "nova-canvas" in model_id and not (
        all(320 <= s <= 4096 and s % 16 == 0 for s in (width, height))
        and width * height < 4_194_304 and 0.25 <= width / height <= 4.0
    ):  # fmt: skip
        return f"invalid dimensions {width}x{height} for Nova Canvas"
    return ""


def draw_png(width: int, height: int, seed: int = 0) -> bytes:
    """A small but real picture (a gradient band and a disc) as PNG."""
    img = Image.new("RGB", (width, height), (240, 236, 228))
    pen = ImageDraw.Draw(img)
    shade = 40 + seed % 160
    pen.rectangle((0, height * 2 // 3, width, height), fill=(shade, 60, 90))
    r = min(width, height) // 5
    pen.ellipse((width // 2 - r, height // 3 - r, width // 2 + r, height // 3 + r), fill=(20, 20, 20))
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


@dataclass(eq=False)
class FakeBedrock:
    """The fake endpoint at :attr:`url`; attributes may be changed while it runs."""

    fail_with: list[Failure] = field(default_factory=list)
    content_filter: bool = False
    requests: list[RecordedRequest] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> FakeBedrock:
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
        self._thread = threading.Thread(target=server.serve_forever, name="fake-bedrock",
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

    def __enter__(self) -> FakeBedrock:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("FakeBedrock is not running")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    # ------------------------------------------------------------------ answering

    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        length = int(h.headers.get("Content-Length") or 0)
        raw = h.rfile.read(length) if length else b""
        try:
            body: Any = json.loads(raw) if raw else None
        except ValueError:
            body = None
        parts = h.path.split("?", 1)[0].split("/")  # "", "model", <id>, <action>
        model_id = unquote(parts[2]) if len(parts) == 4 and parts[1] == "model" else ""
        action = parts[3] if len(parts) == 4 else ""
        headers = {k.lower(): v for k, v in h.headers.items()}
        with self._lock:
            self.requests.append(RecordedRequest("POST", h.path, model_id, headers, body))
            failure = self.fail_with.pop(0) if self.fail_with else None
        if failure is not None:
            return self._error(h, *failure)
        if "authorization" not in headers or "AWS4-HMAC-SHA256" not in headers["authorization"]:
            return self._error(h, "MissingAuthenticationTokenException", 403, "Missing token")
        if action == "converse":
            return self._converse(h, model_id, body)
        if action == "invoke":
            return self._invoke(h, model_id, body)
        return self._error(h, "UnknownOperationException", 404, f"no route {h.path}")

    def _converse(self, h: BaseHTTPRequestHandler, model_id: str, body: Any) -> None:
        if self.content_filter:
            return self._json(h, 200, {
                "output": {"message": {"role": "assistant", "content": []}},
                "stopReason": "content_filtered", "metrics": {"latencyMs": 5},
                "usage": {"inputTokens": 10, "outputTokens": 0, "totalTokens": 10},
            })  # fmt: skip
        messages = body.get("messages") if isinstance(body, dict) else None
        if not isinstance(messages, list) or not messages:
            return self._error(h, "ValidationException", 400, "messages is required")
        texts = [block.get("text", "") for m in messages if m.get("role") == "user"
                 for block in m.get("content", []) if isinstance(block, dict)]  # fmt: skip
        prompt = next((t for t in texts if "Write " in t), "")
        answer = answer_for(prompt, 0)
        if answer is None:
            return self._error(h, "ValidationException", 400, "the fake cannot tell the task")
        text = json.dumps(answer)
        words_in = sum(len(t) for t in texts) // 4
        self._json(h, 200, {
            "output": {"message": {"role": "assistant", "content": [{"text": text}]}},
            "stopReason": "end_turn", "metrics": {"latencyMs": 5},
            "usage": {"inputTokens": words_in, "outputTokens": len(text) // 4,
                      "totalTokens": words_in + len(text) // 4},
        })  # fmt: skip

    def _invoke(self, h: BaseHTTPRequestHandler, model_id: str, body: Any) -> None:
        if not isinstance(body, dict):
            return self._error(h, "ValidationException", 400, "body must be JSON")
        if self.content_filter:
            return self._error(h, "ValidationException", 400,
                               "This request has been blocked by our content filters.")  # fmt: skip
        if "titan-embed-text" in model_id:
            return self._embed(h, body)
        sdxl = "text_prompts" in body
        config = body if sdxl else body.get("imageGenerationConfig") or {}
        width, height, seed = (int(config.get(k) or 0) for k in ("width", "height", "seed"))
        problem = _accepted(model_id, width, height) if width > 0 and height > 0 else "no size"
        if problem:
            return self._error(h, "ValidationException", 400, problem)
        data = base64.b64encode(draw_png(width, height, seed)).decode()
        if sdxl:
            return self._json(h, 200, {"result": "success", "artifacts": [
                {"seed": seed, "base64": data, "finishReason": "SUCCESS"}]})  # fmt: skip
        self._json(h, 200, {"images": [data], "error": None})

    def _embed(self, h: BaseHTTPRequestHandler, body: dict[str, Any]) -> None:
        """Titan Text Embeddings V2: one text, a hash embedding of ``dimensions`` floats."""
        text, dim = body.get("inputText"), body.get("dimensions", 1024)
        if not isinstance(text, str) or not text or dim not in (256, 512, 1024):
            return self._error(h, "ValidationException", 400, "bad inputText or dimensions")
        self._json(h, 200, {"embedding": hash_embedding(text, dim),
                            "inputTextTokenCount": len(text.split())})  # fmt: skip

    def _error(self, h: BaseHTTPRequestHandler, code: str, status: int, message: str) -> None:
        self._json(h, status, {"message": message}, {"x-amzn-ErrorType": f"{code}:"})

    def _json(
        self, h: BaseHTTPRequestHandler, status: int, body: Any,
        headers: dict[str, str] | None = None,
    ) -> None:  # fmt: skip
        data = json.dumps(body).encode()
        try:
            h.send_response(status)
            h.send_header("Content-Type", "application/json")
            h.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                h.send_header(name, value)
            h.end_headers()
            h.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass
