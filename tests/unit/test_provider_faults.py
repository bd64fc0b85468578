"""Provider answers validated where they enter, in-call retries, ``Retry-After`` and the
fault-injecting fake itself (adapters against a real HTTP server on 127.0.0.1)."""

from __future__ import annotations

import base64
import io
import json
import random
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import boto3
import httpx
import pytest
from botocore.response import StreamingBody
from botocore.stub import Stubber
from PIL import Image

import tasks.policy as policy
from mangaflow.manga.art.engine import render_png
from mangaflow.platform.adapters.http import raise_for_response, retry_after_seconds
from mangaflow.platform.adapters.image.bedrock import BedrockImage
from mangaflow.platform.adapters.image.openai_compat import OpenAICompatImage
from mangaflow.platform.adapters.image.png import to_png
from mangaflow.platform.adapters.text.bedrock import BedrockText
from mangaflow.platform.adapters.text.openai_compat import OpenAICompatText
from mangaflow.platform.config import Settings
from mangaflow.platform.errors import (
    ProviderAuthError,
    ProviderError,
    ProviderRateLimited,
    ProviderTimeout,
    ProviderUnavailable,
)
from mangaflow.platform.ports import ImageRequest, TextRequest
from mangaflow.platform.retry import CallRetry
from tests.conftest import make_settings
from tests.fakes.faults import KINDS, FaultPlan, corrupt_png, decodes
from tests.fakes.openai_server import FakeOpenAIServer

PNG = b"\x89PNG\r\n\x1a\n"


def image_request() -> ImageRequest:
    return ImageRequest(prompt="Modern manga art. medium shot. A duel.", negative_prompt="",
                        width=512, height=384, seed=3, art_style="Modern", shot="medium",
                        setting="a city", setting_kind="city", description="A duel.")  # fmt: skip


def story_request() -> TextRequest:
    from mangaflow.manga.domain.preferences import parse_preferences
    from mangaflow.manga.services.prompts import story_messages
    from tests.conftest import VALID_PREFS

    prefs = parse_preferences(VALID_PREFS)
    return TextRequest(task="story_bible", messages=story_messages(prefs, {}, 3),
                       context={}, json_schema={}, seed=7)  # fmt: skip


def settings_for(tmp_path: Path, server: FakeOpenAIServer, **extra: Any) -> Settings:
    values: dict[str, Any] = {"provider_retries": 2, "http_timeout_seconds": 5.0, **extra}
    return make_settings(tmp_path / "home", **server.settings_overrides(**values))


def call(endpoint: str, settings: Settings) -> Any:
    if endpoint == "text":
        return OpenAICompatText(settings).complete(story_request())
    return OpenAICompatImage(settings).generate(image_request())


# --------------------------------------------------------------------------- images


def sample_png() -> bytes:
    return render_png(image_request())


def test_a_whole_png_passes_unchanged_and_other_formats_become_png() -> None:
    png = sample_png()
    assert to_png(png, "src") == png
    out = io.BytesIO()
    Image.open(io.BytesIO(png)).convert("RGB").save(out, "JPEG")
    converted = to_png(out.getvalue(), "src")
    assert converted.startswith(PNG) and Image.open(io.BytesIO(converted)).size == (512, 384)


