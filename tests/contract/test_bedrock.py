"""The Amazon Bedrock text and image adapters: the text and image contracts
(:mod:`mangaflow.testing.models`) against a loopback fake of the bedrock-runtime REST API
(tests/fakes/bedrock_server, reached through botocore's real serializer, signer and
parsers), then the adapters' own contract with the API, checked with botocore's Stubber
(exact request parameters, canned responses and errors). Nothing here talks to AWS: clients
are built with fake credentials; a test that a network connection is never opened guards
the lazy client."""

from __future__ import annotations

import base64
import io
import json
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from unittest.mock import Mock

import boto3
import boto3.session
import pytest
from botocore import exceptions as aws
from botocore.response import StreamingBody
from botocore.stub import Stubber
from PIL import Image

import mangaflow.platform.errors as mf
from mangaflow.manga.domain.preferences import parse_preferences
from mangaflow.manga.services.prompts import SYSTEM, story_messages
from mangaflow.platform.adapters.image import bedrock as ib
from mangaflow.platform.adapters.image.bedrock import NOVA, SDXL, TITAN, BedrockImage
from mangaflow.platform.adapters.text import bedrock as tb
from mangaflow.platform.adapters.text.bedrock import BedrockText, converse_messages
from mangaflow.platform.config import Settings
from mangaflow.platform.ports import CharacterLook, ImageRequest, TextRequest
from mangaflow.platform.registry import ProviderRegistry
from mangaflow.platform.structured import repair_message
from mangaflow.testing.models import Failure, ImageModelContract, MakeFailing, TextModelContract
from tests.conftest import VALID_PREFS, make_settings
from tests.fakes.bedrock_server import FakeBedrock
from tests.fakes.net import closed_url

TEXT_MODEL = "anthropic.claude-3-5-sonnet-20240620-v1:0"
SDXL_MODEL = "stability.stable-diffusion-xl-v1"
TITAN_MODEL = "amazon.titan-image-generator-v2:0"
NOVA_MODEL = "amazon.nova-canvas-v1:0"
NEGATIVE = "text, watermark, signature, extra limbs, deformed hands, blurry, lowres"
ENDPOINT = "https://bedrock-runtime.us-east-1.amazonaws.com"
BLOCKED = "This request has been blocked by our content filters."
RETRYABLE = (mf.ProviderRateLimited, mf.ProviderUnavailable)


def fake_client() -> Any:
    return boto3.client("bedrock-runtime", region_name="us-east-1",
                        aws_access_key_id="testing", aws_secret_access_key="testing")  # fmt: skip


def bedrock_settings(tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {"bedrock_region": "us-east-1", "bedrock_text_model": TEXT_MODEL}
    return make_settings(tmp_path / "home", **{**values, **overrides})


@pytest.fixture
def stubbed() -> Iterator[tuple[Any, Stubber]]:
    client = fake_client()
    with Stubber(client) as stub:
        yield client, stub
        stub.assert_no_pending_responses()


@dataclass(eq=False)
class JsonBody:
    """Matches an ``invoke_model`` body whose JSON equals ``expected``."""

    expected: dict[str, Any]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, str | bytes) and json.loads(other) == self.expected


def tiny() -> TextRequest:
    return TextRequest(task="story_bible", messages=[{"role": "user", "content": "x"}],
                       context={}, json_schema={})  # fmt: skip


def converse_response(texts: list[str], stop: str = "end_turn") -> dict[str, Any]:
    return {"output": {"message": {"role": "assistant", "content": [{"text": t} for t in texts]}},
            "stopReason": stop, "metrics": {"latencyMs": 850},
            "usage": {"inputTokens": 1234, "outputTokens": 567, "totalTokens": 1801}}  # fmt: skip


def invoke_response(payload: dict[str, Any]) -> dict[str, Any]:
    data = json.dumps(payload).encode()
    return {"body": StreamingBody(io.BytesIO(data), len(data)), "contentType": "application/json"}


def png_b64(size: tuple[int, int] = (8, 6), fmt: str = "PNG") -> str:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, format=fmt)
    return base64.b64encode(out.getvalue()).decode()


