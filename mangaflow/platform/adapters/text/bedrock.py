"""Text through Amazon Bedrock's Converse API, plus what the Bedrock text and image adapters
share: the lazily built ``bedrock-runtime`` client and the mapping of AWS failures onto the
MangaFlow error tree.

The client is built on the first call, never at import or construction, so choosing the
``bedrock`` provider costs nothing until it is used. Credentials come from the standard AWS
chain (environment, profile, SSO, instance/task role); MangaFlow never reads or stores them,
and error messages never include them. botocore's own retries are off: transient failures
surface as retryable errors and MangaFlow's retries handle them — in the call
(:mod:`mangaflow.platform.retry`, which also re-asks when an answer does not parse) and then
the task policy (``tasks.policy``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    CredentialRetrievalError,
    HTTPClientError,
    IncompleteReadError,
    NoCredentialsError,
    PartialCredentialsError,
    SSOError,
    TokenRetrievalError,
)
from botocore.exceptions import ConnectionError as BotoConnectionError
from botocore.exceptions import ReadTimeoutError as BotoReadTimeoutError
from botocore.parsers import ResponseParserError

from mangaflow.platform.adapters import aws
from mangaflow.platform.config import Settings
from mangaflow.platform.errors import (
    ConfigError,
    ContentRejected,
    MangaFlowError,
    ProviderAuthError,
    ProviderError,
    ProviderRateLimited,
    ProviderTimeout,
    ProviderUnavailable,
)
from mangaflow.platform.ports import TextModel, TextRequest, TextResult, Usage
from mangaflow.platform.retry import CallRetry

PROVIDER = "bedrock"
SERVICE = "bedrock-runtime"
REGION_SETTING = "MANGAFLOW_BEDROCK_REGION"
TEXT_MODEL_SETTING = "MANGAFLOW_BEDROCK_TEXT_MODEL"
IMAGE_MODEL_SETTING = "MANGAFLOW_BEDROCK_IMAGE_MODEL"

#: Connecting should be quick; a slow answer is bounded by ``http_timeout_seconds``.
CONNECT_TIMEOUT_SECONDS = 10.0

_RATE_LIMITED = {"ThrottlingException", "TooManyRequestsException", "ServiceQuotaExceededException"}
_UNAVAILABLE = {
    "ServiceUnavailableException", "InternalServerException", "ModelNotReadyException",
    "ModelTimeoutException", "InternalFailure", "ServiceUnavailable", "RequestTimeout",
    "RequestTimeoutException",
}  # fmt: skip
_AUTH = {
    "AccessDeniedException", "UnrecognizedClientException", "ExpiredTokenException",
    "ExpiredToken", "InvalidSignatureException", "IncompleteSignature", "InvalidClientTokenId",
    "MissingAuthenticationToken", "SignatureDoesNotMatch",
}  # fmt: skip
_CONTENT_WORDS = ("content filter", "blocked", "filtered", "responsible ai", "content policy",
                  "moderation", "guardrail", "harmful")  # fmt: skip
_MODEL_ID_WORDS = ("model identifier", "inference profile", "on-demand throughput",
                   "model id is invalid", "invalid model")  # fmt: skip
_CREDENTIAL_ERRORS = (NoCredentialsError, PartialCredentialsError, CredentialRetrievalError,
                      TokenRetrievalError, SSOError)  # fmt: skip
# Timeouts, refused/closed connections, broken response streams (HTTPClientError covers
# ReadTimeoutError; BotoConnectionError covers EndpointConnectionError, ConnectTimeoutError).
_TRANSPORT_ERRORS = (HTTPClientError, BotoConnectionError, IncompleteReadError)
# Access key ids (AKIA... long-term, ASIA... temporary) and anything labelled as a secret or
# token: scrubbed from every message we build from an AWS answer, just in case.
_SECRETS = re.compile(
    r"\b(?:AKIA|ASIA|AIDA|AROA)[A-Z0-9]{12,}\b"
    r"|(?i:(?:secret|session|security)[_ ]?(?:access[_ ]?)?(?:key|token)\s*[=:]\s*)\S+"
)


def mentions_content_filter(message: str) -> bool:
    """Whether an AWS message says a content filter or guardrail refused the request."""
    lower = message.lower()
    return any(word in lower for word in _CONTENT_WORDS)


def scrub(text: str, limit: int = 300) -> str:
    """``text`` on one line, at most ``limit`` characters, with anything that looks like
    an AWS credential replaced by ``***``."""
    clean = _SECRETS.sub("***", " ".join(str(text).split()))
    return clean if len(clean) <= limit else clean[: limit - 3] + "..."


# --------------------------------------------------------------------------- the client


def make_client(settings: Settings) -> Any:
    """A ``bedrock-runtime`` client for ``settings.bedrock_region`` (see
    :func:`mangaflow.platform.adapters.aws.make_client`)."""
    from botocore.config import Config

    timeout = settings.http_timeout_seconds
    config = Config(
        read_timeout=timeout,
        connect_timeout=min(timeout, CONNECT_TIMEOUT_SECONDS),
        # One attempt in total: MangaFlow's retry policy decides what is retried, and how.
        retries={"total_max_attempts": 1, "mode": "standard"},
    )
    return aws.make_client(SERVICE, settings.bedrock_region.strip(), config=config)


class BedrockRuntime:
    """The ``bedrock-runtime`` client of one adapter (built on first use, thread-safe) and
    the error mapping for the model it calls."""

    def __init__(
        self, settings: Settings, model_id: str, model_setting: str, client: Any = None
    ) -> None:
        region = settings.bedrock_region.strip()
        if not region:
            raise ConfigError(
                f"{REGION_SETTING} is empty; set it to a Bedrock region such as us-east-1"
            )
        model_id = model_id.strip()
        if not model_id:
            raise ConfigError(f"{model_setting} is empty; set it to a Bedrock model id")
        self.settings = settings
        self.region = region
        self.model_id = model_id
        self.model_setting = model_setting
        self._client = aws.LazyClient(lambda: make_client(settings), client)
        self.retry = CallRetry.from_settings(settings)

    @property
    def client(self) -> Any:
        return self._client()

    @contextmanager
    def mapped_errors(self) -> Iterator[None]:
        """Re-raise AWS failures (``ClientError``, ``BotoCoreError``) as MangaFlow errors; an
        answer botocore cannot parse is a transient ``ProviderUnavailable``."""
        try:
            yield
        except (ClientError, BotoCoreError) as exc:
            raise map_bedrock_error(
                exc, model_id=self.model_id, model_setting=self.model_setting, region=self.region
            ) from exc
        except ResponseParserError as exc:
            raise ProviderUnavailable(
                f"Amazon Bedrock sent an answer that does not parse for {self.where} "
                f"({scrub(str(exc))})"
            ) from exc

    @property
    def where(self) -> str:
        return f"model {self.model_id!r} in region {self.region}"


def map_bedrock_error(
    exc: BaseException, *, model_id: str, model_setting: str, region: str
) -> MangaFlowError:
    """The MangaFlow error for an AWS failure. Throttling and 5xx-type failures are
    retryable; credential, access, model-id and content problems are permanent and their
    messages name the setting to fix. Credentials never appear in the message."""
    where = f"model {model_id!r} in region {region}"
    settings_hint = f"{REGION_SETTING} and {model_setting}"
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {}) if isinstance(exc.response, Mapping) else {}
        code = str(error.get("Code") or "")
        message = scrub(str(error.get("Message") or ""))
        meta = exc.response.get("ResponseMetadata", {}) if isinstance(exc.response, Mapping) else {}
        status = meta.get("HTTPStatusCode") if isinstance(meta, Mapping) else None
        said = f" ({code}: {message})" if message else f" ({code})"
        lower = message.lower()
        if code in _RATE_LIMITED:
            return ProviderRateLimited(f"Amazon Bedrock is throttling requests for {where}{said}")
        if code in _UNAVAILABLE:
            return ProviderUnavailable(f"Amazon Bedrock is unavailable for {where}{said}")
        if code in _AUTH:
            return ProviderAuthError(
                f"Amazon Bedrock refused the request for {where}{said}: check the AWS "
                f"credentials (environment, profile or role), the IAM permission "
                f"bedrock:InvokeModel, and that access to this model is enabled in this "
                f"region; the model and region come from {settings_hint}"
            )
        if code == "ResourceNotFoundException":
            return ConfigError(
                f"Amazon Bedrock has no {where}{said}; set {model_setting} to a model id "
                f"available in that region (or change {REGION_SETTING})"
            )
        if code == "ValidationException":
            if mentions_content_filter(message):
                return ContentRejected(f"Amazon Bedrock rejected the content for {where}{said}")
            if any(word in lower for word in _MODEL_ID_WORDS):
                return ConfigError(
                    f"Amazon Bedrock cannot call {where}{said}; check {model_setting} (some "
                    f"models need an inference profile id such as us.<model id>)"
                )
            return ProviderError(f"Amazon Bedrock rejected the request for {where}{said}")
        if status == 429:
            return ProviderRateLimited(f"Amazon Bedrock is throttling requests for {where}{said}")
        if isinstance(status, int) and status >= 500:
            return ProviderUnavailable(f"Amazon Bedrock failed for {where}{said}")
        return ProviderError(f"Amazon Bedrock failed for {where}{said}")
    if isinstance(exc, _CREDENTIAL_ERRORS):
        return ProviderAuthError(
            f"no AWS credentials found for Amazon Bedrock ({type(exc).__name__}): configure "
            f"the standard AWS chain (AWS_PROFILE, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, "
            f"SSO login or an instance/task role); the model and region come from "
            f"{settings_hint}"
        )
    if isinstance(exc, BotoReadTimeoutError):
        return ProviderTimeout(
            f"Amazon Bedrock timed out for {where} ({type(exc).__name__}: {scrub(str(exc))}; "
            f"no answer within MANGAFLOW_HTTP_TIMEOUT_SECONDS)"
        )
    if isinstance(exc, _TRANSPORT_ERRORS):
        kind = "timed out" if "Timeout" in type(exc).__name__ else "could not be reached"
        return ProviderUnavailable(
            f"Amazon Bedrock {kind} for {where} ({type(exc).__name__}: {scrub(str(exc))})"
        )
    return ProviderError(
        f"Amazon Bedrock failed for {where} ({type(exc).__name__}: {scrub(str(exc))})"
    )


# --------------------------------------------------------------------------- text


def converse_messages(
    messages: Sequence[Mapping[str, str]],
) -> tuple[str, list[dict[str, Any]]]:
    """Chat messages as Converse wants them: the system messages joined into one system
    text, and the rest as alternating ``user``/``assistant`` turns starting with ``user``
    (consecutive messages of one role are merged; empty ones are dropped)."""
    system: list[str] = []
    turns: list[dict[str, Any]] = []
    for message in messages:
        role, text = message.get("role", ""), message.get("content", "")
        if not text.strip():
            continue
        if role == "system":
            system.append(text)
        elif role in ("user", "assistant"):
            if turns and turns[-1]["role"] == role:
                block = turns[-1]["content"][0]
                block["text"] = f"{block['text']}\n\n{text}"
            else:
                turns.append({"role": role, "content": [{"text": text}]})
        else:
            raise ProviderError(f"unknown chat role {role!r} in a text request for Bedrock")
    if not turns or turns[0]["role"] != "user":
        raise ProviderError("a Bedrock conversation must start with a user message")
    return "\n\n".join(system), turns


class BedrockText(TextModel):
    """Text from a Bedrock model through the Converse API (any Converse-capable model)."""

    name = PROVIDER
    offline = False

    def __init__(self, settings: Settings, client: Any = None) -> None:
        self.runtime = BedrockRuntime(
            settings, settings.bedrock_text_model, TEXT_MODEL_SETTING, client
        )
        self.model = self.runtime.model_id

    def converse_params(self, request: TextRequest) -> dict[str, Any]:
        """The keyword arguments of the ``converse`` call for ``request``."""
        system, messages = converse_messages(request.messages)
        params: dict[str, Any] = {"modelId": self.model, "messages": messages}
        if system:
            params["system"] = [{"text": system}]
        params["inferenceConfig"] = {
            "maxTokens": max(1, request.max_tokens),
            "temperature": min(1.0, max(0.0, request.temperature)),
        }
        return params

    def complete(self, request: TextRequest) -> TextResult:
        params = self.converse_params(request)

        def attempt() -> TextResult:
            with self.runtime.mapped_errors():
                response = self.runtime.client.converse(**params)
            return self.parse(response)

        return self.runtime.retry(attempt, what=f"Amazon Bedrock converse ({self.model})")

    def parse(self, response: Mapping[str, Any]) -> TextResult:
        """A :class:`TextResult` from a Converse answer. An answer without ``output`` (what
        botocore returns for a 200 whose body does not parse) is ``ProviderUnavailable``."""
        where = self.runtime.where
        if not isinstance(response.get("output"), Mapping):
            raise ProviderUnavailable(
                f"Amazon Bedrock answered without output from {where} (a body that does "
                f"not parse?): {scrub(str(response.get('message', ''))[:200])!r}"
            )
        stop = response.get("stopReason", "")
        if stop in ("content_filtered", "guardrail_intervened"):
            raise ContentRejected(f"Amazon Bedrock filtered the answer of {where} ({stop})")
        message = (response.get("output") or {}).get("message") or {}
        blocks = message.get("content") or []
        texts = [
            b["text"] for b in blocks if isinstance(b, Mapping) and isinstance(b.get("text"), str)
        ]
        if not texts:
            raise ProviderError(
                f"Amazon Bedrock returned no text from {where} (stopReason {stop!r})"
            )
        usage = response.get("usage") or {}
        return TextResult(
            text="".join(texts),
            provider=PROVIDER,
            model=self.model,
            usage=Usage(
                calls=1,
                input_tokens=int(usage.get("inputTokens") or 0),
                output_tokens=int(usage.get("outputTokens") or 0),
            ),
        )


def register(registry: Any) -> None:
    registry.add_text(PROVIDER, BedrockText)