@pytest.mark.parametrize("cut", [0.05, 0.3, 0.6, 0.95, 0.999])
def test_a_truncated_image_is_a_retryable_error(cut: float) -> None:
    png = sample_png()
    with pytest.raises(ProviderUnavailable, match="does not decode") as info:
        to_png(png[: int(len(png) * cut)], "src")
    assert info.value.retryable
    out = io.BytesIO()
    Image.open(io.BytesIO(png)).convert("RGB").save(out, "JPEG")
    with pytest.raises(ProviderUnavailable):
        to_png(out.getvalue()[: len(out.getvalue()) // 2], "src")


def test_a_damaged_byte_is_a_retryable_error_and_garbage_is_permanent() -> None:
    png = sample_png()
    rng = random.Random(5)
    for _ in range(100):
        damaged = bytearray(png)
        damaged[rng.randrange(40, len(png) - 16)] ^= 0xFF
        with pytest.raises(ProviderUnavailable):
            to_png(bytes(damaged), "src")
    with pytest.raises(ProviderError, match="not an image") as info:
        to_png(b"hello, not an image", "src")
    assert not info.value.retryable


def test_the_fakes_corrupt_pngs_never_decode() -> None:
    png = sample_png()
    assert decodes(png)
    assert not any(decodes(corrupt_png(png, random.Random(i))) for i in range(60))


# --------------------------------------------------------------------------- Retry-After


def test_retry_after_forms() -> None:
    assert retry_after_seconds({"Retry-After": "7"}) == 7.0
    assert retry_after_seconds({"retry-after": "1.5"}) == 1.5
    assert retry_after_seconds({"retry-after-ms": "250", "Retry-After": "9"}) == 0.25
    later = datetime.now(UTC) + timedelta(seconds=20)
    assert 15 < (retry_after_seconds({"Retry-After": format_datetime(later, usegmt=True)}) or 0) <= 21
    assert retry_after_seconds({"Retry-After": "soon"}) is None
    assert retry_after_seconds({"Retry-After": "-3"}) is None
    assert retry_after_seconds({}) is None


def test_a_429_carries_its_capped_retry_after_and_quota_errors_are_permanent() -> None:
    def response(status: int, headers: dict[str, str], body: str = "{}") -> httpx.Response:
        return httpx.Response(status, headers=headers, text=body)

    with pytest.raises(ProviderRateLimited) as info:
        raise_for_response(response(429, {"Retry-After": "120"}), provider="p", key_setting="K",
                           retry_after_cap=30)  # fmt: skip
    assert info.value.retry_after == 30 and "wait 30 s" in info.value.message
    with pytest.raises(ProviderUnavailable) as unavailable:
        raise_for_response(response(503, {"Retry-After": "2"}), provider="p", key_setting="K")
    assert unavailable.value.retry_after == 2
    quota = '{"error": {"code": "insufficient_quota"}}'
    with pytest.raises(ProviderError) as permanent:
        raise_for_response(response(429, {}, quota), provider="p", key_setting="K")
    assert type(permanent.value) is ProviderError and not permanent.value.retryable


def test_the_adapter_waits_the_retry_after_before_asking_again(tmp_path: Path) -> None:
    plan = FaultPlan(text_script=["429"], retry_after=1.0)
    with FakeOpenAIServer(faults=plan) as server:
        started = time.monotonic()
        result = call("text", settings_for(tmp_path, server))
        waited = time.monotonic() - started
    assert result.text and len(server.requests) == 2
    assert waited >= 1.0  # Retry-After: 1 honoured (the backoff alone is 0 here)


def test_the_retry_after_wait_is_capped(tmp_path: Path) -> None:
    slept: list[float] = []
    plan = FaultPlan(image_script=["429"], retry_after=3600)
    with FakeOpenAIServer(faults=plan) as server:
        model = OpenAICompatImage(settings_for(tmp_path, server, retry_after_cap_seconds=2.5))
        model.endpoint.retry = CallRetry(2, 0.0, sleep=slept.append)
        assert model.generate(image_request()).png.startswith(PNG)
    assert slept == [2.5]


def test_the_task_retry_condition_waits_the_retry_after_too(monkeypatch: pytest.MonkeyPatch) -> None:
    slept: list[float] = []
    monkeypatch.setattr(policy, "_sleep", slept.append)

    def state(exc: BaseException) -> Any:
        return SimpleNamespace(data=exc)

    assert policy.retry_transient(None, None, state(ProviderRateLimited("x", retry_after=4.0)))
    assert policy.retry_transient(None, None, state(ProviderUnavailable("y")))
    assert not policy.retry_transient(None, None, state(ProviderAuthError("z")))
    assert slept == [4.0]


def test_backoff_grows_and_jitters_within_bounds() -> None:
    retry = CallRetry(3, 0.5, 0.5, rng=random.Random(1))
    error = ProviderUnavailable("x")
    for attempt in range(3):
        assert 0.5 * 2**attempt <= retry.delay(attempt, error) <= 0.75 * 2**attempt
    assert retry.delay(0, ProviderRateLimited("y", retry_after=3.0)) == 3.0


# --------------------------------------------------------------------------- each fault, in the call


@pytest.mark.parametrize("endpoint", ["text", "image"])
@pytest.mark.parametrize("kind", [k for k in KINDS if k != "hang"])
def test_each_transient_fault_is_retried_in_the_call(
    tmp_path: Path, kind: str, endpoint: str
) -> None:
    plan = FaultPlan(retry_after=0.05, **{f"{endpoint}_script": [kind]})  # type: ignore[arg-type]
    with FakeOpenAIServer(faults=plan) as server:
        result = call(endpoint, settings_for(tmp_path, server))
    assert plan.injected == Counter({kind: 1}) and plan.calls == 2
    assert result.text if endpoint == "text" else result.png.startswith(PNG)


@pytest.mark.parametrize("endpoint", ["text", "image"])
@pytest.mark.parametrize("kind", ["truncated", "corrupt"])
def test_an_invalid_answer_is_retryable_when_in_call_retries_are_off(
    tmp_path: Path, kind: str, endpoint: str
) -> None:
    plan = FaultPlan(**{f"{endpoint}_script": [kind]})  # type: ignore[arg-type]
    with FakeOpenAIServer(faults=plan) as server, pytest.raises(ProviderUnavailable) as info:
        call(endpoint, settings_for(tmp_path, server, provider_retries=0))
    assert info.value.retryable and plan.calls == 1


@pytest.mark.parametrize("endpoint", ["text", "image"])
def test_a_hang_costs_the_read_timeout_and_is_left_to_the_task(
    tmp_path: Path, endpoint: str
) -> None:
    plan = FaultPlan(**{f"{endpoint}_script": ["hang"]})  # type: ignore[arg-type]
    with FakeOpenAIServer(faults=plan) as server:
        settings = settings_for(tmp_path, server, http_timeout_seconds=0.5)
        started = time.monotonic()
        with pytest.raises(ProviderTimeout, match="MANGAFLOW_HTTP_TIMEOUT_SECONDS") as info:
            call(endpoint, settings)
        assert time.monotonic() - started < 3 and info.value.retryable
        assert plan.calls == 1  # not retried in the call: the provider may still be drawing
        call(endpoint, settings)  # the next attempt (the task's retry) gets its answer


def test_a_permanent_fault_is_not_retried_in_the_call(tmp_path: Path) -> None:
    plan = FaultPlan(image_script=["401"])
    with (FakeOpenAIServer(faults=plan) as server,
          pytest.raises(ProviderAuthError, match="MANGAFLOW_OPENAI_API_KEY")):  # fmt: skip
        call("image", settings_for(tmp_path, server))
    assert plan.calls == 1


def test_retries_give_up_after_the_configured_attempts(tmp_path: Path) -> None:
    plan = FaultPlan(text_script=["500", "500", "500", "500"])
    with (FakeOpenAIServer(faults=plan) as server,
          pytest.raises(ProviderUnavailable, match="500")):  # fmt: skip
        call("text", settings_for(tmp_path, server, provider_retries=2))
    assert plan.calls == 3


def test_timeouts_come_from_the_settings(tmp_path: Path) -> None:
    with FakeOpenAIServer() as server:
        endpoint = OpenAICompatText(settings_for(tmp_path, server)).endpoint
        assert (endpoint.timeout.read, endpoint.timeout.connect) == (5.0, 5.0)
    defaults = Settings(_env_file=None)  # type: ignore[call-arg]
    assert (defaults.http_timeout_seconds, defaults.http_connect_timeout_seconds) == (60.0, 5.0)
    assert (defaults.provider_retries, defaults.retries, defaults.retry_after_cap_seconds) == (
        2, 3, 30.0)  # fmt: skip


# --------------------------------------------------------------------------- the fake's plan


def test_fault_plans_are_deterministic_and_near_their_rate() -> None:
    def kinds(seed: int) -> list[str | None]:
        plan = FaultPlan(rate=0.3, seed=seed)
        return [plan.decide("image", f"panel {i}".encode())[0] for i in range(400)]

    assert kinds(1) == kinds(1) and kinds(1) != kinds(2)
    failed = [k for k in kinds(1) if k is not None]
    assert 0.22 < len(failed) / 400 < 0.38 and set(failed) == set(KINDS)
    plan = FaultPlan(rate=1.0, seed=3)
    # the same body sent again is a new call with its own draw
    again = [plan.decide("text", b"same")[0] for _ in range(3)]
    assert all(again) and plan.calls == 3


# --------------------------------------------------------------------------- Bedrock


def bedrock_client() -> Any:
    return boto3.client("bedrock-runtime", region_name="us-east-1",
                        aws_access_key_id="testing", aws_secret_access_key="testing")  # fmt: skip


def invoke_body(raw: bytes) -> dict[str, Any]:
    return {"body": StreamingBody(io.BytesIO(raw), len(raw)), "contentType": "application/json"}


def test_bedrock_image_answers_that_do_not_parse_or_decode_are_retried(tmp_path: Path) -> None:
    png = sample_png()
    good = json.dumps({"images": [base64.b64encode(png).decode()]}).encode()
    cut = json.dumps({"images": [base64.b64encode(png[: len(png) // 2]).decode()]}).encode()
    client = bedrock_client()
    settings = make_settings(tmp_path / "home", bedrock_image_model="amazon.nova-canvas-v1:0",
                             provider_retries=2)  # fmt: skip
    with Stubber(client) as stub:
        stub.add_response("invoke_model", invoke_body(good[: len(good) // 3]))
        stub.add_response("invoke_model", invoke_body(cut))
        stub.add_response("invoke_model", invoke_body(good))
        assert BedrockImage(settings, client=client).generate(image_request()).png == png
        stub.assert_no_pending_responses()
    with Stubber(client) as stub:
        stub.add_response("invoke_model", invoke_body(cut))
        with pytest.raises(ProviderUnavailable, match="does not decode"):
            BedrockImage(settings.model_copy(update={"provider_retries": 0}),
                         client=client).generate(image_request())  # fmt: skip


class _Raw:
    def __init__(self, data: bytes) -> None:
        self.data = data

    def stream(self, **_: Any) -> Any:
        yield self.data


def test_bedrock_text_answer_cut_short_is_retried(tmp_path: Path) -> None:
    """A 200 whose Converse body is cut short, parsed by botocore's real parser (which turns
    it into an answer without ``output``), is retried in the call."""
    from botocore.awsrequest import AWSResponse

    good = json.dumps({"output": {"message": {"role": "assistant", "content": [{"text": "{}"}]}},
                       "stopReason": "end_turn", "usage": {"inputTokens": 1, "outputTokens": 1,
                       "totalTokens": 2}, "metrics": {"latencyMs": 1}}).encode()  # fmt: skip
    answers = [good[:50], good]
    sent: list[str] = []

    def answer(request: Any, **_: Any) -> AWSResponse:
        sent.append(request.url)
        body = answers.pop(0)
        headers = {"Content-Type": "application/json", "Content-Length": str(len(body))}
        return AWSResponse(request.url, 200, headers, _Raw(body))

    client = bedrock_client()
    client.meta.events.register("before-send.bedrock-runtime.Converse", answer)
    request = TextRequest(task="t", messages=[{"role": "user", "content": "x"}],
                          context={}, json_schema={})  # fmt: skip
    off = make_settings(tmp_path / "home", provider_retries=0)
    with pytest.raises(ProviderUnavailable, match="without output"):
        BedrockText(off, client=client).complete(request)
    answers[:] = [good[:50], good]
    on = make_settings(tmp_path / "home", provider_retries=1)
    assert BedrockText(on, client=client).complete(request).text == "{}"
    assert len(sent) == 3
