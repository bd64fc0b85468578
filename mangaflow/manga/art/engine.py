"""Offline image model: procedural manga panel art drawn with Pillow.

No network, no model weights. Every panel is drawn from the request's data fields
(``setting_kind``, ``shot``, ``mood``, ``action``, ``characters``, ``monochrome``):

* a background for the scene family in perspective (horizon + vanishing point), or a
  soft out-of-focus version of it for close-ups;
* framing by shot — establishing/wide show small full figures, medium shows them waist
  up, close-ups show one large face, action tilts the cast along a diagonal with focus
  lines and an impact burst;
* mood effects — eerie darkens and vignettes, happy adds sparkles and flowers, tense adds
  diagonal hatching, sad adds rain;
* characters whose look depends only on their :class:`~mangaflow.platform.ports.CharacterLook`
  (see :mod:`.look` and :mod:`.figures`), so the same character is recognisable in every panel;
* monochrome output is screened with a clustered-dot halftone (screentone) and is exactly
  grey (R = G = B).

Output is deterministic: the same request gives the same PNG bytes. A small
semi-transparent "offline art" label marks the art as procedural.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable
from typing import Protocol

from PIL import Image, ImageDraw

from mangaflow.manga.art.backdrop import ground_line, soft_background, time_of_day, tint_for_mood
from mangaflow.manga.art.cast import layout_cast
from mangaflow.manga.art.colour import INK, WHITE, mix, stable_rng
from mangaflow.manga.art.effects import (
    flowers,
    focus_lines,
    gloom_lines,
    ground_shadow,
    hatching,
    impact_burst,
    rain,
    sparkles,
    speed_lines,
    vignette,
)
from mangaflow.manga.art.figures import Figure, draw_figure
from mangaflow.manga.art.finish import LABEL, label, screentone
from mangaflow.manga.art.scenes import Scene, draw_background, kind_of
from mangaflow.manga.art.shapes import Point
from mangaflow.platform.errors import ValidationError
from mangaflow.platform.ports import ImageModel, ImageRequest, ImageResult, Usage

MODEL_ID = "mangaflow-procedural-1"

MAX_SIDE = 4096

SHOTS = ("establishing", "wide", "medium", "close-up", "extreme-close-up", "action")

MOODS = ("neutral", "tense", "happy", "sad", "eerie")


class OfflineImageModel(ImageModel):
    """Draws manga panels procedurally; needs no network and no weights."""

    name = "offline"
    offline = True
    max_concurrency = 8

    def generate(self, request: ImageRequest) -> ImageResult:
        return ImageResult(
            png=render_png(request),
            provider="offline",
            model=MODEL_ID,
            usage=Usage(calls=1, images=1),
        )


class _ImageRegistry(Protocol):
    def add_image(self, name: str, factory: Callable[[], ImageModel]) -> None: ...


def register(registry: _ImageRegistry) -> None:
    """Register the procedural artist under the name ``offline``."""
    registry.add_image("offline", OfflineImageModel)


def render_png(request: ImageRequest) -> bytes:
    """The panel as PNG bytes."""
    img = render(request)
    buf = io.BytesIO()
    img.save(buf, "PNG", optimize=False, compress_level=3)
    return buf.getvalue()


def normalise_shot(shot: str) -> str:
    s = (shot or "").strip().casefold().replace("_", "-").replace(" ", "-")
    if s in SHOTS:
        return s
    if "extreme" in s or s in ("ecu", "xcu"):
        return "extreme-close-up"
    if "close" in s:
        return "close-up"
    if "establish" in s or "panorama" in s:
        return "establishing"
    if "wide" in s or "long" in s or "full" in s:
        return "wide"
    if "action" in s or "dynamic" in s:
        return "action"
    return "medium"


def normalise_mood(mood: str) -> str:
    m = (mood or "").strip().casefold()
    if m in MOODS:
        return m
    for key, words in (
        ("eerie", ("eerie", "creepy", "dark", "ominous", "spooky", "horror", "sinister")),
        ("tense", ("tense", "angry", "danger", "suspense", "dramatic", "fierce")),
        ("happy", ("happy", "joy", "cheer", "fun", "warm", "light", "hope")),
        ("sad", ("sad", "melanch", "grief", "lonely", "tragic", "sorrow")),
    ):
        if any(w in m for w in words):
            return key
    return "neutral"


def render(request: ImageRequest) -> Image.Image:
    """The panel as an RGB image of ``request.width × request.height``."""
    w, h = int(request.width), int(request.height)
    if not (16 <= w <= MAX_SIDE and 16 <= h <= MAX_SIDE):
        raise ValidationError(
            "image size out of range",
            details=[{"field": "width/height", "message": f"16..{MAX_SIDE} px each, got {w}×{h}"}],
        )
    ss = 2 if w * h <= 1_400_000 else 1
    W, H = w * ss, h * ss

    digest = hashlib.sha256((request.description or "").encode("utf-8")).hexdigest()
    rng = stable_rng("panel", int(request.seed), digest)
    shot = normalise_shot(request.shot)
    mood = normalise_mood(request.mood)
    kind = kind_of(request.setting_kind, request.setting)
    layout_seed = (kind, (request.setting or "").strip().casefold())
    time = time_of_day(request, mood, stable_rng("time", *layout_seed))
    action = shot == "action" or bool(request.action)
    tint = tint_for_mood(mood)
    # Monochrome backgrounds stay light so the cast's tones read; action shots fade the
    # scene so the focus lines and the figures carry the panel.
    fade = (0.2 if request.monochrome else 0.0) + (0.45 if shot == "action" else 0.0)
    if fade:
        mood_tint = tint
        tint = lambda c: mix(mood_tint(c), WHITE, fade)  # noqa: E731

    img = Image.new("RGB", (W, H), WHITE)
    d = ImageDraw.Draw(img)

    # ---- camera
    horizon_frac = {"establishing": 0.56, "wide": 0.52, "medium": 0.44, "action": 0.58}.get(
        shot, 0.5
    )
    horizon = H * (horizon_frac + rng.uniform(-0.04, 0.04))
    vx = W * (0.5 + rng.uniform(-0.14, 0.14))

    # ---- background
    if shot in ("close-up", "extreme-close-up"):
        soft_background(img, request, kind, time, tint, shot, rng, ss, horizon, vx, layout_seed)
        ground_y = H * 2.0
    else:
        sc = Scene(
            img,
            d,
            W,
            H,
            horizon,
            vx,
            ss,
            stable_rng("layout", *layout_seed),
            time,
            tint,
            establishing=shot == "establishing",
            ground_y=0.0,
            lift=0.6 if request.monochrome else 0.0,
        )
        draw_background(sc, kind)
        ground_y = ground_line(sc, shot, kind)
        if mood == "tense" and shot != "action":
            hatching(d, W, H, rng, ss, mix(INK, (120, 60, 60), 0.25), dense=False)

    cast = layout_cast(
        request.characters, shot, W, H, ground_y, rng, mood, action, request.description
    )

    # ---- effects behind the cast
    for c in cast:
        if c["shadow"]:
            ground_shadow(img, d, c["x"], c["fy"], c["hh"] * 0.75)
    focus: Point = (W * 0.5, H * 0.45)
    if cast:
        heads = [c["head"] for c in cast]
        focus = (sum(p[0] for p in heads) / len(heads), sum(p[1] for p in heads) / len(heads))
    if shot == "action" and len(cast) >= 2:
        a, b = cast[0]["hand_hint"], cast[1]["head"]
        focus = ((a[0] + b[0]) / 2, (a[1] + b[1]) / 2)
    if mood == "happy" and shot not in ("establishing", "wide"):
        flowers(d, W, H, rng, ss)
    if mood == "eerie":
        gloom_lines(d, W, H, rng, ss)
    if action:
        if shot in ("action", "close-up", "extreme-close-up") or not cast:
            clear = min(W, H) * (0.2 if shot == "action" else 0.32)
            focus_lines(d, W, H, focus, clear, rng, ss, n=150 if shot == "action" else 110)
        else:
            ang = rng.choice((-1, 1)) * rng.uniform(8, 22)
            speed_lines(d, W, H, ang, rng, ss, n=130)

    # ---- the cast
    figures: list[Figure] = []
    for c in cast:
        figures.append(
            draw_figure(
                d,
                c["look"],
                c["x"],
                c["fy"],
                c["hh"],
                facing=c["facing"],
                pose=c["pose"],
                expression=c["expr"],
                lean=c["lean"],
                s=ss,
                wind=c["wind"],
            )
        )

    # ---- effects in front
    if shot == "action":
        burst_at = focus
        if len(figures) == 1:
            f = figures[0]
            burst_at = (f.hand[0] + (W * 0.04 if f.hand[0] < W / 2 else -W * 0.04), f.hand[1])
        impact_burst(d, burst_at, min(W, H) * rng.uniform(0.08, 0.12), rng, ss)
    if mood == "happy":
        sparkles(d, W, H, rng, ss, 9 if shot in ("close-up", "extreme-close-up", "medium") else 5)
    elif mood == "sad":
        rain(d, W, H, rng, ss)
    if mood == "eerie":
        vignette(img, strength=0.75)

    # ---- finish
    if request.monochrome:
        img = screentone(img, ss)
    elif ss > 1:
        img = img.reduce(ss)
    label(img)
    return img


__all__ = ["LABEL", "MODEL_ID", "OfflineImageModel", "register", "render", "render_png"]
