"""Text through any OpenAI-compatible Chat Completions endpoint (OpenAI, Ollama, vLLM,
LM Studio, llama.cpp server, ...).

The adapter sends the prompt messages it is given and returns the answer text; JSON
validation and repair happen in :mod:`mangaflow.platform.structured`. HTTP failures map
onto the error tree through :mod:`mangaflow.platform.adapters.http`. The API key is only ever sent
in the ``Authorization`` header: it is never logged and never appears in an error message.

Every answer is checked where it enters: a 2xx body must be JSON (else
``ProviderUnavailable``, retried), and the caller's ``parse`` runs inside the same in-call
retry (:mod:`mangaflow.platform.retry`) so an answer that does not decode is retried like a
500.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, Protocol, TypeVar
from urllib.parse import urlsplit, urlunsplit

import httpx

from mangaflow.platform.adapters.http import json_body, raise_for_response, transport_error
from mangaflow.platform.config import Settings
from mangaflow.platform.errors import ConfigError, ContentRejected, ProviderError
from mangaflow.platform.ports import TextModel, TextRequest, TextResult, Usage
from mangaflow.platform.retry import CallRetry

T = TypeVar("T")

KEY_SETTING = "MANGAFLOW_OPENAI_API_KEY"
URL_SETTING = "MANGAFLOW_OPENAI_BASE_URL"
_OPENAI_HOST = "api.openai.com"


def endpoint_label(base_url: str) -> str:
    """``OpenAI-compatible endpoint <base_url>`` with any user-info and query removed (a
    base URL may carry credentials; messages never show them)."""
    parts = urlsplit(base_url)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    clean = urlunsplit((parts.scheme, netloc, parts.path.rstrip("/"), "", ""))
    return f"OpenAI-compatible endpoint {clean}"


class OpenAIEndpoint:
    """What the text and image adapters share: base URL, key, HTTP client and the mapping
    of transport and HTTP failures (with the key scrubbed from every message)."""

    def __init__(self, settings: Settings, client: httpx.Client | None = None) -> None:
        base_url = settings.openai_base_url.strip().rstrip("/")
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigError(
                f"{URL_SETTING} must be an http(s) URL such as http://localhost:11434/v1 "
                f"(got {base_url!r})"
            )
        self._key = settings.openai_api_key  # SecretStr: its repr never shows the value
        if parts.hostname == _OPENAI_HOST and not self._key.get_secret_value():
            raise ConfigError(
                f"{KEY_SETTING} is empty but {URL_SETTING} points at {_OPENAI_HOST}; set the "
                "key, or point the base URL at a local server (Ollama, LM Studio, vLLM)"
            )
        self.base_url = base_url
        self.label = endpoint_label(base_url)
        read = settings.http_timeout_seconds
        self.timeout = httpx.Timeout(read, connect=min(read, settings.http_connect_timeout_seconds))
        self.retry_after_cap = settings.retry_after_cap_seconds
        self.retry = CallRetry.from_settings(settings)
        self._owns_client = client is None
        self.client = client if client is not None else httpx.Client(timeout=self.timeout)

    def headers(self) -> dict[str, str]:
        """JSON content type, plus ``Authorization`` only when a key is set."""
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        key = self._key.get_secret_value()
        if key:
            headers["Authorization"] = f"Bearer {key}"
        return headers

    @contextmanager
    def _scrubbed(self) -> Iterator[None]:
        """Re-raise provider errors with the key removed from their message (a server may
        echo the request's key in an error body)."""
        try:
            yield
        except ProviderError as exc:
            key = self._key.get_secret_value()
            if key and key in exc.message:
                clean = type(exc)(exc.message.replace(key, "***"), details=exc.details)
                clean.retry_after = exc.retry_after
                raise clean from None
            raise

    def send(
        self, path: str, payload: Mapping[str, Any], *, accept: str = "application/json"
    ) -> httpx.Response:
        """POST ``payload`` to ``{base_url}{path}`` once and return the response, whatever its
        status (transport failures are mapped; :meth:`check` maps an error status)."""
        with self._scrubbed():
            try:
                return self.client.post(
                    f"{self.base_url}{path}",
                    json=dict(payload),
                    headers={**self.headers(), "Accept": accept},
                    timeout=self.timeout,
                )
            except httpx.HTTPError as exc:
                raise transport_error(exc, provider=self.label) from exc

    def check(self, response: httpx.Response) -> None:
        """Raise the mapped error (key scrubbed) when ``response`` is not a success."""
        with self._scrubbed():
            raise_for_response(response, provider=self.label, key_setting=KEY_SETTING,
                               retry_after_cap=self.retry_after_cap)  # fmt: skip

    def post(self, path: str, payload: Mapping[str, Any]) -> Any:
        """POST ``payload`` to ``{base_url}{path}`` once and return the decoded JSON body (a
        2xx body that is not JSON raises ``ProviderUnavailable``)."""
        response = self.send(path, payload)
        self.check(response)
        with self._scrubbed():
            return json_body(response, provider=self.label, what=path)

    def call(self, path: str, payload: Mapping[str, Any], parse: Callable[[Any], T]) -> T:
        """``parse(post(path, payload))`` with the in-call retries of transient failures
        (:class:`~mangaflow.platform.retry.CallRetry`): a failed or invalid answer is asked
        for again, after the backoff or the capped ``Retry-After``."""

        def attempt() -> T:
            data = self.post(path, payload)
            with self._scrubbed():
                return parse(data)

        return self.retry(attempt, what=f"{self.label} {path}")

    def close(self) -> None:
        if self._owns_client:
            self.client.close()


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _content(message: Mapping[str, Any]) -> str | None:
    """The message text: a string, or the text parts of a list of content parts."""
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        texts = [p.get("text") for p in content if isinstance(p, Mapping)]
        if texts and all(isinstance(t, str) for t in texts):
            return "".join(str(t) for t in texts)
    return None


class OpenAICompatText(TextModel):
    """Chat Completions at ``openai_base_url`` with model ``openai_text_model``."""

    name = "openai"
    offline = False

    def __init__(self, settings: Settings, client: httpx.Client | None = None) -> None:
        self.endpoint = OpenAIEndpoint(settings, client)
        self.model = settings.openai_text_model
        self.json_mode = settings.openai_json_mode

    def payload(self, request: TextRequest) -> dict[str, Any]:
        """The request body for ``request``."""
        body: dict[str, Any] = {
            "model": self.model,
            "messages": [dict(m) for m in request.messages],
            "temperature": request.temperature,
            "max_tokens": request.max_tokens,
            "seed": request.seed,
        }
        if self.json_mode:
            body["response_format"] = {"type": "json_object"}
        return body

    def complete(self, request: TextRequest) -> TextResult:
        return self.endpoint.call("/chat/completions", self.payload(request), self.parse)

    def parse(self, data: Any) -> TextResult:
        """A :class:`TextResult` from a decoded Chat Completions body."""
        label = self.endpoint.label
        if not isinstance(data, Mapping):
            raise ProviderError(f"{label} returned a chat completion that is not an object")
        choices = data.get("choices")
        if not isinstance(choices, list) or not choices or not isinstance(choices[0], Mapping):
            raise ProviderError(f"{label} returned a chat completion without choices[0]")
        choice = choices[0]
        finish = choice.get("finish_reason")
        message = choice.get("message")
        refusal = message.get("refusal") if isinstance(message, Mapping) else None
        if finish == "content_filter" or (isinstance(refusal, str) and refusal):
            reason = f": {refusal[:200]}" if isinstance(refusal, str) and refusal else ""
            raise ContentRejected(f"{label} refused to write the {self.model} answer{reason}")
        if not isinstance(message, Mapping):
            raise ProviderError(f"{label} returned choices[0] without a message")
        text = _content(message)
        if text is None:
            raise ProviderError(
                f"{label} returned choices[0].message without text content "
                f"(finish_reason {finish!r})"
            )
        raw_usage = data.get("usage")
        usage = raw_usage if isinstance(raw_usage, Mapping) else {}
        return TextResult(
            text=text,
            provider=self.name,
            model=self.model,  # the configured name: prices are keyed on it
            usage=Usage(
                calls=1,
                input_tokens=_int(usage.get("prompt_tokens")),
                output_tokens=_int(usage.get("completion_tokens")),
            ),
        )

    def close(self) -> None:
        """Close the HTTP client (when this adapter created it)."""
        self.endpoint.close()


class _TextRegistry(Protocol):
    def add_text(self, name: str, factory: Callable[[Settings], TextModel]) -> None: ...


def register(registry: _TextRegistry) -> None:
    """Register the OpenAI-compatible writer under the name ``openai``."""
    registry.add_text("openai", OpenAICompatText)


__all__ = ["KEY_SETTING", "OpenAICompatText", "OpenAIEndpoint", "endpoint_label", "register"]