def image_request(width: int = 1024, height: int = 1024, seed: int = 42, **kw: Any) -> ImageRequest:
    values: dict[str, Any] = {
        "prompt": "Black and White manga art, black and white, screentone. medium shot. "
                  "Aki leaps across the rooftops. Setting: Neo-Kyoto. Characters: Aki: "
                  "tall, short silver hair, wearing a red scarf, colours #aa3322 #112233.",
        "negative_prompt": NEGATIVE, "width": width, "height": height, "seed": seed,
        "art_style": "Black and White", "shot": "medium", "setting": "Neo-Kyoto",
        "setting_kind": "city", "description": "Aki leaps across the rooftops",
        "characters": [CharacterLook("Aki", "tall, short silver hair", "a red scarf",
                                     ["#aa3322", "#112233"], "lean", 7)],
        "monochrome": True,
    }  # fmt: skip
    return ImageRequest(**{**values, **kw})


def image_model(tmp_path: Path, model: str, client: Any) -> BedrockImage:
    return BedrockImage(bedrock_settings(tmp_path, bedrock_image_model=model), client=client)


# --------------------------------------------------------------------------- contracts

#: failure → the error the fake answers with (as AWS shapes them)
AWS_FAILURES: dict[str, tuple[str, int, str]] = {
    "unavailable": ("ServiceUnavailableException", 503, "Bedrock is unavailable. Try again."),
    "rate_limited": ("ThrottlingException", 429, "Too many requests, please wait."),
    "auth": ("UnrecognizedClientException", 403, "The security token included in the "
             "request is invalid."),
}  # fmt: skip


