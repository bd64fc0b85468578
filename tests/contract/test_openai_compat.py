"""The OpenAI-compatible adapters against a real HTTP server on 127.0.0.1 (no mocked
transport): the text and image contracts (:mod:`mangaflow.testing.models`), then exact
requests, parsing, error mapping, key hygiene and JSON repair."""

from __future__ import annotations

import base64
import io
import json
import logging
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from mangaflow.manga.domain.episode import EpisodeScript
from mangaflow.manga.domain.preferences import parse_preferences
from mangaflow.manga.domain.story import StoryBible
from mangaflow.manga.services.prompts import episode_messages, story_messages
from mangaflow.platform.adapters.image.openai_compat import OpenAICompatImage, choose_size
from mangaflow.platform.adapters.image.openai_compat import register as register_image
from mangaflow.platform.adapters.text.openai_compat import OpenAICompatText
from mangaflow.platform.adapters.text.openai_compat import register as register_text
from mangaflow.platform.config import Settings
from mangaflow.platform.errors import (
    ConfigError,
    ContentRejected,
    ProviderAuthError,
    ProviderError,
    ProviderOutputError,
    ProviderRateLimited,
    ProviderUnavailable,
)
from mangaflow.platform.ports import ImageRequest, TextRequest, Usage
from mangaflow.platform.registry import ProviderRegistry
from mangaflow.platform.structured import generate_structured
from mangaflow.testing.models import Failure, ImageModelContract, MakeFailing, TextModelContract
from tests.conftest import VALID_PREFS, make_settings
from tests.fakes.net import closed_port, closed_url
from tests.fakes.openai_server import FakeOpenAIServer, prefs_from_prompt

KEY = "sk-test-Zq8v1secret"
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def server() -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer() as fake:
        yield fake


