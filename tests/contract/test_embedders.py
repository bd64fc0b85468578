"""The embedders: the contract (:mod:`mangaflow.testing.vectors`) on the offline MiniLM
model, the OpenAI-compatible adapter against the loopback fake's ``/v1/embeddings`` and
Titan Text Embeddings V2 against the loopback fake of bedrock-runtime; then requests, answer
validation and configuration."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import mangaflow.platform.errors as mf
from mangaflow.platform.adapters.embed import minilm
from mangaflow.platform.adapters.embed.bedrock import BedrockEmbedder
from mangaflow.platform.adapters.embed.minilm import MiniLMEmbedder, batches
from mangaflow.platform.adapters.embed.openai_compat import OpenAICompatEmbedder
from mangaflow.platform.registry import build_embedder, load_registry
from mangaflow.testing.models import Failure, MakeFailing
from mangaflow.testing.vectors import EmbedderContract
from tests.conftest import make_settings
from tests.contract.test_bedrock import AWS_FAILURES, bedrock  # noqa: F401 - fixture
from tests.fakes.bedrock_server import FakeBedrock
from tests.fakes.net import closed_url
from tests.fakes.openai_server import FakeOpenAIServer

KEY = "sk-test-embed-Zq8v1"


@pytest.fixture
def server() -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer() as fake:
        yield fake


def openai_settings(tmp_path: Path, url: str, **overrides: Any) -> Any:
    values: dict[str, Any] = {"openai_base_url": url, "openai_api_key": KEY,
                              "embed_model": "fake-embed", "http_timeout_seconds": 10.0}  # fmt: skip
    return make_settings(tmp_path / "home", **{**values, **overrides})


class TestMiniLM(EmbedderContract):
    adapter = MiniLMEmbedder

    @pytest.fixture
    def embedder(self) -> MiniLMEmbedder:
        return MiniLMEmbedder()

    @pytest.fixture
    def make_failing(self) -> MakeFailing:
        pytest.skip("the offline model has no provider to fail")


class TestOpenAICompatEmbedder(EmbedderContract):
    adapter = OpenAICompatEmbedder

    @pytest.fixture(params=["fake-embed", "text-embedding-3-small"])
    def embedder(
        self, tmp_path: Path, server: FakeOpenAIServer, request: pytest.FixtureRequest
    ) -> OpenAICompatEmbedder:
        return OpenAICompatEmbedder(openai_settings(
            tmp_path, server.url, embed_model=request.param, embed_dimensions=256))  # fmt: skip

    @pytest.fixture
    def make_failing(self, tmp_path: Path, server: FakeOpenAIServer) -> MakeFailing:
        def make(failure: Failure) -> OpenAICompatEmbedder:
            url = server.url
            if failure == "unreachable":
                url = closed_url("/v1")
            elif failure == "auth":
                server.required_key = "sk-another-key"
            else:
                server.fail_with = [{"unavailable": 503, "rate_limited": 429}[failure]]
            return OpenAICompatEmbedder(openai_settings(tmp_path, url))

        return make


class TestBedrockEmbedder(EmbedderContract):
    adapter = BedrockEmbedder

    @pytest.fixture
    def embedder(self, bedrock: FakeBedrock, tmp_path: Path) -> BedrockEmbedder:  # noqa: F811
        return BedrockEmbedder(make_settings(tmp_path / "home", embed_dimensions=256))

    @pytest.fixture
    def make_failing(
        self, bedrock: FakeBedrock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch  # noqa: F811
    ) -> MakeFailing:
        def make(failure: Failure) -> BedrockEmbedder:
            if failure == "unreachable":
                monkeypatch.setenv("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", closed_url())
            else:
                bedrock.fail_with = [AWS_FAILURES[failure]]
            return BedrockEmbedder(make_settings(tmp_path / "home"))

        return make


# --------------------------------------------------------------------------- minilm


def test_batches_sort_by_length_and_respect_the_budget() -> None:
    lengths = [50, 3, 40, 7, 128, 9, 60]
    groups = batches(lengths, budget=130)
    assert sorted(i for g in groups for i in g) == list(range(len(lengths)))
    for group in groups:
        assert len(group) * max(lengths[i] for i in group) <= 130 or len(group) == 1
    flat = [lengths[i] for g in groups for i in g]
    assert flat == sorted(lengths)


def test_minilm_truncates_long_texts_and_reports_tokens() -> None:
    model = MiniLMEmbedder()
    result = model.embed(["word " * 1000, "short"])
    assert result.vectors.shape == (2, 384)
    assert result.usage.input_tokens == minilm.MAX_TOKENS + 3  # [CLS] short [SEP]
    with pytest.raises(TypeError):
        model.embed("one string")  # type: ignore[arg-type]


def test_minilm_ranks_anime_descriptions_sensibly() -> None:
    texts = ["Mecha pilots defend a space colony in giant robots.",
             "Teenagers pilot giant robots to fight alien invaders.",
             "A gentle romance between two high-school students in a small seaside town."]  # fmt: skip
    v = MiniLMEmbedder().embed(texts).vectors
    assert v[0] @ v[1] > v[0] @ v[2] + 0.2


def test_registry_builds_the_default_embedder(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "home")
    registry = load_registry()
    assert {"minilm", "openai", "bedrock"} <= set(registry.embedder)
    embedder = build_embedder(settings, registry)
    assert isinstance(embedder, MiniLMEmbedder) and embedder.offline and embedder.dim == 384
    with pytest.raises(mf.ConfigError, match="MANGAFLOW_EMBEDDER"):
        build_embedder(make_settings(tmp_path / "home", embedder="nope"), registry)


# --------------------------------------------------------------------------- openai


def test_openai_request_batches_and_usage(tmp_path: Path, server: FakeOpenAIServer,
                                          monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    from mangaflow.platform.adapters.embed import openai_compat

    monkeypatch.setattr(openai_compat, "BATCH", 2)
    settings = openai_settings(tmp_path, server.url, embed_model="text-embedding-3-small",
                               embed_dimensions=128)  # fmt: skip
    result = OpenAICompatEmbedder(settings).embed(["one two", "three", "four five six"])
    assert result.vectors.shape == (3, 128) and result.usage.calls == 2
    assert result.usage.input_tokens == 6
    first = server.requests[0]
    assert first.path == "/v1/embeddings" and first.headers["authorization"] == f"Bearer {KEY}"
    assert first.body == {"model": "text-embedding-3-small", "input": ["one two", "three"],
                          "encoding_format": "float", "dimensions": 128}  # fmt: skip
    assert KEY.encode() not in first.raw


@pytest.mark.parametrize("answer", [
    {"data": []},
    {"data": [{"index": 0, "embedding": [1.0, 0.0]}, {"index": 0, "embedding": [0.0, 1.0]}]},
    {"data": [{"index": 0, "embedding": [1.0, 0.0]}, {"index": 1, "embedding": [1.0]}]},
    {"data": [{"index": 0, "embedding": [1.0, "x"]}, {"index": 1, "embedding": [1.0, 0.0]}]},
    {"nothing": True},
])  # fmt: skip
def test_openai_invalid_answers_are_unavailable(
    tmp_path: Path, server: FakeOpenAIServer, answer: dict[str, Any]
) -> None:
    server.raw_responses = [(200, answer)]
    with pytest.raises(mf.ProviderUnavailable, match="embeddings"):
        OpenAICompatEmbedder(openai_settings(tmp_path, server.url)).embed(["a", "b"])


def test_openai_retries_an_invalid_answer_in_the_call(
    tmp_path: Path, server: FakeOpenAIServer
) -> None:
    server.raw_responses = [(200, b"<html>gateway</html>")]
    settings = openai_settings(tmp_path, server.url, provider_retries=1)
    result = OpenAICompatEmbedder(settings).embed(["a", "b"])
    assert result.vectors.shape == (2, 64) and len(server.requests) == 2


# --------------------------------------------------------------------------- bedrock


def test_titan_body_and_dimensions(bedrock: FakeBedrock, tmp_path: Path) -> None:  # noqa: F811
    embedder = BedrockEmbedder(make_settings(tmp_path / "home", embed_dimensions=512))
    result = embedder.embed(["a cat", "a dog", "a bird"])
    assert result.vectors.shape == (3, 512) and result.usage.calls == 3
    assert result.usage.input_tokens == 6 and embedder.model == "amazon.titan-embed-text-v2:0"
    bodies = sorted(json.dumps(r.body, sort_keys=True) for r in bedrock.requests)
    assert json.loads(bodies[0]) == {"inputText": "a bird", "dimensions": 512, "normalize": True}
    assert all(r.model_id == "amazon.titan-embed-text-v2:0" for r in bedrock.requests)
    with pytest.raises(mf.ConfigError, match="256, 512 or 1024"):
        BedrockEmbedder(make_settings(tmp_path / "home", embed_dimensions=384))


def test_titan_invalid_answer(tmp_path: Path) -> None:
    embedder = BedrockEmbedder(make_settings(tmp_path / "home", embed_dimensions=256),
                               client=object())  # fmt: skip
    with pytest.raises(mf.ProviderUnavailable, match="not JSON"):
        embedder.parse(b"<html>")
    with pytest.raises(mf.ProviderUnavailable, match="invalid embedding"):
        embedder.parse(json.dumps({"embedding": [0.1] * 10}).encode())
    vector, tokens = embedder.parse(json.dumps({"embedding": [0.5] * 256,
                                                "inputTextTokenCount": 4}).encode())  # fmt: skip
    assert vector.shape == (256,) and tokens == 4 and np.isfinite(vector).all()


@pytest.mark.slow
def test_minilm_worker_processes_match_in_process(monkeypatch: pytest.MonkeyPatch) -> None:
    texts = [f"Title {i}. TV anime, spring {1990 + i}. Tags: " + "action, " * (i % 7)
             for i in range(12)]  # fmt: skip
    alone = MiniLMEmbedder(workers=1).embed(texts)
    monkeypatch.setattr(minilm, "POOL_MIN_TEXTS", 4)
    pooled = MiniLMEmbedder(workers=2).embed(texts)
    assert np.allclose(alone.vectors, pooled.vectors, atol=1e-4)
    assert pooled.usage.input_tokens == alone.usage.input_tokens
    assert MiniLMEmbedder(make_settings(Path("/nonexistent"), embed_workers=0)).workers >= 1


def test_minilm_falls_back_in_process_when_workers_fail(monkeypatch: pytest.MonkeyPatch) -> None:
    texts = ["one text", "another, longer text about giant robots", "a third"]
    monkeypatch.setattr(minilm, "POOL_MIN_TEXTS", 2)
    monkeypatch.setattr(minilm.sys, "executable", "/bin/false")
    with pytest.raises(OSError, match="minilm worker"):
        minilm.embed_in_processes(texts, 2)
    result = MiniLMEmbedder(workers=2).embed(texts)
    assert np.allclose(result.vectors, MiniLMEmbedder(workers=1).embed(texts).vectors, atol=1e-5)
