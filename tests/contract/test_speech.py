"""The speech adapters: the speech contract (:mod:`mangaflow.testing.speech`) for eSpeak NG
(the real library, offline), Amazon Polly (a loopback fake of its REST API reached through
botocore's real serializer, signer and parsers: moto's Polly answers eight zero bytes and
no usable marks) and OpenAI-compatible endpoints (the loopback OpenAI fake); then each
adapter's own promises: determinism, voices, the exact requests, offsets, faults."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mangaflow.platform.adapters.speech.espeak import EspeakSpeech
from mangaflow.platform.adapters.speech.openai_compat import OpenAICompatSpeech
from mangaflow.platform.adapters.speech.polly import PollySpeech
from mangaflow.platform.config import Settings
from mangaflow.platform.errors import (
    ConfigError,
    ProviderAuthError,
    ProviderError,
    ProviderRateLimited,
    ProviderUnavailable,
    ValidationError,
)
from mangaflow.platform.ports import SpeechRequest
from mangaflow.platform.registry import build_speech, load_registry
from mangaflow.testing.models import Failure, MakeFailing
from mangaflow.testing.speech import SpeechModelContract, check_speech
from tests.conftest import make_settings
from tests.fakes.faults import FaultPlan
from tests.fakes.net import closed_url
from tests.fakes.openai_server import FakeOpenAIServer
from tests.fakes.polly_server import FakePolly

KEY = "sk-test-Zq8v1speech"
TEXT = "The harbour lights came on at dusk."


def settings_for(tmp_path: Path, **overrides: Any) -> Settings:
    return make_settings(tmp_path / "home", **{"http_timeout_seconds": 10.0, **overrides})


# --------------------------------------------------------------------------- contracts


class TestEspeakSpeech(SpeechModelContract):
    adapter = EspeakSpeech

    @pytest.fixture
    def model(self, tmp_path: Path) -> EspeakSpeech:
        return EspeakSpeech(settings_for(tmp_path))

    @pytest.fixture
    def make_failing(self) -> MakeFailing:
        def make(failure: Failure) -> Any:
            pytest.skip("eSpeak NG runs offline: it has no provider to fail")

        return make


@pytest.fixture
def polly(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[FakePolly]:
    """The fake Polly; clients find it through ``AWS_ENDPOINT_URL_POLLY``."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_CONFIG_FILE": str(tmp_path / "no-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-credentials"),
    }.items():  # fmt: skip
        monkeypatch.setenv(name, value)
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    with FakePolly() as fake:
        monkeypatch.setenv("AWS_ENDPOINT_URL_POLLY", fake.url)
        yield fake


POLLY_FAILURES = {
    "unavailable": ("ServiceFailureException", 500, "An unknown condition has caused a service failure."),
    "rate_limited": ("ThrottlingException", 400, "Rate exceeded"),
    "auth": ("UnrecognizedClientException", 403, "The security token included in the request is invalid."),
}  # fmt: skip


