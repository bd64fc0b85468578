"""Speech through Amazon Polly (``SynthesizeSpeech`` via boto3), registered as ``polly``.

Two calls per request: ``OutputFormat="pcm"`` at 16 kHz (signed 16-bit mono, wrapped into
a WAV here) and ``OutputFormat="json"`` with ``SpeechMarkTypes=["word", "sentence"]``,
whose byte offsets into the input are turned into character offsets into
``request.text``. Polly bills both requests by character, so ``usage.characters`` is the
text's length once per call. The generative engine gives no speech marks: with it there is
one call and the marks are estimated from character offsets (:func:`~.common.estimated_marks`).

Engine: ``MANGAFLOW_POLLY_ENGINE``; region: ``MANGAFLOW_AWS_REGION``; credentials: the
standard AWS chain (never read, stored or logged here). Voice: ``request.voice``, else a
default per language (:data:`DEFAULT_VOICES`). A rate or style other than neutral 1.0 is
sent as SSML ``<prosody rate="N%">`` (Polly's plain text has no rate; the neural and
generative engines have no pitch, so styles change the rate only). Polly's limit is 3000
billed characters: longer text is a :class:`ValidationError` before any call.

AWS failures map onto the error tree as the Bedrock adapters map theirs: throttling →
:class:`ProviderRateLimited`, service failures and transport errors →
:class:`ProviderUnavailable` (a read timeout: :class:`ProviderTimeout`), credentials and
access → :class:`ProviderAuthError`, an unknown voice → :class:`ValidationError` naming
``voice``, an engine the voice lacks → :class:`ConfigError` naming the engine setting.
botocore's own retries are off; :mod:`mangaflow.platform.retry` retries in the call.
"""

from __future__ import annotations

import bisect
import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any
from xml.sax.saxutils import escape

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
from mangaflow.platform.adapters.speech.common import (
    bad_language,
    bad_voice,
    check_request,
    duration_of,
    estimated_marks,
    pcm_to_wav,
    sort_marks,
    speaking_rate,
)
from mangaflow.platform.adapters.text.bedrock import scrub
from mangaflow.platform.config import Settings
from mangaflow.platform.errors import (
    ConfigError,
    MangaFlowError,
    ProviderAuthError,
    ProviderError,
    ProviderRateLimited,
    ProviderTimeout,
    ProviderUnavailable,
    ValidationError,
)
from mangaflow.platform.ports import SpeechMark, SpeechModel, SpeechRequest, SpeechResult, Usage
from mangaflow.platform.retry import CallRetry

PROVIDER = "polly"
ENGINE_SETTING = "MANGAFLOW_POLLY_ENGINE"
REGION_SETTING = "MANGAFLOW_AWS_REGION"
SAMPLE_RATE = 16000
CONNECT_TIMEOUT_SECONDS = 10.0
#: language → Polly voice used when the request names none.
DEFAULT_VOICES = {
    "en": "Joanna", "en-us": "Joanna", "en-gb": "Amy", "en-au": "Olivia", "en-in": "Kajal",
    "es": "Lucia", "es-es": "Lucia", "es-us": "Lupe", "es-mx": "Mia", "fr": "Lea",
    "fr-fr": "Lea", "fr-ca": "Gabrielle", "de": "Vicki", "it": "Bianca", "pt": "Camila",
    "pt-br": "Camila", "pt-pt": "Ines", "ja": "Takumi", "ko": "Seoyeon", "nl": "Laura",
    "hi": "Kajal",
}  # fmt: skip

_RATE_LIMITED = {"ThrottlingException", "TooManyRequestsException", "LimitExceededException"}
_UNAVAILABLE = {"ServiceFailureException", "ServiceUnavailableException", "InternalFailure",
                "InternalServerException", "ServiceUnavailable", "RequestTimeout"}  # fmt: skip
_AUTH = {
    "AccessDeniedException", "UnrecognizedClientException", "ExpiredTokenException",
    "ExpiredToken", "InvalidSignatureException", "IncompleteSignature", "InvalidClientTokenId",
    "MissingAuthenticationToken", "MissingAuthenticationTokenException", "SignatureDoesNotMatch",
}  # fmt: skip
_CREDENTIAL_ERRORS = (NoCredentialsError, PartialCredentialsError, CredentialRetrievalError,
                      TokenRetrievalError, SSOError)  # fmt: skip
_TRANSPORT_ERRORS = (HTTPClientError, BotoConnectionError, IncompleteReadError)


