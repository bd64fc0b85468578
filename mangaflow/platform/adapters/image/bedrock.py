"""Panel art from Amazon Bedrock image models through InvokeModel.

Three model families, told apart by the model id in ``MANGAFLOW_BEDROCK_IMAGE_MODEL``:

* ``stability.stable-diffusion-xl*`` (SDXL 1.0): ``text_prompts`` body, answer in
  ``artifacts[0].base64``; only nine sizes are accepted.
* ``amazon.titan-image-generator*`` (G1 v1/v2): ``TEXT_IMAGE`` task body, answer in
  ``images[0]``; a documented list of sizes.
* ``amazon.nova-canvas*``: the same body as Titan; any size whose sides are multiples of 16
  in 320..4096, aspect ratio within 1:4..4:1 and under 4,194,304 pixels.

The requested size is mapped to the closest accepted one by aspect ratio (the page
composer cover-crops the art into its cell anyway). Seeds are wrapped into each model's
documented range (``seed % (max + 1)``) so distinct panel seeds stay distinct and the same
request always sends the same seed. Prompts longer than a model accepts are rebuilt from
the request's fields, most important first: art style, then the character entries, then
shot and description, then setting. The client, the error mapping and the credential
handling are shared with the text adapter (:mod:`mangaflow.platform.adapters.text.bedrock`).
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from mangaflow.platform.adapters.image.png import to_png
from mangaflow.platform.adapters.text.bedrock import (
    IMAGE_MODEL_SETTING,
    PROVIDER,
    BedrockRuntime,
    mentions_content_filter,
    scrub,
)
from mangaflow.platform.config import Settings
from mangaflow.platform.errors import (
    ConfigError,
    ContentRejected,
    ProviderError,
    ProviderUnavailable,
)
from mangaflow.platform.ports import CharacterLook, ImageModel, ImageRequest, ImageResult, Usage

#: SDXL 1.0 on Bedrock accepts exactly these (width, height) pairs.
SDXL_SIZES: tuple[tuple[int, int], ...] = (
    (1024, 1024), (1152, 896), (1216, 832), (1344, 768), (1536, 640),
    (640, 1536), (768, 1344), (832, 1216), (896, 1152),
)  # fmt: skip
#: Titan Image Generator G1 (v1 and v2) accepts exactly these (width, height) pairs.
TITAN_SIZES: tuple[tuple[int, int], ...] = (
    (1024, 1024), (768, 768), (512, 512), (768, 1152), (384, 576), (1152, 768), (576, 384),
    (768, 1280), (384, 640), (1280, 768), (640, 384), (896, 1152), (448, 576), (1152, 896),
    (576, 448), (768, 1408), (384, 704), (1408, 768), (704, 384), (640, 1408), (320, 704),
    (1408, 640), (704, 320), (1152, 640), (1173, 640),
)  # fmt: skip
NOVA_MIN_SIDE, NOVA_MAX_SIDE, NOVA_STEP = 320, 4096, 16
NOVA_MAX_RATIO = 4.0
NOVA_MAX_PIXELS = 4_194_304  # the pixel count must stay below this
SDXL_STYLE_PRESET = "anime"  # every MangaFlow panel is manga art
_PROFILE_PREFIX = re.compile(r"^(?:us|eu|apac|us-gov|global|jp|au|ca)\.")


@dataclass(frozen=True)
class Family:
    """What differs between the supported image model families."""

    name: str  # "sdxl", "titan" or "nova"
    prefix: str  # model ids of the family start with this
    prompt_limit: int  # characters of prompt and of negative prompt
    seed_max: int  # seeds are 0..seed_max


SDXL = Family("sdxl", "stability.stable-diffusion-xl", 2000, 4_294_967_295)
TITAN = Family("titan", "amazon.titan-image-generator", 512, 2_147_483_646)
NOVA = Family("nova", "amazon.nova-canvas", 1024, 858_993_459)
FAMILIES = (SDXL, TITAN, NOVA)


def family_of(model_id: str) -> Family:
    """The family of a model id (also given as a foundation-model ARN or with a cross-region
    inference profile prefix such as ``us.``); ``ConfigError`` for any other model."""
    base = _PROFILE_PREFIX.sub("", model_id.strip().rsplit("/", 1)[-1])
    for family in FAMILIES:
        if base.startswith(family.prefix):
            return family
    known = ", ".join(f"{f.prefix}*" for f in FAMILIES)
    raise ConfigError(
        f"{IMAGE_MODEL_SETTING}={model_id!r} is not a supported Bedrock image model; "
        f"use one of {known} (e.g. stability.stable-diffusion-xl-v1, "
        f"amazon.titan-image-generator-v2:0, amazon.nova-canvas-v1:0)"
    )


# --------------------------------------------------------------------------- sizes


def _ratio_gap(size: tuple[int, int], width: int, height: int) -> float:
    return abs(math.log((size[0] / size[1]) / (width / height)))


def closest_size(sizes: Sequence[tuple[int, int]], width: int, height: int) -> tuple[int, int]:
    """The size in ``sizes`` whose aspect ratio is closest to ``width``:``height``; among
    equal ratios, the one whose pixel count is closest; then the first listed."""
    width, height = max(1, width), max(1, height)
    area = width * height
    return min(
        sizes,
        key=lambda s: (round(_ratio_gap(s, width, height), 9), abs(math.log(s[0] * s[1] / area))),
    )


def nova_size(width: int, height: int) -> tuple[int, int]:
    """The request's shape at about its pixel count, in Nova Canvas's bounds: sides are
    multiples of 16 in 320..4096, ratio within 1:4..4:1, fewer than 4,194,304 pixels."""
    width, height = max(1, width), max(1, height)
    ratio = min(NOVA_MAX_RATIO, max(1 / NOVA_MAX_RATIO, width / height))
    area = min(width * height, NOVA_MAX_PIXELS)
    w = math.sqrt(area * ratio)
    h = w / ratio
    grow = max(1.0, NOVA_MIN_SIDE / min(w, h))
    w, h = w * grow, h * grow
    shrink = min(1.0, NOVA_MAX_SIDE / max(w, h))
    w, h = w * shrink, h * shrink

    def snap(side: float) -> int:
        return min(NOVA_MAX_SIDE, max(NOVA_MIN_SIDE, round(side / NOVA_STEP) * NOVA_STEP))

    sw, sh = snap(w), snap(h)
    while sw > NOVA_MAX_RATIO * sh:
        sw -= NOVA_STEP
    while sh > NOVA_MAX_RATIO * sw:
        sh -= NOVA_STEP
    while sw * sh >= NOVA_MAX_PIXELS:
        if sw >= sh:
            sw -= NOVA_STEP
        else:
            sh -= NOVA_STEP
    return sw, sh


def size_for(family: Family, width: int, height: int) -> tuple[int, int]:
    """The accepted (width, height) closest to the requested one for ``family``."""
    if family is SDXL:
        return closest_size(SDXL_SIZES, width, height)
    if family is TITAN:
        return closest_size(TITAN_SIZES, width, height)
    return nova_size(width, height)


def wrap_seed(seed: int, family: Family) -> int:
    """``seed`` brought into the family's documented range 0..seed_max."""
    return seed % (family.seed_max + 1)


