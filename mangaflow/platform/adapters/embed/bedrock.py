"""Embeddings from Amazon Titan Text Embeddings V2 on Bedrock (``amazon.titan-embed-text-v2:0``,
or ``MANGAFLOW_EMBED_MODEL``), through the same lazily built ``bedrock-runtime`` client, AWS
error mapping and in-call retries as the Bedrock text adapter
(:class:`~mangaflow.platform.adapters.text.bedrock.BedrockRuntime`).

Titan takes one text per call: ``{"inputText", "dimensions", "normalize": true}``; a list
is embedded with up to :data:`CONCURRENCY` calls in flight. ``MANGAFLOW_EMBED_DIMENSIONS``
may be 256, 512 or 1024 (0: 1024). Answers are validated (JSON, a finite vector of the asked
length) and normalised again by us.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from mangaflow.platform.adapters.embed.minilm import normalise
from mangaflow.platform.adapters.text.bedrock import BedrockRuntime, scrub
from mangaflow.platform.config import Settings
from mangaflow.platform.errors import ConfigError, ProviderUnavailable
from mangaflow.platform.ports import Embedder, EmbedResult, Usage

DEFAULT_MODEL = "amazon.titan-embed-text-v2:0"
MODEL_SETTING = "MANGAFLOW_EMBED_MODEL"
TITAN_V2_DIMS = (256, 512, 1024)
CONCURRENCY = 4
#: Titan V2 reads at most 50,000 characters of input.
MAX_CHARS = 50_000


class BedrockEmbedder(Embedder):
    """Titan Text Embeddings V2 (registry name ``bedrock``)."""

    name = "bedrock"
    offline = False

    def __init__(self, settings: Settings, client: Any = None) -> None:
        model = settings.embed_model.strip() or DEFAULT_MODEL
        self.runtime = BedrockRuntime(settings, model, MODEL_SETTING, client)
        self.model = self.runtime.model_id
        dim = settings.embed_dimensions or 1024
        if "titan-embed-text-v2" in self.model and dim not in TITAN_V2_DIMS:
            raise ConfigError(
                f"MANGAFLOW_EMBED_DIMENSIONS is {dim}; Titan Text Embeddings V2 makes vectors "
                "of 256, 512 or 1024 dimensions"
            )
        self.dim = dim

    def body(self, text: str) -> str:
        return json.dumps({"inputText": text[:MAX_CHARS], "dimensions": self.dim,
                           "normalize": True})  # fmt: skip

    def _one(self, text: str) -> tuple[np.ndarray, int]:
        body = self.body(text)

        def attempt() -> tuple[np.ndarray, int]:
            with self.runtime.mapped_errors():
                response = self.runtime.client.invoke_model(
                    modelId=self.model, body=body,
                    contentType="application/json", accept="application/json",
                )  # fmt: skip
                raw = response["body"].read()
            return self.parse(raw)

        return self.runtime.retry(attempt, what=f"Amazon Bedrock invoke_model ({self.model})")

    def parse(self, raw: bytes) -> tuple[np.ndarray, int]:
        """The vector and token count of one answer; anything else is ProviderUnavailable."""
        where = self.runtime.where
        try:
            payload = json.loads(raw)
        except ValueError:
            raise ProviderUnavailable(
                f"Amazon Bedrock answered with a body that is not JSON from {where}: "
                f"{scrub(raw[:200].decode('utf-8', 'replace'))!r}"
            ) from None
        vector = payload.get("embedding") if isinstance(payload, Mapping) else None
        if not isinstance(vector, list) or len(vector) != self.dim or not all(
            isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)
            for x in vector
        ):  # fmt: skip
            size = len(vector) if isinstance(vector, list) else "no"
            raise ProviderUnavailable(
                f"Amazon Bedrock returned an invalid embedding from {where} ({size} values, "
                f"expected {self.dim} finite numbers)"
            )
        tokens = payload.get("inputTextTokenCount")
        count = tokens if isinstance(tokens, int) and not isinstance(tokens, bool) else 0
        return np.asarray(vector, np.float32), count

    def embed(self, texts: Sequence[str]) -> EmbedResult:
        if isinstance(texts, str):
            raise TypeError("embed() takes a sequence of texts, not one string")
        if not texts:
            return EmbedResult(np.zeros((0, self.dim), np.float32), self.name, self.model, Usage())
        items = [str(t) for t in texts]
        if len(items) == 1:
            results = [self._one(items[0])]
        else:
            with ThreadPoolExecutor(min(CONCURRENCY, len(items))) as pool:
                results = list(pool.map(self._one, items))
        vectors = normalise(np.stack([v for v, _ in results]))
        usage = Usage(calls=len(results), input_tokens=sum(n for _, n in results))
        return EmbedResult(vectors, self.name, self.model, usage)


def register(registry: Any) -> None:
    registry.add_embedder("bedrock", BedrockEmbedder)


__all__ = ["BedrockEmbedder", "register"]