def make_client(settings: Settings) -> Any:
    """A ``polly`` client for ``settings.aws_region`` with MangaFlow's timeouts and no
    botocore retries."""
    from botocore.config import Config

    timeout = settings.http_timeout_seconds
    config = Config(read_timeout=timeout, connect_timeout=min(timeout, CONNECT_TIMEOUT_SECONDS),
                    retries={"total_max_attempts": 1, "mode": "standard"})  # fmt: skip
    return aws.make_client("polly", settings.aws_region.strip(), config=config)


def map_polly_error(exc: BaseException, *, voice: str, engine: str, region: str) -> MangaFlowError:
    """The MangaFlow error for an AWS failure of a Polly call (credentials never shown)."""
    where = f"voice {voice!r} ({engine} engine) in region {region}"
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {}) if isinstance(exc.response, Mapping) else {}
        code, message = str(error.get("Code") or ""), scrub(str(error.get("Message") or ""))
        meta = exc.response.get("ResponseMetadata", {}) if isinstance(exc.response, Mapping) else {}
        status = meta.get("HTTPStatusCode") if isinstance(meta, Mapping) else None
        said = f" ({code}: {message})" if message else f" ({code})"
        if code in _RATE_LIMITED or status == 429:
            return ProviderRateLimited(f"Amazon Polly is throttling requests for {where}{said}")
        if code in _UNAVAILABLE:
            return ProviderUnavailable(f"Amazon Polly is unavailable for {where}{said}")
        if code in _AUTH:
            return ProviderAuthError(
                f"Amazon Polly refused the request for {where}{said}: check the AWS "
                "credentials (environment, profile or role) and the IAM permission "
                f"polly:SynthesizeSpeech; the region comes from {REGION_SETTING}"
            )
        if code == "ValidationException" and "voiceid" in message.lower():
            return bad_voice(voice, "Amazon Polly", ", ".join(sorted(set(DEFAULT_VOICES.values()))))
        if code == "EngineNotSupportedException":
            return ConfigError(f"Amazon Polly {where} cannot be used{said}: choose a voice "
                               f"that has the engine, or change {ENGINE_SETTING}")  # fmt: skip
        if code == "TextLengthExceededException":
            return ValidationError(f"Amazon Polly refused the text's length{said}",
                                   details=[{"field": "text", "message": message}])  # fmt: skip
        if code == "LanguageNotSupportedException":
            return ValidationError(f"Amazon Polly refused the language{said}",
                                   details=[{"field": "language", "message": message}])  # fmt: skip
        if isinstance(status, int) and status >= 500:
            return ProviderUnavailable(f"Amazon Polly failed for {where}{said}")
        return ProviderError(f"Amazon Polly rejected the request for {where}{said}")
    if isinstance(exc, _CREDENTIAL_ERRORS):
        return ProviderAuthError(
            f"no AWS credentials found for Amazon Polly ({type(exc).__name__}): configure the "
            "standard AWS chain (AWS_PROFILE, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, SSO "
            f"login or an instance/task role); the region comes from {REGION_SETTING}"
        )
    if isinstance(exc, BotoReadTimeoutError):
        return ProviderTimeout(f"Amazon Polly timed out for {where} ({scrub(str(exc))}; no "
                               "answer within MANGAFLOW_HTTP_TIMEOUT_SECONDS)")  # fmt: skip
    if isinstance(exc, _TRANSPORT_ERRORS):
        kind = "timed out" if "Timeout" in type(exc).__name__ else "could not be reached"
        return ProviderUnavailable(
            f"Amazon Polly {kind} for {where} ({type(exc).__name__}: {scrub(str(exc))})"
        )
    return ProviderError(f"Amazon Polly failed for {where} ({type(exc).__name__}: "
                         f"{scrub(str(exc))})")  # fmt: skip


def polly_input(text: str, rate: float) -> tuple[str, str, list[int]]:
    """``(Text, TextType, byte_at)`` for ``text`` spoken at ``rate``: plain text at 1.0, else
    SSML with ``<prosody rate>``. ``byte_at[i]`` is the byte offset in ``Text`` where
    character ``i`` of ``text`` starts (``byte_at[len(text)]``: where it ends)."""
    ssml = abs(rate - 1.0) > 1e-6
    prefix = f'<speak><prosody rate="{round(rate * 100)}%">' if ssml else ""
    parts, byte_at = [prefix], [len(prefix.encode())]
    for ch in text:
        piece = escape(ch) if ssml else ch
        parts.append(piece)
        byte_at.append(byte_at[-1] + len(piece.encode()))
    if ssml:
        parts.append("</prosody></speak>")
    return "".join(parts), "ssml" if ssml else "text", byte_at


