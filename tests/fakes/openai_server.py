"""A real OpenAI-compatible HTTP server on 127.0.0.1 (ephemeral port, background thread)
standing in for OpenAI / Ollama / LM Studio in tests. Chat answers are valid MangaFlow JSON
(the task is read from the prompt :mod:`mangaflow.manga.services.prompts` builds and written by the
offline writer); images are offline-art PNGs at the size asked for. Every request is recorded
and the server is scriptable (see :class:`FakeOpenAIServer`)::

    with FakeOpenAIServer(fail_with=[429], malformed_text_responses=1) as server:
        settings = make_settings(home, **server.settings_overrides(key="sk-test"))

Faults (500, 429 + Retry-After, hangs, resets, truncated bodies, corrupt images) are injected
by a :class:`tests.fakes.faults.FaultPlan` passed as ``faults=``.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from PIL import Image

from mangaflow.manga.art.engine import render_png
from mangaflow.manga.domain.preferences import ART_STYLES, Preferences
from mangaflow.manga.domain.story import StoryBible
from mangaflow.manga.writer.model import write_episode, write_story
from mangaflow.platform.ports import ImageRequest
from tests.fakes.audio import speak, wav
from tests.fakes.faults import FaultPlan, damage, reset_connection

#: Used when the prompt's preferences cannot be parsed.
FALLBACK_PREFS: dict[str, Any] = {
    "genres": ["Action", "Fantasy"], "themes": ["Friendship"], "artStyle": "Modern",
    "targetAudience": "Teens", "contentRating": "PG-13",
}  # fmt: skip
#: Sizes the hosted models accept (the fake rejects others with 400, like the real API).
HOSTED_SIZES = {
    "gpt-image": {"1024x1024", "1536x1024", "1024x1536", "auto"},
    "dall-e-3": {"1024x1024", "1792x1024", "1024x1792"},
    "dall-e-2": {"256x256", "512x512", "1024x1024"},
}
#: OpenAI's speech voices (the fake answers 400 ``param: voice`` for others, as OpenAI does).
SPEECH_VOICES = {"alloy", "ash", "ballad", "coral", "echo", "fable", "nova", "onyx", "sage",
                 "shimmer", "verse"}  # fmt: skip
SPEECH_RATE = 24000  # OpenAI's WAV: 24 kHz, 16-bit mono
_EPISODE = re.compile(r"Write episode (\d+) of this manga as a script of exactly (\d+) pages")
_ERRORS = {  # status or error code -> (type, code, message), shaped like OpenAI's errors
    401: ("invalid_request_error", "invalid_api_key", "Incorrect API key provided: {key}."),
    429: ("requests", "rate_limit_exceeded", "Rate limit reached. Try again in 1s."),
    500: ("server_error", "server_error", "The server had an error."),
    "content_policy_violation": ("invalid_request_error", "content_policy_violation",
                                 "Your request was rejected as a result of our safety system."),
}  # fmt: skip

Failure = int | tuple[int, str]  # a status code, or (status, error code)
Raw = tuple[int, bytes | Mapping[str, Any]]  # an exact answer: status and body


@dataclass(frozen=True)
class RecordedRequest:
    """One request the server received. ``headers`` has lower-case names."""

    method: str
    path: str
    headers: dict[str, str]
    body: Any  # the decoded JSON body, or None
    raw: bytes


# --------------------------------------------------------------------------- prompt reading


def _line(prompt: str, label: str) -> str:
    match = re.search(rf"^{re.escape(label)}: (.*)$", prompt, re.MULTILINE)
    return match.group(1).strip() if match else ""


def prefs_from_prompt(prompt: str) -> dict[str, Any]:
    """The reader's preferences (wire form) from a prompt's preferences block, or
    :data:`FALLBACK_PREFS` when they cannot be read back."""
    audience, _, rating = _line(prompt, "Audience").partition(", rating ")
    prefs: dict[str, Any] = {
        "genres": _line(prompt, "Genres").split(", "),
        "themes": _line(prompt, "Themes").split(", "),
        "artStyle": _line(prompt, "Art style"),
        "targetAudience": audience.strip(),
        "contentRating": rating.strip(),
        "language": _line(prompt, "Language") or "en",
    }
    cast = _line(prompt, "Characters the reader asked for")
    people = [re.match(r"^(.+?) \((.+?)\): ?(.*)$", c.strip()) for c in cast.split("; ")]
    notes = re.search(r"<reader_notes>(.*?)</reader_notes>", prompt, re.DOTALL)
    full = dict(prefs, notes=notes.group(1) if notes else "", characters=[
        {"name": m.group(1), "role": m.group(2), "appearance": m.group(3)} for m in people if m
    ] if cast != "none" else [])  # fmt: skip
    for candidate in (full, prefs, FALLBACK_PREFS):
        try:
            return Preferences.model_validate(candidate).wire()
        except ValueError:  # pydantic's ValidationError is a ValueError
            continue
    return dict(FALLBACK_PREFS)


def _task_prompt(messages: Any) -> str:
    """The user message that states the task (repair messages come later)."""
    for m in messages if isinstance(messages, list) else []:
        content = m.get("content") if isinstance(m, Mapping) else None
        if m.get("role") == "user" and isinstance(content, str) and "Write " in content:
            return content
    return ""


def answer_for(prompt: str, seed: int) -> dict[str, Any] | None:
    """The valid JSON answer (as a dict) for a MangaFlow prompt, or None when the prompt
    asks for neither a story bible nor an episode."""
    prefs = prefs_from_prompt(prompt)
    episode = _EPISODE.search(prompt)
    if episode:
        story = StoryBible.model_validate_json(_line(prompt, "Story bible"))
        recap = re.search(r"Earlier episodes:\n(.*?)\nGenres:", prompt, re.DOTALL)
        previous = re.findall(r"^Episode \d+: (.*)$", recap.group(1) if recap else "", re.M)
        context = {"preferences": prefs, "story": story.model_dump(mode="json"),
                   "episode_number": int(episode.group(1)), "pages": int(episode.group(2)),
                   "previous_summaries": previous}  # fmt: skip
        return write_episode(context, seed).model_dump(mode="json")
    if "story bible" in prompt:
        count = re.search(r"an outline of (\d+) episodes", prompt)
        raw_insights = _line(prompt, "Taste insights")
        try:
            insights = json.loads(raw_insights) if raw_insights else {}
        except ValueError:
            insights = {}
        context = {"preferences": prefs, "insights": insights,
                   "episodes": int(count.group(1)) if count else 3}  # fmt: skip
        return write_story(context, seed).model_dump(mode="json")
    return None


def hash_embedding(text: str, dim: int) -> list[float]:
    """A deterministic bag-of-words vector (unit length): texts sharing words are closer."""
    vector = [0.0] * dim
    for word in re.findall(r"\w+", text.lower()) or [""]:
        digest = hashlib.sha256(word.encode()).digest()
        vector[int.from_bytes(digest[:4], "big") % dim] += 1.0 if digest[4] % 2 else -1.0
    norm = sum(x * x for x in vector) ** 0.5 or 1.0
    return [x / norm for x in vector]


def malformed(answer: dict[str, Any], index: int) -> str:
    """A broken answer: schema-invalid JSON for even ``index`` (empty title, the cast or the
    pages missing), truncated JSON for odd ``index``."""
    if index % 2:
        return json.dumps(answer)[:40]
    bad = {k: v for k, v in answer.items() if k not in ("characters", "pages")}
    return json.dumps(dict(bad, title=""))


# --------------------------------------------------------------------------- the server


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeOpenAIServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # clients that time out close the socket mid-answer; that is expected here


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server
    timeout = 30
    fault: tuple[str, Any] | None = None  # (kind, rng) of the answer being sent

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib name
        pass

    def do_GET(self) -> None:
        self.server.fake._handle(self, "GET")

    def do_POST(self) -> None:
        self.server.fake._handle(self, "POST")


@dataclass(kw_only=True, eq=False)
class FakeOpenAIServer:
    """An OpenAI-compatible endpoint at :attr:`url` (``http://127.0.0.1:<port>/v1``).

    Scripting (constructor arguments, also writable attributes between calls):
    ``malformed_text_responses`` (the first N chat answers are broken: schema-invalid and
    truncated JSON, alternating), ``always_malformed``, ``fail_with`` (status codes or
    ``(status, error_code)`` answered to the next calls, one each, before anything else),
    ``raw_responses`` (exact ``(status, dict-or-bytes body)`` answers for the next calls),
    ``required_key`` (401 without ``Authorization: Bearer <key>``; the body echoes the key
    sent, as a worst case), ``content_filter`` (chat: ``finish_reason="content_filter"``;
    images: 400 ``content_policy_violation``), ``text_delay`` / ``image_delay`` (seconds),
    ``image_format`` (PNG, JPEG or WEBP bytes), ``strict_models`` (reject sizes gpt-image-* /
    dall-e-* do not accept, and ``response_format`` for gpt-image-*, as the real API does),
    ``faults`` (a :class:`~tests.fakes.faults.FaultPlan`: injected faults, after the scripts
    above). ``/audio/speech`` answers a WAV of tone bursts (:mod:`tests.fakes.audio`) with
    a streamed header (sizes ``0xFFFFFFFF``) like OpenAI's unless ``speech_streamed`` is
    False; ``content_filter`` refuses it with 400 ``content_policy_violation``.

    Observed: ``requests`` (every :class:`RecordedRequest`), ``text_requests``,
    ``image_requests``, ``text_calls``, ``calls`` (image calls), ``in_flight`` and
    ``max_in_flight`` (image calls at once).
    """

    malformed_text_responses: int = 0
    always_malformed: bool = False
    fail_with: list[Failure] = field(default_factory=list)
    raw_responses: list[Raw] = field(default_factory=list)
    required_key: str | None = None
    content_filter: bool = False
    text_delay: float = 0.0
    image_delay: float = 0.0
    image_format: str = "PNG"
    strict_models: bool = True
    speech_streamed: bool = True
    faults: FaultPlan | None = None
    requests: list[RecordedRequest] = field(default_factory=list, init=False)
    text_calls: int = field(default=0, init=False)
    calls: int = field(default=0, init=False)
    in_flight: int = field(default=0, init=False)
    max_in_flight: int = field(default=0, init=False)
    _malformed_sent: int = field(default=0, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)
    _httpd: _Server | None = field(default=None, init=False, repr=False)
    _thread: threading.Thread | None = field(default=None, init=False, repr=False)

    def start(self) -> FakeOpenAIServer:
        httpd = _Server(("127.0.0.1", 0), _Handler)
        httpd.fake = self
        self._httpd = httpd
        self._thread = threading.Thread(target=httpd.serve_forever, name="fake-openai",
                                        kwargs={"poll_interval": 0.05}, daemon=True)  # fmt: skip
        self._thread.start()
        return self

    def stop(self) -> None:
        if self.faults is not None:
            self.faults.release()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> FakeOpenAIServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("the fake OpenAI server is not running")
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        """The base URL to configure (``MANGAFLOW_OPENAI_BASE_URL``)."""
        return f"http://127.0.0.1:{self.port}/v1"

    def settings_overrides(self, key: str = "", **extra: Any) -> dict[str, Any]:
        """Settings fields that point both providers at this server."""
        values: dict[str, Any] = {
            "openai_base_url": self.url, "openai_api_key": key, "text_provider": "openai",
            "image_provider": "openai", "openai_text_model": "fake-chat",
            "openai_image_model": "fake-image",
        }  # fmt: skip
        values.update(extra)
        return values

    @property
    def text_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path.endswith("/chat/completions")]

    @property
    def speech_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path.endswith("/audio/speech")]

    @property
    def image_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path.endswith("/images/generations")]

    def _handle(self, h: _Handler, method: str) -> None:
        length = int(h.headers.get("Content-Length") or 0)
        raw = h.rfile.read(length) if length else b""
        try:
            body: Any = json.loads(raw) if raw else None
        except ValueError:
            body = None
        path = h.path.split("?", 1)[0]
        headers = {k.lower(): v for k, v in h.headers.items()}
        with self._lock:
            self.requests.append(RecordedRequest(method, path, headers, body, raw))
            if path == "/v1/chat/completions":
                self.text_calls += 1
            failure = self.fail_with.pop(0) if self.fail_with else None
            scripted = self.raw_responses.pop(0) if failure is None and self.raw_responses else None
        h.fault = None
        if failure is not None:
            status, code = failure if isinstance(failure, tuple) else (failure, "")
            return self._error(h, status, code)
        if scripted is not None:
            return self._send(h, *scripted)
        endpoint = {"/v1/chat/completions": "text", "/v1/images/generations": "image",
                    "/v1/audio/speech": "speech"}.get(path)  # fmt: skip
        if self.faults is not None and endpoint is not None:
            kind, rng = self.faults.decide(endpoint, raw)
            if kind in ("500", "429", "401"):
                return self._error(h, int(kind), "")
            if kind == "hang":
                self.faults.hang()
                h.close_connection = True
                return None
            if kind == "reset":
                return reset_connection(h)
            if kind is not None:
                h.fault = (kind, rng)  # truncated / corrupt: applied to the answer in _send
        if self.required_key is not None:
            sent = headers.get("authorization", "")
            if sent != f"Bearer {self.required_key}":
                return self._error(h, 401, "", key=sent.removeprefix("Bearer "))
        if method == "POST" and path == "/v1/chat/completions":
            return self._chat(h, body)
        if method == "POST" and path == "/v1/images/generations":
            return self._images(h, body)
        if method == "POST" and path == "/v1/embeddings":
            return self._embeddings(h, body)
        if method == "POST" and path == "/v1/audio/speech":
            return self._speech(h, body)
        return self._error(h, 404, "")

    def _chat(self, h: _Handler, body: Any) -> None:
        if self.text_delay:
            time.sleep(self.text_delay)
        if not isinstance(body, dict) or not isinstance(body.get("messages"), list):
            return self._error(h, 400, "", message="'messages' is required")
        prompt = _task_prompt(body["messages"])
        answer = answer_for(prompt, int(body.get("seed") or 0))
        if answer is None:
            return self._error(h, 400, "", message="the fake cannot tell the task")
        with self._lock:
            broken = self.always_malformed or self._malformed_sent < self.malformed_text_responses
            index = self._malformed_sent
            self._malformed_sent += int(broken)
        text: str | None = malformed(answer, index) if broken else json.dumps(answer)
        text, finish = (None, "content_filter") if self.content_filter else (text, "stop")
        words_in = sum(len(str(m.get("content", ""))) for m in body["messages"]) // 4
        words_out = len(text or "") // 4
        self._send(h, 200, {
            "id": f"chatcmpl-fake-{self.text_calls}", "object": "chat.completion",
            "created": int(time.time()), "model": body.get("model", ""),
            "choices": [{"index": 0, "finish_reason": finish,
                         "message": {"role": "assistant", "content": text}}],
            "usage": {"prompt_tokens": words_in, "completion_tokens": words_out,
                      "total_tokens": words_in + words_out},
        })  # fmt: skip

    def _embeddings(self, h: _Handler, body: Any) -> None:
        """Hash embeddings (:func:`hash_embedding`) of ``dimensions`` (default 64) floats,
        scaled so the client must normalise them."""
        texts = body.get("input") if isinstance(body, dict) else None
        texts = [texts] if isinstance(texts, str) else texts
        if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
            return self._error(h, 400, "", message="'input' must be a string or strings")
        dim = int(body.get("dimensions") or 64)
        data = [{"object": "embedding", "index": i,
                 "embedding": [3.0 * x for x in hash_embedding(t, dim)]}
                for i, t in enumerate(texts)]  # fmt: skip
        tokens = sum(len(t.split()) for t in texts)
        self._send(h, 200, {"object": "list", "data": data[::-1], "model": body.get("model"),
                            "usage": {"prompt_tokens": tokens, "total_tokens": tokens}})  # fmt: skip

    def _speech(self, h: _Handler, body: Any) -> None:
        """A WAV of ``input`` (tone bursts, see :mod:`tests.fakes.audio`) at ``speed``."""
        body = body if isinstance(body, dict) else {}
        text, voice, speed = body.get("input"), body.get("voice"), body.get("speed", 1.0)
        if not isinstance(text, str) or not text.strip() or len(text) > 4096:
            return self._error(h, 400, "", message="'input' must be 1 to 4096 characters")
        if voice not in SPEECH_VOICES:
            return self._error(h, 400, "invalid_value", param="voice",
                               message=f"Invalid value: {voice!r}. Supported values are: "
                               f"{', '.join(sorted(SPEECH_VOICES))}.")  # fmt: skip
        if body.get("response_format") != "wav" or not 0.25 <= float(speed) <= 4.0:
            return self._error(h, 400, "", message="the fake speaks wav at speed 0.25..4")
        if self.content_filter:
            return self._error(h, 400, "content_policy_violation")
        pcm, _ = speak(text, SPEECH_RATE, float(speed))
        self._send(h, 200, wav(pcm, SPEECH_RATE, streamed=self.speech_streamed),
                   content_type="audio/wav")  # fmt: skip

    def _images(self, h: _Handler, body: Any) -> None:
        with self._lock:
            self.calls += 1
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if self.image_delay:
                time.sleep(self.image_delay)
            problem = self._image_problem(body)
            if problem:
                return self._error(h, 400, "", message=problem)
            if self.content_filter:
                return self._error(h, 400, "content_policy_violation")
            width, height = (int(v) for v in str(body.get("size", "1024x1024")).split("x"))
            data = base64.b64encode(self._draw(str(body["prompt"]), width, height)).decode()
        finally:
            with self._lock:
                self.in_flight -= 1
        self._send(h, 200, {"created": int(time.time()),
                            "data": [{"b64_json": data, "revised_prompt": body["prompt"]}]})  # fmt: skip

    def _image_problem(self, body: Any) -> str:
        if not isinstance(body, dict) or not isinstance(body.get("prompt"), str):
            return "'prompt' is required"
        size = str(body.get("size", "1024x1024"))
        if not re.fullmatch(r"\d{2,4}x\d{2,4}", size):
            return f"Invalid size {size!r}"
        model = str(body.get("model", "")).lower()
        family = next((f for f in HOSTED_SIZES if model.startswith(f)), None)
        if self.strict_models and family is not None:
            if size not in HOSTED_SIZES[family]:
                return f"Invalid size {size!r} for {model}"
            if family == "gpt-image" and "response_format" in body:
                return "Unknown parameter: 'response_format'."
        return ""

    def _draw(self, prompt: str, width: int, height: int) -> bytes:
        low = prompt.lower()
        style = next((s for s in ART_STYLES if s.lower() in low), "Modern")
        shot = re.search(r"([\w-]+) shot", low)
        seed = int(hashlib.sha256(prompt.encode()).hexdigest()[:8], 16)
        png = render_png(ImageRequest(
            prompt=prompt, negative_prompt="", width=width, height=height, seed=seed,
            art_style=style, shot=shot.group(1) if shot else "medium", setting=prompt[:200],
            setting_kind="city", description=prompt[:200], monochrome="black and white" in low,
        ))  # fmt: skip
        if self.image_format.upper() == "PNG":
            return png
        out = io.BytesIO()
        Image.open(io.BytesIO(png)).convert("RGB").save(out, self.image_format.upper())
        return out.getvalue()

    def _error(
        self, h: _Handler, status: int, code: str, message: str = "", key: str = "",
        param: str | None = None,
    ) -> None:  # fmt: skip
        default = ("api_error", "fake_error", f"Failed ({status}).")
        kind, default_code, text = _ERRORS.get(code or status, default)
        body = {"error": {"message": message or text.format(key=key or "(none)"), "type": kind,
                          "param": param, "code": code or default_code}}  # fmt: skip
        wait = self.faults.retry_after if self.faults is not None else 1
        extra = {"Retry-After": f"{wait:g}"} if status == 429 else {}
        self._send(h, status, body, extra)

    def _send(
        self, h: _Handler, status: int, body: bytes | Mapping[str, Any],
        headers: Mapping[str, str] | None = None, content_type: str = "",
    ) -> None:  # fmt: skip
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        kind = content_type or ("application/json" if not isinstance(body, bytes) else "text/plain")
        if h.fault is not None:
            data = damage(h.fault[0], status, data, body, h.fault[1])
        try:
            h.send_response(status)
            h.send_header("Content-Type", kind)
            h.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                h.send_header(name, value)
            h.end_headers()
            h.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout test)