@pytest.fixture
def bedrock(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[FakeBedrock]:
    """The fake bedrock-runtime; clients the adapters build find it through
    ``AWS_ENDPOINT_URL_BEDROCK_RUNTIME`` and sign with fake credentials."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_CONFIG_FILE": str(tmp_path / "no-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-credentials"),
    }.items():  # fmt: skip
        monkeypatch.setenv(name, value)
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL",
                 "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"):  # fmt: skip
        monkeypatch.delenv(name, raising=False)
    with FakeBedrock() as fake:
        monkeypatch.setenv("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", fake.url)
        yield fake


def bedrock_failing(
    bedrock: FakeBedrock, monkeypatch: pytest.MonkeyPatch, make: Any
) -> MakeFailing:
    """``make_failing`` for the contracts: the fake told to fail, or a closed port."""

    def failing(failure: Failure) -> Any:
        if failure == "unreachable":
            monkeypatch.setenv("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", closed_url())
        elif failure == "content":
            bedrock.content_filter = True
        else:
            bedrock.fail_with = [AWS_FAILURES[failure]]
        return make()

    return failing


class TestBedrockText(TextModelContract):
    adapter = BedrockText

    @pytest.fixture
    def model(self, bedrock: FakeBedrock, tmp_path: Path) -> BedrockText:
        return BedrockText(bedrock_settings(tmp_path))

    @pytest.fixture
    def make_failing(
        self, bedrock: FakeBedrock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> MakeFailing:
        return bedrock_failing(bedrock, monkeypatch, lambda: BedrockText(bedrock_settings(tmp_path)))


class TestBedrockImage(ImageModelContract):
    """Each model family (the fake refuses sizes a family does not accept, as AWS does)."""

    adapter = BedrockImage

    @pytest.fixture(params=[SDXL_MODEL, TITAN_MODEL, NOVA_MODEL])
    def model(self, bedrock: FakeBedrock, tmp_path: Path, request: pytest.FixtureRequest) -> Any:
        return BedrockImage(bedrock_settings(tmp_path, bedrock_image_model=request.param))

    @pytest.fixture
    def make_failing(
        self, bedrock: FakeBedrock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> MakeFailing:
        settings = bedrock_settings(tmp_path, bedrock_image_model=NOVA_MODEL)
        return bedrock_failing(bedrock, monkeypatch, lambda: BedrockImage(settings))

    def drawn_size(self, model: Any, request: ImageRequest) -> tuple[int, int]:
        return ib.size_for(model.family, request.width, request.height)


def test_converse_story_prompt_and_repair_round(tmp_path: Path, stubbed: Any) -> None:
    client, stub = stubbed
    messages = story_messages(parse_preferences(VALID_PREFS), {"recommendations": []}, 3)
    repair = repair_message("- title: Field required")
    messages += [{"role": "assistant", "content": '{"logline": "x"}'}, repair]
    stub.add_response("converse", converse_response(['{"title": ', '"Ink"}']), {
        "modelId": TEXT_MODEL,
        "system": [{"text": SYSTEM}],
        "messages": [
            {"role": "user", "content": [{"text": messages[1]["content"]}]},
            {"role": "assistant", "content": [{"text": '{"logline": "x"}'}]},
            {"role": "user", "content": [{"text": repair["content"]}]},
        ],
        "inferenceConfig": {"maxTokens": 8000, "temperature": 0.8},
    })  # fmt: skip
    request = TextRequest(task="story_bible", messages=messages, context={}, json_schema={})
    result = BedrockText(bedrock_settings(tmp_path), client=client).complete(request)
    assert result.text == '{"title": "Ink"}'
    assert (result.provider, result.model) == ("bedrock", TEXT_MODEL)
    usage = result.usage
    assert (usage.calls, usage.input_tokens, usage.output_tokens, usage.images) == (1, 1234, 567, 0)


def test_consecutive_roles_are_merged_and_systems_joined() -> None:
    system, turns = converse_messages([
        {"role": "system", "content": "S1"}, {"role": "user", "content": "u1"},
        {"role": "system", "content": "S2"}, {"role": "user", "content": "u2"},
        {"role": "assistant", "content": "a1"}, {"role": "assistant", "content": "a2"},
        {"role": "user", "content": "  "}, {"role": "user", "content": "u3"},
    ])  # fmt: skip
    assert system == "S1\n\nS2"
    assert turns == [
        {"role": "user", "content": [{"text": "u1\n\nu2"}]},
        {"role": "assistant", "content": [{"text": "a1\n\na2"}]},
        {"role": "user", "content": [{"text": "u3"}]},
    ]
    with pytest.raises(mf.ProviderError, match="start with a user message"):
        converse_messages([{"role": "assistant", "content": "a"}])


def test_no_system_and_bounded_temperature(tmp_path: Path, stubbed: Any) -> None:
    client, stub = stubbed
    stub.add_response("converse", converse_response(["{}"]), {
        "modelId": TEXT_MODEL, "messages": [{"role": "user", "content": [{"text": "x"}]}],
        "inferenceConfig": {"maxTokens": 100, "temperature": 1.0}})  # fmt: skip
    request = tiny()
    request.temperature, request.max_tokens = 1.7, 100
    assert BedrockText(bedrock_settings(tmp_path), client=client).complete(request).text == "{}"


@pytest.mark.parametrize("stop", ["content_filtered", "guardrail_intervened"])
def test_filtered_answers_are_content_rejected(tmp_path: Path, stubbed: Any, stop: str) -> None:
    client, stub = stubbed
    stub.add_response("converse", converse_response(["sorry"], stop=stop))
    with pytest.raises(mf.ContentRejected, match=stop) as info:
        BedrockText(bedrock_settings(tmp_path), client=client).complete(tiny())
    assert not info.value.retryable


ERROR_CASES = [
    ("ThrottlingException", 429, "Too many requests", mf.ProviderRateLimited),
    ("TooManyRequestsException", 429, "slow down", mf.ProviderRateLimited),
    ("ServiceQuotaExceededException", 400, "quota", mf.ProviderRateLimited),
    ("ServiceUnavailableException", 503, "unavailable", mf.ProviderUnavailable),
    ("InternalServerException", 500, "oops", mf.ProviderUnavailable),
    ("ModelNotReadyException", 429, "model is not ready", mf.ProviderUnavailable),
    ("ModelTimeoutException", 408, "took too long", mf.ProviderUnavailable),
    ("AccessDeniedException", 403, "You don't have access to the model", mf.ProviderAuthError),
    ("UnrecognizedClientException", 403, "Key AKIAIOSFODNN7EXAMPLE is invalid; "
     "secret_access_key=wJalrXUtnFEMI/K7", mf.ProviderAuthError),
    ("ExpiredTokenException", 400, "The security token has expired", mf.ProviderAuthError),
    ("ValidationException", 400, BLOCKED, mf.ContentRejected),
    ("ValidationException", 400, "messages must alternate user/assistant", mf.ProviderError),
    ("ValidationException", 400, "The provided model identifier is invalid.", mf.ConfigError),
    ("ResourceNotFoundException", 404, "Model not found", mf.ConfigError),
    ("ModelErrorException", 424, "The model failed", mf.ProviderError),
    ("SomethingNewException", 502, "bad gateway", mf.ProviderUnavailable),
]  # fmt: skip


@pytest.mark.parametrize(("code", "status", "message", "kind"), ERROR_CASES)
@pytest.mark.parametrize("op", ["converse", "invoke_model"])
def test_aws_errors_map_onto_the_error_tree(
    tmp_path: Path, stubbed: Any, op: str, code: str, status: int, message: str, kind: type
) -> None:
    client, stub = stubbed
    stub.add_client_error(op, code, message, http_status_code=status)
    text = BedrockText(bedrock_settings(tmp_path), client=client)
    image = image_model(tmp_path, NOVA_MODEL, client)
    with pytest.raises(mf.MangaFlowError) as info:
        text.complete(tiny()) if op == "converse" else image.generate(image_request())
    err = info.value
    model, setting = (TEXT_MODEL, "TEXT") if op == "converse" else (NOVA_MODEL, "IMAGE")
    assert type(err) is kind, err
    assert err.retryable == (kind in RETRYABLE)
    assert code in err.message and model in err.message
    assert isinstance(err.__cause__, Exception)  # raised ``from`` the AWS error
    assert "AKIAIOSFODNN7EXAMPLE" not in err.message and "wJalrXUtnFEMI" not in err.message
    if kind in (mf.ProviderAuthError, mf.ConfigError):
        assert f"MANGAFLOW_BEDROCK_{setting}_MODEL" in err.message
    if kind is mf.ProviderAuthError:
        assert "MANGAFLOW_BEDROCK_REGION" in err.message and "credentials" in err.message
        assert "us-east-1" in err.message


@pytest.mark.parametrize(("exc", "kind", "words"), [
    (aws.NoCredentialsError(), mf.ProviderAuthError, "no AWS credentials found"),
    (aws.ReadTimeoutError(endpoint_url=ENDPOINT), mf.ProviderUnavailable, "timed out"),
    (aws.ConnectTimeoutError(endpoint_url=ENDPOINT), mf.ProviderUnavailable, "timed out"),
    (aws.EndpointConnectionError(endpoint_url=ENDPOINT), mf.ProviderUnavailable, "not be reached"),
])  # fmt: skip
def test_sdk_failures_map_onto_the_error_tree(
    tmp_path: Path, exc: Exception, kind: type[Exception], words: str
) -> None:
    raising = SimpleNamespace(converse=Mock(side_effect=exc))
    with pytest.raises(kind, match=words) as info:
        BedrockText(bedrock_settings(tmp_path), client=raising).complete(tiny())
    assert info.value.__cause__ is exc
    assert isinstance(info.value, mf.MangaFlowError) and info.value.retryable == (kind in RETRYABLE)
    assert "MANGAFLOW_BEDROCK_REGION" in str(info.value) or kind is not mf.ProviderAuthError


def expected_body(model: str, prompt: str, negative: str, size: Any, seed: int) -> Any:
    """The documented body; an empty negative prompt is left out."""
    if model == SDXL_MODEL:
        prompts = [{"text": prompt, "weight": 1.0}]
        prompts += [{"text": negative, "weight": -1.0}] if negative else []
        return {"text_prompts": prompts, "cfg_scale": 7, "seed": seed, "steps": 30,
                "width": size[0], "height": size[1], "style_preset": "anime"}  # fmt: skip
    params = {"text": prompt, **({"negativeText": negative} if negative else {})}
    return {"taskType": "TEXT_IMAGE", "textToImageParams": params,
            "imageGenerationConfig": {"numberOfImages": 1, "width": size[0], "height": size[1],
                                      "cfgScale": 8.0, "seed": seed}}  # fmt: skip


@pytest.mark.parametrize("case", [
    (SDXL_MODEL, (1024, 704), (1216, 832), 7, 7), (SDXL_MODEL, (1024, 384), (1536, 640), 7, 7),
    (SDXL_MODEL, (704, 1024), (832, 1216), 2**32, 0), (SDXL_MODEL, (320, 1024), (640, 1536), 7, 7),
    (SDXL_MODEL, (1024, 1024), (1024, 1024), 7, 7), (TITAN_MODEL, (1024, 704), (1152, 768), 9, 9),
    (TITAN_MODEL, (704, 1024), (768, 1152), 2**31, 1), (NOVA_MODEL, (1024, 704), (1024, 704), 9, 9),
    (TITAN_MODEL, (1024, 1024), (1024, 1024), 9, 9), (TITAN_MODEL, (1024, 576), (1152, 640), 9, 9),
    (NOVA_MODEL, (704, 1024), (704, 1024), 2**32 - 1, (2**32 - 1) % 858_993_460),
    (NOVA_MODEL, (1024, 1024), (1024, 1024), 9, 9), (NOVA_MODEL, (1024, 256), (1280, 320), 9, 9),
])  # fmt: skip
@pytest.mark.parametrize("negative", [NEGATIVE, ""])
def test_invoke_model_bodies(tmp_path: Path, stubbed: Any, case: Any, negative: str) -> None:
    client, stub = stubbed
    model, size, expected, seed, sent = case  # the seed is brought into the model's range
    request = image_request(*size, seed=seed, negative_prompt=negative)
    body = expected_body(model, " ".join(request.prompt.split()), negative, expected, sent)
    art = png_b64()
    artifact = {"seed": sent, "base64": art, "finishReason": "SUCCESS"}
    answer = {"artifacts": [artifact]} if model == SDXL_MODEL else {"images": [art], "error": None}
    stub.add_response("invoke_model", invoke_response(answer), {
        "modelId": model, "body": JsonBody(body), "contentType": "application/json",
        "accept": "application/json"})  # fmt: skip
    result = image_model(tmp_path, model, client).generate(request)
    assert (result.png, result.provider, result.model) == (base64.b64decode(art), "bedrock", model)
    assert (result.usage.calls, result.usage.images) == (1, 1)


def test_sizes_and_seeds_are_always_accepted_ones() -> None:
    for w in range(64, 2049, 192):
        for h in range(64, 2049, 192):
            assert ib.size_for(SDXL, w, h) in ib.SDXL_SIZES
            assert ib.size_for(TITAN, w, h) in ib.TITAN_SIZES
            nw, nh = ib.nova_size(w, h)
            assert nw % 16 == 0 and nh % 16 == 0 and min(nw, nh) >= 320 and max(nw, nh) <= 4096
            assert max(nw / nh, nh / nw) <= 4 and nw * nh < ib.NOVA_MAX_PIXELS
    assert ib.nova_size(64, 64) == (320, 320) and ib.nova_size(4096, 4096) == (2032, 2048)
    # seeds wrap into each model's documented range (0..4294967295, 2147483646, 858993459)
    top = [ib.wrap_seed(2**32 - 1, f) for f in (SDXL, TITAN, NOVA)]
    assert top == [2**32 - 1, 1, (2**32 - 1) % 858_993_460]
    assert [ib.wrap_seed(-1, f) for f in (SDXL, TITAN, NOVA)] == [2**32 - 1, 2**31 - 2, 858_993_459]


def test_long_prompts_keep_style_and_characters_first(tmp_path: Path) -> None:
    looks = [CharacterLook(f"Hero{i}", "tall with long flowing silver hair and amber eyes",
                           "a patched navy school uniform with a red scarf", ["#aa3322"], "lean", i)
             for i in range(3)]  # fmt: skip
    request = image_request(description="The three friends race across the bridge " * 12,
                            characters=looks, prompt="x " * 1500,
                            negative_prompt="blurry, " * 200)  # fmt: skip
    params = image_model(tmp_path, TITAN_MODEL, None).request_body(request)["textToImageParams"]
    text = params["text"]
    assert len(text) <= 512 and len(params["negativeText"]) <= 512
    style = "Black and White manga art, black and white, screentone"
    assert text.startswith(f"{style}. Characters: Hero0")
    assert "Hero1" in text and "medium shot. The three friends race" in text
    assert "Setting: Neo-Kyoto" not in text  # the least important piece gave way
    nova = ib.fit_prompt(request, 1024)
    assert len(nova) <= 1024 and "Hero2" in nova
    assert ib.fit_prompt(image_request(), 512) == " ".join(image_request().prompt.split())


@pytest.mark.parametrize("case", [
    (SDXL_MODEL, {"artifacts": [{"finishReason": "CONTENT_FILTERED"}]}, mf.ContentRejected),
    (SDXL_MODEL, {"artifacts": [{"base64": "", "finishReason": "ERROR"}]}, mf.ProviderError),
    (SDXL_MODEL, {"result": "error", "message": "boom"}, mf.ProviderError),
    (TITAN_MODEL, {"images": [], "error": BLOCKED}, mf.ContentRejected),
    (NOVA_MODEL, {"images": [], "error": BLOCKED}, mf.ContentRejected),
    (TITAN_MODEL, {"images": [], "error": "Something went wrong while drawing"}, mf.ProviderError),
    (NOVA_MODEL, {"images": []}, mf.ProviderError),
    (NOVA_MODEL, {"images": ["not base64!"]}, mf.ProviderError),
])  # fmt: skip
def test_failed_image_answers(tmp_path: Path, stubbed: Any, case: Any) -> None:
    (client, stub), (model, answer, kind) = stubbed, case
    stub.add_response("invoke_model", invoke_response(answer))
    with pytest.raises(mf.ProviderError) as info:
        image_model(tmp_path, model, client).generate(image_request())
    assert type(info.value) is kind and not info.value.retryable


def test_non_png_answers_are_converted_to_png(tmp_path: Path, stubbed: Any) -> None:
    client, stub = stubbed
    stub.add_response("invoke_model", invoke_response({"images": [png_b64((12, 9), "JPEG")]}))
    png = image_model(tmp_path, TITAN_MODEL, client).generate(image_request()).png
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    with Image.open(io.BytesIO(png)) as img:
        assert img.size == (12, 9)


def test_model_families_and_unknown_models(tmp_path: Path) -> None:
    assert ib.family_of("stability.stable-diffusion-xl-v1:0") is SDXL
    assert ib.family_of("amazon.titan-image-generator-v1") is TITAN
    assert ib.family_of("us.amazon.nova-canvas-v1:0") is NOVA
    arn = "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-canvas-v1:0"
    assert ib.family_of(arn) is NOVA
    with pytest.raises(mf.ConfigError, match="MANGAFLOW_BEDROCK_IMAGE_MODEL") as info:
        image_model(tmp_path, "stability.sd3-large-v1:0", None)
    assert "amazon.nova-canvas" in str(info.value)
    with pytest.raises(mf.ConfigError, match="MANGAFLOW_BEDROCK_REGION"):
        BedrockText(bedrock_settings(tmp_path, bedrock_region=" "))
    with pytest.raises(mf.ConfigError, match="MANGAFLOW_BEDROCK_TEXT_MODEL"):
        BedrockText(bedrock_settings(tmp_path, bedrock_text_model=""))


def test_clients_are_built_on_first_call(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_network(*_: Any, **__: Any) -> None:
        raise AssertionError("a network connection was attempted")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    built, stubs = [], []  # the clients' creation arguments, and their stubs
    sdxl = {"artifacts": [{"base64": png_b64(), "finishReason": "SUCCESS"}]}
    plans = [[("converse", converse_response(["{}"]))] * 2,
             [("invoke_model", invoke_response(sdxl))]]  # fmt: skip

    class RecordingSession:
        def client(self, service: str, **kwargs: Any) -> Any:
            built.append({"service": service, **kwargs})
            stubs.append(Stubber(client := fake_client()))
            for method, response in plans[len(stubs) - 1]:
                stubs[-1].add_response(method, response)
            stubs[-1].activate()
            return client

    monkeypatch.setattr(boto3.session, "Session", RecordingSession)
    settings = bedrock_settings(tmp_path, bedrock_region="eu-west-3", http_timeout_seconds=42.0)
    registry = ProviderRegistry()
    tb.register(registry)
    ib.register(registry)
    text = registry.create_text("bedrock", settings)
    image = registry.create_image("bedrock", settings)
    assert isinstance(text, BedrockText) and isinstance(image, BedrockImage)
    assert (text.name, image.name, image.max_concurrency) == ("bedrock", "bedrock", 4)
    assert not text.offline and not image.offline
    assert built == []  # constructing touched neither boto3 nor the network

    text.complete(tiny())
    text.complete(tiny())
    assert len(built) == 1  # built on the first call, then reused
    image.generate(image_request())
    assert len(built) == 2  # the image adapter builds its own on its first call
    for call in built:
        config = call["config"]
        assert (call["service"], call["region_name"]) == ("bedrock-runtime", "eu-west-3")
        assert config.read_timeout == 42.0 and config.connect_timeout == 10.0
        assert config.retries == {"total_max_attempts": 1, "mode": "standard"}
    for stub in stubs:
        stub.assert_no_pending_responses()
