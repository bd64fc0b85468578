"""Embeddings through any OpenAI-compatible ``/v1/embeddings`` endpoint (OpenAI, Ollama,
vLLM, LM Studio), sharing the text adapter's endpoint: base URL and key from
``MANGAFLOW_OPENAI_BASE_URL`` / ``MANGAFLOW_OPENAI_API_KEY``, its HTTP error mapping and its
in-call retries. The model is ``MANGAFLOW_EMBED_MODEL`` (default ``text-embedding-3-small``).

Answers are validated where they enter: one vector per input (matched by ``index``), every
vector of one length, finite numbers; we normalise them. An answer that does not hold is
``ProviderUnavailable`` (retried like a 500).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from functools import partial
from typing import Any

import httpx
import numpy as np

from mangaflow.platform.adapters.embed.minilm import normalise
from mangaflow.platform.adapters.text.openai_compat import OpenAIEndpoint
from mangaflow.platform.config import Settings
from mangaflow.platform.errors import ProviderUnavailable
from mangaflow.platform.ports import Embedder, EmbedResult, Usage

DEFAULT_MODEL = "text-embedding-3-small"
#: Inputs per request (OpenAI accepts up to 2048).
BATCH = 256
#: Models that take a ``dimensions`` parameter.
_SIZED = ("text-embedding-3",)
_KNOWN_DIMS = {"text-embedding-3-small": 1536, "text-embedding-3-large": 3072,
               "text-embedding-ada-002": 1536}  # fmt: skip


class OpenAICompatEmbedder(Embedder):
    """``/embeddings`` at ``openai_base_url`` with model ``embed_model``."""

    name = "openai"
    offline = False

    def __init__(self, settings: Settings, client: httpx.Client | None = None) -> None:
        self.endpoint = OpenAIEndpoint(settings, client)
        self.model = settings.embed_model.strip() or DEFAULT_MODEL
        self.sized = self.model.startswith(_SIZED)
        #: The vector size: the asked ``embed_dimensions`` for models that take it, else
        #: the model's own (learnt from the first answer when not known in advance).
        self.asked = settings.embed_dimensions if self.sized else 0
        self._dim = self.asked or _KNOWN_DIMS.get(self.model, 0)

    @property
    def dim(self) -> int:  # type: ignore[override]
        """The vector size; for a model not known in advance (a local server's), learnt
        from its first answer (asked for here, with one short text, when needed)."""
        if not self._dim:
            self.embed(["dimension probe"])
        return self._dim

    def payload(self, texts: Sequence[str]) -> dict[str, Any]:
        body: dict[str, Any] = {"model": self.model, "input": list(texts),
                                "encoding_format": "float"}  # fmt: skip
        if self.asked:
            body["dimensions"] = self.asked
        return body

    def embed(self, texts: Sequence[str]) -> EmbedResult:
        if isinstance(texts, str):
            raise TypeError("embed() takes a sequence of texts, not one string")
        parts: list[np.ndarray] = []
        usage = Usage()
        for start in range(0, len(texts), BATCH):
            chunk = [str(t) for t in texts[start : start + BATCH]]
            vectors, tokens = self.endpoint.call(
                "/embeddings", self.payload(chunk), partial(self.parse, n=len(chunk))
            )
            parts.append(vectors)
            usage = usage + Usage(calls=1, input_tokens=tokens)
        if not parts:
            return EmbedResult(np.zeros((0, self.dim), np.float32), self.name, self.model, usage)
        return EmbedResult(np.concatenate(parts), self.name, self.model, usage)

    def parse(self, data: Any, n: int) -> tuple[np.ndarray, int]:
        """``n`` normalised vectors and the prompt tokens from a decoded answer."""
        label = self.endpoint.label

        def bad(why: str) -> ProviderUnavailable:
            return ProviderUnavailable(f"{label} returned embeddings that {why}")

        rows = data.get("data") if isinstance(data, Mapping) else None
        if not isinstance(rows, list) or len(rows) != n:
            got = len(rows) if isinstance(rows, list) else "no"
            raise bad(f"do not match the {n} inputs ({got} vectors)")
        by_index: dict[int, Any] = {}
        for pos, row in enumerate(rows):
            if not isinstance(row, Mapping) or not isinstance(row.get("embedding"), list):
                raise bad(f"lack an embedding list at position {pos}")
            index = row.get("index", pos)
            if not isinstance(index, int) or not 0 <= index < n or index in by_index:
                raise bad(f"carry a bad index {index!r}")
            by_index[index] = row["embedding"]
        lengths = {len(v) for v in by_index.values()}
        if len(lengths) != 1 or 0 in lengths:
            raise bad(f"have different or empty lengths {sorted(lengths)}")
        (length,) = lengths
        if self._dim and length != self._dim:
            raise bad(f"have {length} dimensions, not the expected {self._dim}")
        ok = all(isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)
                 for v in by_index.values() for x in v)  # fmt: skip
        if not ok:
            raise bad("contain values that are not finite numbers")
        self._dim = length
        matrix = normalise(np.asarray([by_index[i] for i in range(n)], dtype=np.float32))
        raw_usage = data.get("usage")
        tokens = raw_usage.get("prompt_tokens") if isinstance(raw_usage, Mapping) else 0
        return matrix, tokens if isinstance(tokens, int) and not isinstance(tokens, bool) else 0

    def close(self) -> None:
        self.endpoint.close()


def register(registry: Any) -> None:
    registry.add_embedder("openai", OpenAICompatEmbedder)


__all__ = ["OpenAICompatEmbedder", "register"]