# --------------------------------------------------------------------------- prompts


def clip(text: str, limit: int) -> str:
    """``text`` (whitespace collapsed) cut to at most ``limit`` characters at a word
    boundary, without trailing punctuation."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    if limit <= 0:
        return ""
    cut = text[: limit + 1]
    cut = cut.rsplit(" ", 1)[0] if " " in cut else cut[:limit]
    return cut[:limit].rstrip(" ,;:.-")


def _look(look: CharacterLook) -> str:
    return f"{look.name}: {look.appearance}, wearing {look.outfit}"


def fit_prompt(request: ImageRequest, limit: int) -> str:
    """``request.prompt`` when it fits in ``limit`` characters; otherwise a prompt rebuilt
    from the request's fields, keeping the most important first: art style, character
    entries (at most 60 % of the budget), shot and description, setting."""
    full = " ".join(request.prompt.split())
    if len(full) <= limit:
        return full
    colour = "black and white, screentone" if request.monochrome else "full colour"
    cast = "; ".join(_look(c) for c in request.characters)
    pieces: list[tuple[str, float]] = [
        (f"{request.art_style} manga art, {colour}", 1.0),
        (f"Characters: {cast}" if cast else "", 0.6),
        (f"{request.shot} shot. {request.description}", 1.0),
        (f"Setting: {request.setting}" if request.setting else "", 1.0),
    ]
    out: list[str] = []
    used = 0
    for piece, share in pieces:
        if not piece:
            continue
        sep = 2 if out else 0  # ". "
        room = limit - used - sep
        text = clip(piece, min(room, int(limit * share)))
        if len(text) < 8:  # a few characters of a piece help nobody
            continue
        out.append(text)
        used += sep + len(text)
    return ". ".join(out)


# --------------------------------------------------------------------------- the model


class BedrockImage(ImageModel):
    """Panel art from SDXL, Titan Image Generator or Nova Canvas on Amazon Bedrock."""

    name = PROVIDER
    offline = False
    max_concurrency = 4

    def __init__(self, settings: Settings, client: Any = None) -> None:
        self.runtime = BedrockRuntime(
            settings, settings.bedrock_image_model, IMAGE_MODEL_SETTING, client
        )
        self.model = self.runtime.model_id
        self.family = family_of(self.model)
        self._where = f"model {self.model!r} in region {self.runtime.region}"

    def request_body(self, request: ImageRequest) -> dict[str, Any]:
        """The JSON body of the ``invoke_model`` call for ``request``."""
        family = self.family
        width, height = size_for(family, request.width, request.height)
        prompt = fit_prompt(request, family.prompt_limit)
        negative = clip(request.negative_prompt, family.prompt_limit)
        seed = wrap_seed(request.seed, family)
        if family is SDXL:
            prompts: list[dict[str, Any]] = [{"text": prompt, "weight": 1.0}]
            if negative:
                prompts.append({"text": negative, "weight": -1.0})
            return {
                "text_prompts": prompts, "cfg_scale": 7, "seed": seed, "steps": 30,
                "width": width, "height": height, "style_preset": SDXL_STYLE_PRESET,
            }  # fmt: skip
        params: dict[str, Any] = {"text": prompt}
        if negative:  # Titan and Nova reject an empty negativeText
            params["negativeText"] = negative
        return {
            "taskType": "TEXT_IMAGE",
            "textToImageParams": params,
            "imageGenerationConfig": {
                "numberOfImages": 1, "width": width, "height": height, "cfgScale": 8.0,
                "seed": seed,
            },
        }  # fmt: skip

    def generate(self, request: ImageRequest) -> ImageResult:
        body = json.dumps(self.request_body(request))

        def attempt() -> ImageResult:
            with self.runtime.mapped_errors():
                response = self.runtime.client.invoke_model(
                    modelId=self.model, body=body,
                    contentType="application/json", accept="application/json",
                )  # fmt: skip
                raw = response["body"].read()
            return self.parse(raw)

        return self.runtime.retry(attempt, what=f"Amazon Bedrock invoke_model ({self.model})")

    def parse(self, raw: bytes) -> ImageResult:
        """The image of an ``invoke_model`` answer body. A body that is not JSON and an image
        that does not decode completely are ``ProviderUnavailable`` (retried)."""
        try:
            payload = json.loads(raw)
        except ValueError:
            raise ProviderUnavailable(
                f"Amazon Bedrock answered with a body that is not JSON from {self._where} "
                f"({len(raw)} bytes): {scrub(raw[:200].decode('utf-8', 'replace'))!r}"
            ) from None
        if not isinstance(payload, Mapping):
            raise ProviderError(f"Amazon Bedrock answered with a non-object from {self._where}")
        encoded = self._sdxl_image(payload) if self.family is SDXL else self._amazon_image(payload)
        try:
            data = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            raise ProviderError(
                f"Amazon Bedrock returned an image that is not base64 from {self._where}"
            ) from None
        return ImageResult(
            png=to_png(data, self._where), provider=PROVIDER, model=self.model,
            usage=Usage(calls=1, images=1),
        )  # fmt: skip

    def _sdxl_image(self, payload: Mapping[str, Any]) -> str:
        artifacts = payload.get("artifacts")
        first = artifacts[0] if isinstance(artifacts, list) and artifacts else None
        if not isinstance(first, Mapping):
            said = scrub(str(payload.get("message") or payload.get("result") or "no artifacts"))
            raise ProviderError(f"Amazon Bedrock returned no image from {self._where} ({said})")
        reason = str(first.get("finishReason") or "SUCCESS")
        if reason == "CONTENT_FILTERED":
            raise ContentRejected(
                f"Amazon Bedrock filtered the image of {self._where} (CONTENT_FILTERED)"
            )
        if reason != "SUCCESS" or not isinstance(first.get("base64"), str):
            raise ProviderError(
                f"Amazon Bedrock failed to draw with {self._where} (finishReason {reason})"
            )
        return str(first["base64"])

    def _amazon_image(self, payload: Mapping[str, Any]) -> str:
        error = payload.get("error")
        if error:
            said = scrub(str(error))
            if mentions_content_filter(said):
                raise ContentRejected(
                    f"Amazon Bedrock rejected the content for {self._where} ({said})"
                )
            raise ProviderError(f"Amazon Bedrock failed to draw with {self._where} ({said})")
        images = payload.get("images")
        if not isinstance(images, list) or not images or not isinstance(images[0], str):
            raise ProviderError(f"Amazon Bedrock returned no image from {self._where}")
        return images[0]


def register(registry: Any) -> None:
    registry.add_image(PROVIDER, BedrockImage)