class TestPollySpeech(SpeechModelContract):
    """The neural engine (audio and speech marks) and the generative one (no marks:
    estimated)."""

    adapter = PollySpeech

    @pytest.fixture(params=["neural", "generative"])
    def model(self, polly: FakePolly, tmp_path: Path, request: pytest.FixtureRequest) -> Any:
        return PollySpeech(settings_for(tmp_path, polly_engine=request.param))

    @pytest.fixture
    def make_failing(
        self, polly: FakePolly, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> MakeFailing:
        def make(failure: Failure) -> Any:
            if failure == "content":
                pytest.skip("Amazon Polly has no content filter")
            if failure == "unreachable":
                monkeypatch.setenv("AWS_ENDPOINT_URL_POLLY", closed_url())
            else:
                polly.fail_with = [POLLY_FAILURES[failure]]
            return PollySpeech(settings_for(tmp_path))

        return make


class TestOpenAICompatSpeech(SpeechModelContract):
    adapter = OpenAICompatSpeech

    @pytest.fixture
    def server(self) -> Iterator[FakeOpenAIServer]:
        with FakeOpenAIServer() as fake:
            yield fake

    @pytest.fixture
    def model(self, server: FakeOpenAIServer, tmp_path: Path) -> OpenAICompatSpeech:
        return OpenAICompatSpeech(settings_for(tmp_path, openai_base_url=server.url,
                                               openai_api_key=KEY))  # fmt: skip

    @pytest.fixture
    def make_failing(self, server: FakeOpenAIServer, tmp_path: Path) -> MakeFailing:
        def make(failure: Failure) -> Any:
            url = server.url
            if failure == "unreachable":
                url = closed_url("/v1")
            elif failure == "auth":
                server.required_key = "sk-another-key"
            elif failure == "content":
                server.content_filter = True
            else:
                server.fail_with = [{"unavailable": 503, "rate_limited": 429}[failure]]
            return OpenAICompatSpeech(settings_for(tmp_path, openai_base_url=url,
                                                   openai_api_key=KEY))  # fmt: skip

        return make


# --------------------------------------------------------------------------- espeak


def test_espeak_is_the_offline_default(tmp_path: Path) -> None:
    model = build_speech(settings_for(tmp_path))
    assert isinstance(model, EspeakSpeech)
    assert (model.name, model.offline) == ("espeak", True)
    assert model.model.startswith("espeak-ng-1.")
    registry = load_registry()
    assert {"espeak", "polly", "openai"} <= set(registry.speech)
    assert registry.speech["espeak"] is EspeakSpeech
    assert (registry.speech["polly"].offline, registry.speech["openai"].offline) == (False, False)


def test_espeak_is_deterministic(tmp_path: Path) -> None:
    """Byte-identical audio and marks for the same request, whatever was spoken before and
    on whichever thread (libespeak-ng alone keeps state between calls in one process)."""
    model = EspeakSpeech()
    req = SpeechRequest(text=TEXT, style="energetic", rate=1.1)
    first = model.synthesize(req)
    model.synthesize(SpeechRequest(text="Something else entirely, with a question?"))
    results: list[Any] = []
    threads = [threading.Thread(target=lambda: results.append(model.synthesize(req)))
               for _ in range(3)]  # fmt: skip
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 3
    for again in [model.synthesize(req), *results]:
        assert again.wav == first.wav
        assert again.marks == first.marks
    other = model.synthesize(SpeechRequest(text=TEXT, style="calm", rate=1.1))
    assert other.wav != first.wav and other.duration_s > first.duration_s


@pytest.mark.parametrize(("language", "text"), [
    ("en", "Hello there."), ("en-US", "Hello there."), ("es", "Hola, ¿qué tal?"),
    ("fr", "Bonjour à tous."), ("de", "Guten Morgen."), ("ja", "こんにちは、世界。"),
    ("pt-BR", "Bom dia."),
])  # fmt: skip
def test_espeak_speaks_languages(language: str, text: str) -> None:
    model = EspeakSpeech()
    req = SpeechRequest(text=text, language=language)
    check_speech(model.synthesize(req), req, model)


def test_espeak_voices_by_name_and_language_differ() -> None:
    model = EspeakSpeech()
    us = model.synthesize(SpeechRequest(text=TEXT, voice="gmw/en-US"))
    assert model.synthesize(SpeechRequest(text=TEXT, voice="English (America)")).wav == us.wav
    assert model.synthesize(SpeechRequest(text=TEXT, language="en-us")).wav == us.wav
    assert model.synthesize(SpeechRequest(text=TEXT, language="en")).wav != us.wav  # en-GB


def test_espeak_unknown_language_names_the_field() -> None:
    with pytest.raises(ValidationError) as info:
        EspeakSpeech().synthesize(SpeechRequest(text=TEXT, language="xx-nowhere"))
    assert info.value.fields == ["language"]


def test_espeak_marks_follow_the_words_it_speaks() -> None:
    text = "It’s 2024! Café au lait costs $3.50."
    result = EspeakSpeech().synthesize(SpeechRequest(text=text))
    words = [(m.value, m.time_ms) for m in result.marks if m.kind == "word"]
    assert [w for w, _ in words] == ["It’s", "2024", "Café", "au", "lait", "costs", "$3.50"]
    sentences = [m.value for m in result.marks if m.kind == "sentence"]
    assert sentences == ["It’s 2024!", "Café au lait costs $3.50."]
    times = [t for _, t in words]
    assert times == sorted(times) and len(set(times)) == len(times)
    # "2024" is spoken as several words: the next word starts well after it does.
    assert times[2] - times[1] > 800


# --------------------------------------------------------------------------- polly


def test_polly_requests_and_offsets(polly: FakePolly, tmp_path: Path) -> None:
    text = "Café & crème. Ready <now>?"
    model = PollySpeech(settings_for(tmp_path, polly_engine="standard"))
    plain = model.synthesize(SpeechRequest(text=text, language="fr"))
    audio, marks = (r.body for r in polly.requests)
    assert audio == {"Engine": "standard", "VoiceId": "Lea", "Text": text, "TextType": "text",
                     "OutputFormat": "pcm", "SampleRate": "16000"}  # fmt: skip
    assert marks == {**{k: v for k, v in audio.items() if k != "SampleRate"},
                     "OutputFormat": "json", "SpeechMarkTypes": ["word", "sentence"]}  # fmt: skip
    assert [(m.kind, m.value) for m in plain.marks] == [
        ("sentence", "Café & crème."), ("word", "Café"), ("word", "crème"),
        ("sentence", "Ready <now>?"), ("word", "Ready"), ("word", "now")]  # fmt: skip
    assert plain.usage.calls == 2 and plain.usage.characters == 2 * len(text)

    slow = model.synthesize(SpeechRequest(text=text, language="fr", style="calm", rate=0.9))
    sent = polly.requests[-1].body
    assert sent["TextType"] == "ssml"
    assert sent["Text"] == ('<speak><prosody rate="79%">Café &amp; crème. Ready &lt;now&gt;?'
                            "</prosody></speak>")  # fmt: skip
    assert [m.value for m in slow.marks] == [m.value for m in plain.marks]
    assert slow.duration_s > 1.15 * plain.duration_s


def test_polly_generative_makes_one_call(polly: FakePolly, tmp_path: Path) -> None:
    result = PollySpeech(settings_for(tmp_path, polly_engine="generative")).synthesize(
        SpeechRequest(text=TEXT)
    )
    [sent] = polly.requests
    assert (sent.body["Engine"], sent.body["OutputFormat"]) == ("generative", "pcm")
    assert result.usage.calls == 1 and result.usage.characters == len(TEXT)
    assert [m.value for m in result.marks if m.kind == "word"] == TEXT.rstrip(".").split()


def test_polly_voice_and_engine_problems(polly: FakePolly, tmp_path: Path) -> None:
    neural = PollySpeech(settings_for(tmp_path, polly_engine="long-form"))
    with pytest.raises(ConfigError, match="MANGAFLOW_POLLY_ENGINE"):
        neural.synthesize(SpeechRequest(text=TEXT, voice="Kazuha"))
    with pytest.raises(ValidationError) as info:
        neural.synthesize(SpeechRequest(text=TEXT, language="tlh"))
    assert info.value.fields == ["language"]
    assert len(polly.requests) == 1  # no default voice: refused before any call


@pytest.mark.parametrize(("code", "status", "error"), [
    ("ThrottlingException", 400, ProviderRateLimited),
    ("ServiceFailureException", 500, ProviderUnavailable),
    ("AccessDeniedException", 403, ProviderAuthError),
    ("InvalidSsmlException", 400, ProviderError),
    ("TextLengthExceededException", 400, ValidationError),
])  # fmt: skip
def test_polly_errors_map_onto_the_tree(
    polly: FakePolly, tmp_path: Path, code: str, status: int, error: type[Exception]
) -> None:
    polly.fail_with = [(code, status, "said AKIAABCDEFGHIJKLMNOP")]
    with pytest.raises(error) as info:
        PollySpeech(settings_for(tmp_path)).synthesize(SpeechRequest(text=TEXT))
    assert type(info.value) is error
    assert "AKIAABCDEFGHIJKLMNOP" not in str(info.value)


def test_polly_retries_throttling_in_the_call(polly: FakePolly, tmp_path: Path) -> None:
    polly.fail_with = [POLLY_FAILURES["rate_limited"]]
    model = PollySpeech(settings_for(tmp_path, provider_retries=1))
    req = SpeechRequest(text=TEXT)
    check_speech(model.synthesize(req), req, model)
    assert len(polly.requests) == 3


def test_polly_without_credentials_is_an_auth_error(
    polly: FakePolly, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    with pytest.raises(ProviderAuthError, match="no AWS credentials"):
        PollySpeech(settings_for(tmp_path)).synthesize(SpeechRequest(text=TEXT))
    assert polly.requests == []


# --------------------------------------------------------------------------- openai


@pytest.mark.parametrize("streamed", [True, False])
def test_openai_request_and_wav(tmp_path: Path, streamed: bool) -> None:
    with FakeOpenAIServer(speech_streamed=streamed) as server:
        settings = settings_for(tmp_path, openai_base_url=server.url, openai_api_key=KEY)
        model = OpenAICompatSpeech(settings)
        req = SpeechRequest(text=TEXT, style="friendly", rate=1.2, voice="nova")
        result = model.synthesize(req)
        check_speech(result, req, model)
        [sent] = server.speech_requests
    assert sent.body == {"model": "gpt-4o-mini-tts", "input": TEXT, "voice": "nova",
                         "response_format": "wav", "speed": 1.26,
                         "instructions": "Speak in a warm, friendly tone."}  # fmt: skip
    assert sent.headers["authorization"] == f"Bearer {KEY}" and KEY.encode() not in sent.raw
    assert result.sample_rate == 24000
    words = [m for m in result.marks if m.kind == "word"]
    assert words[0].time_ms == 0  # estimated: proportional to the character offset
    assert words[-1].time_ms == round(result.duration_s * 1000 * words[-1].start / len(TEXT))


def test_openai_tts1_gets_no_instructions(tmp_path: Path) -> None:
    with FakeOpenAIServer() as server:
        settings = settings_for(tmp_path, openai_base_url=server.url, openai_speech_model="tts-1")
        OpenAICompatSpeech(settings).synthesize(SpeechRequest(text=TEXT, style="calm"))
        assert "instructions" not in server.speech_requests[0].body


@pytest.mark.parametrize("fault", ["truncated", "corrupt", "500", "reset"])
def test_openai_broken_answers_are_retried(tmp_path: Path, fault: str) -> None:
    """A body cut short is caught by the sizes in the WAV header (a streamed header has
    none: a stream that ends early but cleanly cannot be told from a short answer)."""
    plan = FaultPlan(speech_script=[fault, fault])
    with FakeOpenAIServer(faults=plan, speech_streamed=fault != "truncated") as server:
        settings = settings_for(tmp_path, openai_base_url=server.url)
        with pytest.raises(ProviderUnavailable):
            OpenAICompatSpeech(settings).synthesize(SpeechRequest(text=TEXT))
        retrying = OpenAICompatSpeech(settings_for(tmp_path, openai_base_url=server.url,
                                                   provider_retries=1))  # fmt: skip
        req = SpeechRequest(text=TEXT)
        check_speech(retrying.synthesize(req), req, retrying)
        assert len(server.speech_requests) == 3 and plan.injected[fault] == 2
