"""Images through any OpenAI-compatible ``/images/generations`` endpoint (OpenAI
gpt-image-1 / DALL·E, LocalAI, a local Stable Diffusion server behind an OpenAI shim, ...).

Hosted models accept only a few sizes, so the requested panel size is mapped to the allowed
size with the closest aspect ratio (composition crops the rest). Answers are returned as PNG
whatever format the server sends. Errors map as in the text adapter; the key never appears
in a message.
"""

from __future__ import annotations

import base64
import binascii
import math
from collections.abc import Callable, Mapping
from typing import Any, Protocol

import httpx

from mangaflow.platform.adapters.image.png import to_png
from mangaflow.platform.adapters.text.openai_compat import OpenAIEndpoint
from mangaflow.platform.config import Settings
from mangaflow.platform.errors import ProviderError
from mangaflow.platform.ports import ImageModel, ImageRequest, ImageResult, Usage

Size = tuple[int, int]

#: Sizes hosted models accept, by model-name prefix.
FIXED_SIZES: dict[str, tuple[Size, ...]] = {
    "gpt-image": ((1024, 1024), (1536, 1024), (1024, 1536)),
    "dall-e-3": ((1024, 1024), (1792, 1024), (1024, 1792)),
    "dall-e-2": ((256, 256), (512, 512), (1024, 1024)),
}
#: Longest prompt (characters) hosted models accept.
PROMPT_LIMITS: dict[str, int] = {"gpt-image": 32000, "dall-e-3": 4000, "dall-e-2": 1000}
LOCAL_MIN, LOCAL_MAX, LOCAL_STEP = 256, 1536, 64


def _family(model: str) -> str | None:
    name = model.strip().lower()
    return next((f for f in FIXED_SIZES if name.startswith(f)), None)


def local_size(width: int, height: int) -> Size:
    """The requested size scaled into ``256..1536`` and rounded to multiples of 64."""
    w, h = max(1, width), max(1, height)
    scale = min(1.0, LOCAL_MAX / max(w, h))
    scale = max(scale, LOCAL_MIN / min(w, h)) if min(w, h) * scale < LOCAL_MIN else scale

    def fit(v: int) -> int:
        return min(LOCAL_MAX, max(LOCAL_MIN, round(v * scale / LOCAL_STEP) * LOCAL_STEP))

    return fit(w), fit(h)


def choose_size(model: str, width: int, height: int) -> Size:
    """The size to ask ``model`` for: for hosted models the allowed size with the closest
    aspect ratio (ties: the smallest that covers the request, else the largest); for other
    models :func:`local_size`."""
    family = _family(model)
    if family is None:
        return local_size(width, height)
    target = math.log(max(1, width) / max(1, height))
    longest = max(width, height)

    def rank(size: Size) -> tuple[float, bool, int]:
        covers = max(size) >= longest
        area = size[0] * size[1]
        return (round(abs(math.log(size[0] / size[1]) - target), 6), not covers,
                area if covers else -area)  # fmt: skip

    return min(FIXED_SIZES[family], key=rank)


def full_prompt(model: str, prompt: str, negative_prompt: str) -> str:
    """``prompt`` plus ``" Avoid: <negative>"``, shortened to the model's prompt limit
    (the prompt is cut, the avoid-list kept)."""
    avoid = f" Avoid: {negative_prompt.strip()}" if negative_prompt.strip() else ""
    family = _family(model)
    limit = PROMPT_LIMITS[family] if family else None
    text = prompt.strip()
    if limit is not None and len(text) + len(avoid) > limit:
        room = max(0, limit - len(avoid) - 3)
        text = text[:room].rsplit(" ", 1)[0].rstrip(" ,;:.") + "..."
    return text + avoid


class OpenAICompatImage(ImageModel):
    """``/images/generations`` at ``openai_base_url`` with model ``openai_image_model``."""

    name = "openai"
    offline = False
    max_concurrency = 8

    def __init__(self, settings: Settings, client: httpx.Client | None = None) -> None:
        self.endpoint = OpenAIEndpoint(settings, client)
        self.model = settings.openai_image_model

    def payload(self, request: ImageRequest) -> dict[str, Any]:
        """The request body for ``request``."""
        width, height = choose_size(self.model, request.width, request.height)
        body: dict[str, Any] = {
            "model": self.model,
            "prompt": full_prompt(self.model, request.prompt, request.negative_prompt),
            "n": 1,
            "size": f"{width}x{height}",
        }
        if _family(self.model) != "gpt-image":  # gpt-image-* always answers b64, rejects this
            body["response_format"] = "b64_json"
        return body

    def generate(self, request: ImageRequest) -> ImageResult:
        png = self.endpoint.call("/images/generations", self.payload(request), self.parse)
        return ImageResult(
            png=png,
            provider=self.name,
            model=self.model,
            usage=Usage(calls=1, images=1),
        )

    def parse(self, data: Any) -> bytes:
        """PNG bytes from a decoded ``/images/generations`` body. The image must decode
        completely (:func:`~mangaflow.platform.adapters.image.png.to_png`): a truncated or
        corrupt one raises ``ProviderUnavailable`` and is drawn again."""
        label = self.endpoint.label
        items = data.get("data") if isinstance(data, Mapping) else None
        if not isinstance(items, list) or not items or not isinstance(items[0], Mapping):
            raise ProviderError(f"{label} returned an image response without data[0]")
        b64 = items[0].get("b64_json")
        if not isinstance(b64, str) or not b64:
            got = ", ".join(sorted(str(k) for k in items[0])) or "nothing"
            raise ProviderError(
                f"{label} returned data[0] without b64_json (got {got}); the server must "
                "support response_format b64_json"
            )
        try:
            raw = base64.b64decode(b64, validate=True)
        except (binascii.Error, ValueError):
            raise ProviderError(f"{label} returned data[0].b64_json that is not base64") from None
        return to_png(raw, label)

    def close(self) -> None:
        """Close the HTTP client (when this adapter created it)."""
        self.endpoint.close()


class _ImageRegistry(Protocol):
    def add_image(self, name: str, factory: Callable[[Settings], ImageModel]) -> None: ...


def register(registry: _ImageRegistry) -> None:
    """Register the OpenAI-compatible artist under the name ``openai``."""
    registry.add_image("openai", OpenAICompatImage)


__all__ = [
    "FIXED_SIZES",
    "OpenAICompatImage",
    "choose_size",
    "full_prompt",
    "local_size",
    "register",
    "to_png",
]