def settings_for(tmp_path: Path, base_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {"openai_base_url": base_url, "http_timeout_seconds": 10.0}
    values.update(overrides)
    return make_settings(tmp_path / "home", **values)


def story_request(seed: int = 7) -> TextRequest:
    prefs = parse_preferences(VALID_PREFS)
    context = {"preferences": prefs.wire(), "insights": {}, "episodes": 3}
    return TextRequest(task="story_bible", messages=story_messages(prefs, {}, 3),
                       context=context, json_schema=StoryBible.model_json_schema(), seed=seed)  # fmt: skip


def image_request(
    width: int = 1024, height: int = 640, negative: str = "text, blurry"
) -> ImageRequest:
    return ImageRequest(prompt="Modern manga art, full colour. medium shot. A duel.",
                        negative_prompt=negative, width=width, height=height, seed=3,
                        art_style="Modern", shot="medium", setting="a city", setting_kind="city",
                        description="A duel.")  # fmt: skip


def call(kind: str, settings: Settings) -> object:
    if kind == "text":
        return OpenAICompatText(settings).complete(story_request())
    return OpenAICompatImage(settings).generate(image_request())


# --------------------------------------------------------------------------- contracts


def failing_on(
    server: FakeOpenAIServer, tmp_path: Path, factory: Any, **overrides: Any
) -> MakeFailing:
    """``make_failing`` for the contracts: the fake told to fail, or a closed port."""

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
        return factory(settings_for(tmp_path, url, openai_api_key=KEY, **overrides))

    return make


class TestOpenAICompatText(TextModelContract):
    adapter = OpenAICompatText

    @pytest.fixture
    def model(self, tmp_path: Path, server: FakeOpenAIServer) -> OpenAICompatText:
        return OpenAICompatText(settings_for(tmp_path, server.url, openai_api_key=KEY))

    @pytest.fixture
    def make_failing(self, tmp_path: Path, server: FakeOpenAIServer) -> MakeFailing:
        return failing_on(server, tmp_path, OpenAICompatText)


class TestOpenAICompatImage(ImageModelContract):
    """A local server's model (any size, snapped to multiples of 64) and a hosted one (a
    few fixed sizes, which the fake enforces)."""

    adapter = OpenAICompatImage

    @pytest.fixture(params=["fake-image", "gpt-image-1"])
    def image_model(self, request: pytest.FixtureRequest) -> str:
        return str(request.param)

    @pytest.fixture
    def model(self, tmp_path: Path, server: FakeOpenAIServer, image_model: str) -> Any:
        settings = settings_for(tmp_path, server.url, openai_api_key=KEY,
                                openai_image_model=image_model)  # fmt: skip
        return OpenAICompatImage(settings)

    @pytest.fixture
    def make_failing(self, tmp_path: Path, server: FakeOpenAIServer) -> MakeFailing:
        return failing_on(server, tmp_path, OpenAICompatImage)

    def drawn_size(self, model: Any, request: ImageRequest) -> tuple[int, int]:
        return choose_size(model.model, request.width, request.height)


# --------------------------------------------------------------------------- text requests


@pytest.mark.parametrize("key,json_mode", [(KEY, True), ("", False), ("", True)])
def test_text_request_body_and_headers(
    tmp_path: Path, server: FakeOpenAIServer, key: str, json_mode: bool
) -> None:
    settings = settings_for(tmp_path, server.url, openai_api_key=key, openai_json_mode=json_mode,
                            openai_text_model="llama3.1:8b")  # fmt: skip
    request = story_request()
    OpenAICompatText(settings).complete(request)

    [sent] = server.requests
    assert (sent.method, sent.path) == ("POST", "/v1/chat/completions")
    expected: dict[str, Any] = {
        "model": "llama3.1:8b", "messages": request.messages, "temperature": 0.8,
        "max_tokens": 8000, "seed": 7,
    }  # fmt: skip
    if json_mode:
        expected["response_format"] = {"type": "json_object"}
    assert sent.body == expected
    assert sent.headers["content-type"] == "application/json"
    if key:
        assert sent.headers["authorization"] == f"Bearer {KEY}"
    else:
        assert "authorization" not in sent.headers
    assert KEY.encode() not in sent.raw  # the key travels in the header only


def test_text_parses_content_and_usage(tmp_path: Path, server: FakeOpenAIServer) -> None:
    server.raw_responses = [(200, {"choices": [{"index": 0, "finish_reason": "stop",
        "message": {"role": "assistant", "content": '{"a": 1}'}}],
        "usage": {"prompt_tokens": 12, "completion_tokens": 34, "total_tokens": 46}}),
        (200, {"choices": [{"message": {"content": "{}"}}]})]  # fmt: skip
    model = OpenAICompatText(settings_for(tmp_path, server.url, openai_text_model="gpt-4o-mini"))
    result = model.complete(story_request())
    assert (result.text, result.provider, result.model) == ('{"a": 1}', "openai", "gpt-4o-mini")
    assert result.usage == Usage(calls=1, input_tokens=12, output_tokens=34)
    assert model.complete(story_request()).usage == Usage(calls=1)  # no usage block
    result = model.complete(story_request())  # the fake's own answer: a story and its usage
    StoryBible.model_validate_json(result.text)
    assert result.usage.input_tokens > 0 and result.usage.output_tokens > 0


def test_fake_writes_episodes_for_the_prompt(tmp_path: Path, server: FakeOpenAIServer) -> None:
    prefs = parse_preferences({**VALID_PREFS, "notes": "a lighthouse", "characters": [
        {"name": "Mika Sato", "role": "protagonist", "appearance": "silver hair"}]})  # fmt: skip
    assert prefs_from_prompt(story_messages(prefs, {}, 2)[1]["content"]) == prefs.wire()
    text = OpenAICompatText(settings_for(tmp_path, server.url))
    bible, _ = generate_structured(text, StoryBible, story_request(), repair_attempts=0)
    request = TextRequest(task="episode_script", context={}, json_schema={}, seed=1,
                          messages=episode_messages(prefs, bible, 2, ["It began."], 5))  # fmt: skip
    script, _ = generate_structured(text, EpisodeScript, request, repair_attempts=0)
    assert (script.number, len(script.pages)) == (2, 5)
    assert {c for p in script.panels for c in p.characters} <= {c.name for c in bible.characters}


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize("failure,error,retryable", [
    (429, ProviderRateLimited, True), (500, ProviderUnavailable, True),
    (503, ProviderUnavailable, True), ((400, "content_policy_violation"), ContentRejected, False),
    (400, ProviderError, False), (404, ProviderError, False),
])  # fmt: skip
@pytest.mark.parametrize("kind", ["text", "image"])
def test_http_errors_map_onto_the_error_tree(
    tmp_path: Path, server: FakeOpenAIServer, kind: str, failure: Any,
    error: type[ProviderError], retryable: bool,
) -> None:  # fmt: skip
    server.fail_with = [failure]
    settings = settings_for(tmp_path, server.url, openai_api_key=KEY)
    with pytest.raises(ProviderError) as info:
        call(kind, settings)
    assert type(info.value) is error
    assert info.value.retryable is retryable
    assert f"OpenAI-compatible endpoint {server.url}" in info.value.message
    assert KEY not in str(info.value)


@pytest.mark.parametrize("kind", ["text", "image"])
def test_bad_key_is_an_auth_error_naming_the_setting(
    tmp_path: Path, server: FakeOpenAIServer, kind: str, caplog: pytest.LogCaptureFixture
) -> None:
    server.required_key = "sk-the-right-one"
    settings = settings_for(tmp_path, server.url, openai_api_key=KEY)
    caplog.set_level(logging.DEBUG)
    with pytest.raises(ProviderAuthError) as info:
        call(kind, settings)
    assert "MANGAFLOW_OPENAI_API_KEY" in info.value.message
    assert not info.value.retryable
    assert KEY not in str(info.value) and KEY not in repr(info.value.details)
    assert KEY not in caplog.text  # the fake echoed it in its body; it goes nowhere
    assert server.requests[0].headers["authorization"] == f"Bearer {KEY}"


def test_key_echoed_in_an_error_body_is_scrubbed(tmp_path: Path, server: FakeOpenAIServer) -> None:
    server.raw_responses = [(400, {"error": {"message": f"bad request from {KEY}"}})]
    with pytest.raises(ProviderError) as info:
        OpenAICompatText(settings_for(tmp_path, server.url, openai_api_key=KEY)).complete(
            story_request()
        )
    assert KEY not in str(info.value) and "***" in str(info.value)


def test_missing_key_works_for_local_servers(tmp_path: Path, server: FakeOpenAIServer) -> None:
    server.required_key = "sk-needed"
    with pytest.raises(ProviderAuthError, match="MANGAFLOW_OPENAI_API_KEY"):
        OpenAICompatText(settings_for(tmp_path, server.url)).complete(story_request())
    assert "authorization" not in server.requests[0].headers


@pytest.mark.parametrize("kind", ["text", "image"])
def test_connection_refused_is_unavailable(tmp_path: Path, kind: str) -> None:
    url = f"http://user:hunter2@127.0.0.1:{closed_port()}/v1"
    settings = settings_for(tmp_path, url, openai_api_key=KEY)
    with pytest.raises(ProviderUnavailable, match="could not be reached") as info:
        call(kind, settings)
    assert info.value.retryable
    assert "hunter2" not in str(info.value) and KEY not in str(info.value)


@pytest.mark.parametrize("kind", ["text", "image"])
def test_timeout_is_unavailable(tmp_path: Path, server: FakeOpenAIServer, kind: str) -> None:
    server.text_delay = server.image_delay = 1.5
    settings = settings_for(tmp_path, server.url, http_timeout_seconds=0.2)
    with pytest.raises(ProviderUnavailable, match="timed out") as info:
        call(kind, settings)
    assert info.value.retryable


def test_content_filter_is_rejected(tmp_path: Path, server: FakeOpenAIServer) -> None:
    server.content_filter = True
    settings = settings_for(tmp_path, server.url)
    with pytest.raises(ContentRejected):
        OpenAICompatText(settings).complete(story_request())
    with pytest.raises(ContentRejected):
        OpenAICompatImage(settings).generate(image_request())


def test_refusal_is_rejected(tmp_path: Path, server: FakeOpenAIServer) -> None:
    server.raw_responses = [(200, {"choices": [{"finish_reason": "stop", "message": {
        "role": "assistant", "content": None, "refusal": "I can't help with that."}}]})]  # fmt: skip
    with pytest.raises(ContentRejected, match="can't help"):
        OpenAICompatText(settings_for(tmp_path, server.url)).complete(story_request())


@pytest.mark.parametrize("status,body,problem", [
    (200, b"<html>gateway</html>", "not JSON"),
    (200, {"object": "chat.completion"}, "without choices[0]"),
    (200, {"choices": []}, "without choices[0]"),
    (200, {"choices": [{"finish_reason": "stop"}]}, "without a message"),
    (200, {"choices": [{"message": {"role": "assistant"}}]}, "without text content"),
    (200, ["not", "an", "object"], "not an object"),
])  # fmt: skip
def test_ill_shaped_chat_body_is_a_provider_error(
    tmp_path: Path, server: FakeOpenAIServer, status: int, body: Any, problem: str
) -> None:
    server.raw_responses = [
        (status, body if isinstance(body, bytes | dict) else json.dumps(body).encode())
    ]
    with pytest.raises(ProviderError, match=re.escape(problem)) as info:
        OpenAICompatText(settings_for(tmp_path, server.url)).complete(story_request())
    # A 200 that is not JSON is an invalid answer (retried); a wrong shape is permanent.
    assert type(info.value) is (ProviderUnavailable if problem == "not JSON" else ProviderError)


# --------------------------------------------------------------------------- images


@pytest.mark.parametrize("model,size,expected", [
    ("gpt-image-1", (1024, 1024), "1024x1024"), ("gpt-image-1", (1024, 640), "1536x1024"),
    ("gpt-image-1", (640, 1024), "1024x1536"), ("dall-e-3", (1024, 576), "1792x1024"),
    ("dall-e-3", (576, 1024), "1024x1792"), ("dall-e-3", (900, 1000), "1024x1024"),
    ("dall-e-2", (1024, 640), "1024x1024"), ("dall-e-2", (300, 200), "512x512"),
    ("dall-e-2", (200, 100), "256x256"), ("sdxl-turbo", (1024, 640), "1024x640"),
    ("sdxl-turbo", (700, 1000), "704x1024"), ("flux-schnell", (2048, 1024), "1536x768"),
    ("sd-1.5", (100, 50), "512x256"),
])  # fmt: skip
def test_image_request_body_and_size_mapping(
    tmp_path: Path, server: FakeOpenAIServer, model: str, size: tuple[int, int], expected: str
) -> None:
    settings = settings_for(tmp_path, server.url, openai_image_model=model, openai_api_key=KEY)
    result = OpenAICompatImage(settings).generate(image_request(*size))

    [sent] = server.requests
    assert (sent.method, sent.path) == ("POST", "/v1/images/generations")
    body: dict[str, Any] = {
        "model": model, "prompt": "Modern manga art, full colour. medium shot. A duel. "
        "Avoid: text, blurry", "n": 1, "size": expected,
    }  # fmt: skip
    if not model.startswith("gpt-image"):
        body["response_format"] = "b64_json"
    assert sent.body == body
    assert sent.headers["authorization"] == f"Bearer {KEY}"
    assert KEY.encode() not in sent.raw
    assert result.png.startswith(PNG)
    assert Image.open(io.BytesIO(result.png)).size == tuple(map(int, expected.split("x")))
    assert (result.provider, result.model) == ("openai", model)
    assert result.usage == Usage(calls=1, images=1)


def test_choose_size_keeps_local_sizes_in_bounds() -> None:
    for w, h in [(64, 4096), (4096, 64), (1, 1), (1536, 1536), (5000, 5000)]:
        sw, sh = choose_size("local", w, h)
        assert 256 <= sw <= 1536 and 256 <= sh <= 1536 and sw % 64 == 0 and sh % 64 == 0


def test_image_without_negative_prompt_and_long_prompt(
    tmp_path: Path, server: FakeOpenAIServer
) -> None:
    settings = settings_for(tmp_path, server.url, openai_image_model="dall-e-2")
    model = OpenAICompatImage(settings)
    model.generate(image_request(negative=""))
    assert (
        server.requests[0].body["prompt"] == "Modern manga art, full colour. medium shot. A duel."
    )
    long = image_request()
    long.prompt = "word " * 600
    model.generate(long)
    prompt = server.requests[1].body["prompt"]
    assert len(prompt) <= 1000 and prompt.endswith("... Avoid: text, blurry")


@pytest.mark.parametrize("fmt", ["JPEG", "WEBP"])
def test_other_image_formats_become_png(tmp_path: Path, fmt: str) -> None:
    with FakeOpenAIServer(image_format=fmt) as server:
        result = OpenAICompatImage(settings_for(tmp_path, server.url)).generate(image_request())
    assert result.png.startswith(PNG)
    assert Image.open(io.BytesIO(result.png)).size == (1536, 1024)


@pytest.mark.parametrize("body,problem", [
    ({"data": []}, "without data\\[0\\]"),
    ({"created": 1}, "without data\\[0\\]"),
    ({"data": [{"url": "https://example.invalid/x.png"}]}, "without b64_json \\(got url\\)"),
    ({"data": [{"b64_json": "%%% not base64 %%%"}]}, "not base64"),
    ({"data": [{"b64_json": base64.b64encode(b"hello").decode()}]}, "not an image"),
])  # fmt: skip
def test_ill_shaped_image_body_is_a_provider_error(
    tmp_path: Path, server: FakeOpenAIServer, body: dict[str, Any], problem: str
) -> None:
    server.raw_responses = [(200, body)]
    with pytest.raises(ProviderError, match=problem) as info:
        OpenAICompatImage(settings_for(tmp_path, server.url)).generate(image_request())
    assert type(info.value) is ProviderError


def test_images_run_concurrently(tmp_path: Path) -> None:
    with FakeOpenAIServer(image_delay=0.3) as server:
        model = OpenAICompatImage(settings_for(tmp_path, server.url))
        assert (model.name, model.max_concurrency) == ("openai", 8)
        with ThreadPoolExecutor(max_workers=model.max_concurrency) as pool:
            results = list(pool.map(lambda _: model.generate(image_request(256, 256)), range(8)))
    assert all(r.png.startswith(PNG) for r in results)
    assert server.calls == 8 and server.in_flight == 0
    assert server.max_in_flight > 1


# --------------------------------------------------------------------------- structured output


def test_structured_output_repairs_malformed_answers(tmp_path: Path) -> None:
    with FakeOpenAIServer(malformed_text_responses=2) as server:
        text = OpenAICompatText(settings_for(tmp_path, server.url))
        seen: list[Any] = []
        bible, result = generate_structured(text, StoryBible, story_request(), repair_attempts=2,
                                            on_result=seen.append)  # fmt: skip
    assert server.text_calls == 3 and len(seen) == 3
    assert bible.characters and result.usage.calls == 1
    repairs = [m for m in server.requests[2].body["messages"] if "did not validate" in m["content"]]
    assert len(repairs) == 2
    assert "characters: Field required" in repairs[0]["content"]
    assert "Invalid JSON" in repairs[1]["content"]


def test_structured_output_gives_up_saying_what_was_invalid(tmp_path: Path) -> None:
    with FakeOpenAIServer(always_malformed=True) as server:
        text = OpenAICompatText(settings_for(tmp_path, server.url))
        with pytest.raises(ProviderOutputError) as info:
            generate_structured(text, StoryBible, story_request(), repair_attempts=2)
    assert server.text_calls == 3
    message = info.value.message
    assert "story bible 3 times" in message
    assert "characters: Field required" in message and "title:" in message


# --------------------------------------------------------------------------- wiring


def test_register_adds_both_providers_built_from_settings(
    tmp_path: Path, server: FakeOpenAIServer
) -> None:
    registry = ProviderRegistry()
    register_text(registry)
    register_image(registry)
    settings = settings_for(tmp_path, server.url, openai_text_model="m1", openai_image_model="m2")
    text = registry.create_text("openai", settings)
    image = registry.create_image("openai", settings)
    assert isinstance(text, OpenAICompatText) and text.model == "m1" and not text.offline
    assert isinstance(image, OpenAICompatImage) and image.model == "m2" and not image.offline
    assert text.name == image.name == "openai"


def test_bad_configuration_fails_at_construction(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="MANGAFLOW_OPENAI_BASE_URL"):
        OpenAICompatText(settings_for(tmp_path, "localhost:11434/v1"))
    with pytest.raises(ConfigError, match="MANGAFLOW_OPENAI_API_KEY"):
        OpenAICompatImage(settings_for(tmp_path, "https://api.openai.com/v1"))
    model = OpenAICompatText(
        settings_for(tmp_path, "https://api.openai.com/v1", openai_api_key=KEY)
    )
    assert KEY not in repr(vars(model.endpoint))