def parse_marks(data: bytes, text: str, byte_at: list[int], duration_ms: int) -> list[SpeechMark]:
    """Word and sentence marks from Polly's newline-delimited JSON (byte offsets into the
    input) as character offsets into ``text``. A body that does not parse is
    :class:`ProviderUnavailable` (an invalid answer, retried)."""
    marks = []
    for line in data.decode("utf-8", errors="replace").splitlines():
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            kind = item["type"]
            if kind not in ("word", "sentence"):
                continue
            time_ms, start_byte, end_byte = (int(item[k]) for k in ("time", "start", "end"))
        except (ValueError, KeyError, TypeError) as exc:
            raise ProviderUnavailable(f"Amazon Polly sent speech marks that do not parse: "
                                      f"{line[:120]!r}") from exc  # fmt: skip
        start = min(len(text), bisect.bisect_left(byte_at, start_byte))
        end = min(len(text), bisect.bisect_left(byte_at, end_byte))
        if end > start:
            marks.append(SpeechMark(min(max(0, time_ms), duration_ms), kind, start, end,
                                    text[start:end]))  # fmt: skip
    return sort_marks(marks)


class PollySpeech(SpeechModel):
    """Amazon Polly (see the module)."""

    name = PROVIDER
    offline = False
    max_chars = 3000

    def __init__(self, settings: Settings, client: Any = None) -> None:
        self.engine = settings.polly_engine
        self.region = settings.aws_region.strip()
        if not self.region:
            raise ConfigError(f"{REGION_SETTING} is empty; set it to a region with Polly")
        self.model = f"polly-{self.engine}"
        self._client = aws.LazyClient(lambda: make_client(settings), client)
        self.retry = CallRetry.from_settings(settings)

    def voice_for(self, request: SpeechRequest) -> str:
        if request.voice.strip():
            return request.voice.strip()
        language = request.language.strip().lower().replace("_", "-")
        voice = DEFAULT_VOICES.get(language) or DEFAULT_VOICES.get(language.split("-")[0])
        if voice is None:
            raise bad_language(request.language, "Amazon Polly")
        return voice

    @contextmanager
    def _mapped(self, voice: str) -> Iterator[None]:
        try:
            yield
        except (ClientError, BotoCoreError) as exc:
            raise map_polly_error(exc, voice=voice, engine=self.engine,
                                  region=self.region) from exc  # fmt: skip
        except ResponseParserError as exc:
            raise ProviderUnavailable(f"Amazon Polly sent an answer that does not parse "
                                      f"({scrub(str(exc))})") from exc  # fmt: skip

    def _call(self, voice: str, what: str, **params: Any) -> bytes:
        def attempt() -> bytes:
            with self._mapped(voice):
                response = self._client().synthesize_speech(
                    Engine=self.engine, VoiceId=voice, **params
                )
                return bytes(response["AudioStream"].read())

        return self.retry(attempt, what=f"Amazon Polly {what} ({voice})")

    def synthesize(self, request: SpeechRequest) -> SpeechResult:
        check_request(request, self.max_chars)
        voice = self.voice_for(request)
        text, kind, byte_at = polly_input(request.text, speaking_rate(request))
        pcm = self._call(voice, "speech", Text=text, TextType=kind, OutputFormat="pcm",
                         SampleRate=str(SAMPLE_RATE))  # fmt: skip
        if not pcm or len(pcm) % 2:
            raise ProviderUnavailable(f"Amazon Polly sent {len(pcm)} bytes of PCM for voice "
                                      f"{voice!r}: not 16-bit samples")  # fmt: skip
        duration = duration_of(pcm, SAMPLE_RATE)
        duration_ms = int(duration * 1000)
        if self.engine == "generative":  # no speech marks for this engine
            calls, marks = 1, estimated_marks(request.text, duration_ms)
        else:
            data = self._call(voice, "speech marks", Text=text, TextType=kind,
                              OutputFormat="json", SpeechMarkTypes=["word", "sentence"])  # fmt: skip
            calls, marks = 2, parse_marks(data, request.text, byte_at, duration_ms)
        return SpeechResult(
            wav=pcm_to_wav(pcm, SAMPLE_RATE), sample_rate=SAMPLE_RATE, duration_s=duration,
            provider=PROVIDER, model=self.model, marks=marks,
            usage=Usage(calls=calls, characters=calls * len(request.text)),
        )  # fmt: skip


def register(registry: Any) -> None:
    """Register Amazon Polly as the speech provider ``polly``."""
    registry.add_speech(PROVIDER, PollySpeech)


__all__ = ["DEFAULT_VOICES", "PollySpeech", "map_polly_error", "parse_marks", "polly_input",
           "register"]  # fmt: skip
