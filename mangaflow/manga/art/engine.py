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
  (see :mod:`.offline_figures`), so the same character is recognisable in every panel;
* monochrome output is screened with a clustered-dot halftone (screentone) and is exactly
  grey (R = G = B).

Output is deterministic: the same request gives the same PNG bytes. A small
semi-transparent "offline art" label marks the art as procedural.
"""

from __future__ import annotations

import hashlib
import io
import math
import random
import re
from collections.abc import Callable
from functools import lru_cache
from typing import Protocol

from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont

from mangaflow.manga.art.figures import (
    INK,
    RGB,
    WHITE,
    Figure,
    Look,
    Point,
    body_lift,
    darker,
    draw_figure,
    lighter,
    look_for,
    mix,
    stable_rng,
)
from mangaflow.manga.art.scenes import (
    INDOOR,
    Scene,
    dominant_colours,
    draw_background,
    kind_of,
    vgradient,
)
from mangaflow.platform.errors import ValidationError
from mangaflow.platform.ports import CharacterLook, ImageModel, ImageRequest, ImageResult, Usage

MODEL_ID = "mangaflow-procedural-1"
LABEL = "offline art"
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


# --------------------------------------------------------------------------- entry points


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
    time = _time_of_day(request, mood, stable_rng("time", *layout_seed))
    action = shot == "action" or bool(request.action)
    tint = _mood_tint(mood)
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
        _soft_background(img, request, kind, time, tint, shot, rng, ss, horizon, vx, layout_seed)
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
        ground_y = _ground_line(sc, shot, kind)
        if mood == "tense" and shot != "action":
            _hatching(d, W, H, rng, ss, mix(INK, (120, 60, 60), 0.25), dense=False)

    cast = _layout_cast(
        request.characters, shot, W, H, ground_y, rng, mood, action, request.description
    )

    # ---- effects behind the cast
    for c in cast:
        if c["shadow"]:
            _ground_shadow(img, d, c["x"], c["fy"], c["hh"] * 0.75)
    focus: Point = (W * 0.5, H * 0.45)
    if cast:
        heads = [c["head"] for c in cast]
        focus = (sum(p[0] for p in heads) / len(heads), sum(p[1] for p in heads) / len(heads))
    if shot == "action" and len(cast) >= 2:
        a, b = cast[0]["hand_hint"], cast[1]["head"]
        focus = ((a[0] + b[0]) / 2, (a[1] + b[1]) / 2)
    if mood == "happy" and shot not in ("establishing", "wide"):
        _flowers(d, W, H, rng, ss)
    if mood == "eerie":
        _gloom_lines(d, W, H, rng, ss)
    if action:
        if shot in ("action", "close-up", "extreme-close-up") or not cast:
            clear = min(W, H) * (0.2 if shot == "action" else 0.32)
            _focus_lines(d, W, H, focus, clear, rng, ss, n=150 if shot == "action" else 110)
        else:
            ang = rng.choice((-1, 1)) * rng.uniform(8, 22)
            _speed_lines(d, W, H, ang, rng, ss, n=130)

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
        _impact_burst(d, burst_at, min(W, H) * rng.uniform(0.08, 0.12), rng, ss)
    if mood == "happy":
        _sparkles(d, W, H, rng, ss, 9 if shot in ("close-up", "extreme-close-up", "medium") else 5)
    elif mood == "sad":
        _rain(d, W, H, rng, ss)
    if mood == "eerie":
        _vignette(img, strength=0.75)

    # ---- finish
    if request.monochrome:
        img = _screentone(img, ss)
    elif ss > 1:
        img = img.reduce(ss)
    _label(img)
    return img


# --------------------------------------------------------------------------- scene helpers


def _time_of_day(request: ImageRequest, mood: str, layout_rng: random.Random) -> str:
    text = f"{request.description} {request.setting}".casefold()
    for time, words in (
        ("night", ("night", "midnight", "moonlit", "moonlight", "starlit", "dark sky")),
        ("dusk", ("dusk", "sunset", "evening", "twilight", "dawn", "sunrise")),
        (
            "overcast",
            ("rain", "storm", "overcast", "cloudy", "fog", "mist", "grey sky", "gray sky"),
        ),
        ("day", ("morning", "noon", "daylight", "sunny", "afternoon", "day")),
    ):
        if any(re.search(rf"\b{w}", text) for w in words):
            return time
    if mood == "eerie":
        return "night"
    if mood == "sad":
        return "overcast"
    return layout_rng.choices(("day", "dusk", "night"), weights=(6, 3, 2))[0]


def _mood_tint(mood: str):
    if mood == "eerie":
        return lambda c: mix(darker(c, 0.62), (52, 36, 80), 0.28)
    if mood == "sad":

        def sad(c):
            g = int(0.3 * c[0] + 0.59 * c[1] + 0.11 * c[2])
            return mix(mix(c, (g, g, g), 0.5), (96, 116, 150), 0.2)

        return sad
    if mood == "happy":
        return lambda c: mix(c, (255, 246, 236), 0.14)
    if mood == "tense":
        return lambda c: mix(darker(c, 0.9), (150, 70, 60), 0.1)
    return lambda c: (int(c[0]), int(c[1]), int(c[2]))


def _ground_line(sc: Scene, shot: str, kind: str) -> float:
    """Where the feet of a wide/establishing cast rest."""
    H = sc.h
    floor = sc.floor_y
    if shot == "establishing":
        y = H * 0.93 if floor is None else floor + (H - floor) * 0.55
    else:
        y = H * 0.95
    if kind in INDOOR and sc.ground_y:
        y = max(min(y, sc.ground_y + H * 0.1), sc.horizon + H * 0.2)
    return min(y, H * 0.97)


def _soft_background(
    img: Image.Image,
    request: ImageRequest,
    kind: str,
    time: str,
    tint,
    shot: str,
    rng: random.Random,
    ss: int,
    horizon: float,
    vx: float,
    layout_seed: tuple[str, str],
) -> None:
    """An out-of-focus, lightened version of the scene (close-ups), or a flat tone (ECU)."""
    W, H = img.size
    if shot == "extreme-close-up":
        a, b = dominant_colours(kind, time)
        vgradient(img, (0, 0, W, H), (tint(lighter(a, 0.2)), tint(b)))
        return
    sw, sh = max(16, W // 10), max(16, H // 10)
    small = Image.new("RGB", (sw, sh), WHITE)
    sd = ImageDraw.Draw(small)
    sc = Scene(
        small,
        sd,
        sw,
        sh,
        horizon * sh / H,
        vx * sw / W,
        ss * sw / W,
        stable_rng("layout", *layout_seed),
        time,
        tint,
        establishing=False,
        lift=0.6 if request.monochrome else 0.0,
    )
    draw_background(sc, kind)
    # bokeh
    for _ in range(10):
        x, y, r = rng.uniform(0, sw), rng.uniform(0, sh), rng.uniform(0.03, 0.08) * sw
        c = small.getpixel((int(min(sw - 1, max(0, x))), int(min(sh - 1, max(0, y)))))
        assert isinstance(c, tuple)  # an RGB image's pixel is an (r, g, b) tuple
        sd.ellipse((x - r, y - r, x + r, y + r), fill=lighter(c, 0.35))
    small = Image.blend(small, Image.new("RGB", small.size, tint(WHITE)), 0.3).filter(
        ImageFilter.GaussianBlur(1.0)
    )
    # Smooth upscale to the output size only; pixel-doubling the rest is exact because the
    # canvas is box-reduced by ``ss`` at the end.
    soft = small.resize((W // ss, H // ss), Image.Resampling.BICUBIC)
    if ss > 1:
        soft = soft.resize((W, H), Image.Resampling.NEAREST)
    img.paste(soft)


# --------------------------------------------------------------------------- cast layout


_EXPR_WORDS = (
    ("happy", ("smil", "laugh", "grin", "cheer", "giggl", "beam")),
    ("sad", ("cry", "tear", "sob", "weep", "mourn", "sigh")),
    ("shout", ("shout", "yell", "scream", "roar", "bellow")),
    ("surprised", ("surpris", "shock", "gasp", "stun", "startl")),
    ("angry", ("angry", "glare", "furious", "scowl", "snarl", "determined")),
)


def _expression(mood: str, description: str, rng: random.Random) -> str:
    text = (description or "").casefold()
    for expr, words in _EXPR_WORDS:
        if any(w in text for w in words):
            return expr
    return {
        "happy": "happy",
        "sad": "sad",
        "tense": "angry",
        "eerie": "scared",
    }.get(mood, rng.choice(("neutral", "neutral", "happy")))


def _pose(mood: str, action: bool, rng: random.Random) -> str:
    if action:
        return rng.choice(("run", "punch", "fight"))
    return rng.choice(
        {
            "happy": ("wave", "cheer", "stand", "hip"),
            "sad": ("slump", "stand"),
            "tense": ("fight", "brace", "stand", "point"),
            "eerie": ("brace", "stand", "think"),
        }.get(mood, ("stand", "hip", "point", "think", "stand"))
    )


def _positions(chars: list[CharacterLook]) -> list[float]:
    """Horizontal centres (0..1). Crowded or coinciding positions are spread into evenly
    spaced slots, keeping the requested left-to-right order."""
    pos = [min(0.95, max(0.05, float(c.position))) for c in chars]
    n = len(pos)
    if n > 1:
        order = sorted(range(n), key=lambda i: (pos[i], i))
        gaps = [pos[b] - pos[a] for a, b in zip(order, order[1:], strict=False)]
        if min(gaps) < 0.5 / n:
            slots = [(k + 1) / (n + 1) for k in range(n)]
            for slot, i in zip(slots, order, strict=True):
                pos[i] = slot
    return pos


def _layout_cast(
    chars: list[CharacterLook],
    shot: str,
    W: int,
    H: int,
    ground_y: float,
    rng: random.Random,
    mood: str,
    action: bool,
    description: str,
) -> list[dict]:
    if not chars:
        return []
    chars = list(chars)[:6]
    looks: list[Look] = [look_for(c) for c in chars]
    pos = _positions(chars)
    base_expr = _expression(mood, description, rng)
    out: list[dict] = []
    centre = sum(pos) / len(pos)

    def facing_for(p: float) -> int:
        if len(pos) == 1:
            return 1 if p <= 0.5 else -1
        return 1 if p < centre else -1 if p > centre else rng.choice((-1, 1))

    if shot in ("close-up", "extreme-close-up"):
        look = looks[0]
        pose = "stand"
        lift = body_lift(look, pose)
        if shot == "close-up":
            hh = min(H * 0.6, W * 0.72)
            cy = H * 0.5
            fy = cy + (look.heads - 0.47 + lift) * hh
        else:
            hh = min(H * 1.25, W * 1.5)
            cy = H * 0.5
            fy = cy + (look.heads - 0.47 - 0.15 + lift) * hh
        x = W * (0.5 + (pos[0] - 0.5) * 0.35)
        f = 1 if pos[0] <= 0.5 else -1
        out.append(
            dict(
                look=look,
                x=x,
                fy=fy,
                hh=hh,
                facing=f,
                pose=pose,
                expr=base_expr,
                lean=0.0,
                wind=0.6 if action else 0.0,
                shadow=False,
                head=(x, cy),
                hand_hint=(x, cy),
            )
        )
        return out

    n = len(chars)
    if shot == "action":
        order = sorted(range(n), key=lambda i: pos[i])
        hh = min(H * 0.105, W / (2.2 * n * 1.3))
        for rank, i in enumerate(order):
            look = looks[i]
            t = rank / max(1, n - 1)
            x = W * pos[i]
            f = facing_for(pos[i])
            attacker = rank == 0 if n > 1 else True
            pose = (
                rng.choice(("leap", "punch"))
                if attacker
                else rng.choice(("brace", "fight", "punch"))
            )
            fy = H * (0.7 + 0.26 * t) if n > 1 else H * 0.9
            lean = 0.22 if attacker else -0.06
            expr = "shout" if attacker else rng.choice(("angry", "surprised", "shout"))
            head = (x + f * lean * look.heads * hh, fy - (look.heads - 0.5) * hh)
            out.append(
                dict(
                    look=look,
                    x=x,
                    fy=fy,
                    hh=hh,
                    facing=f,
                    pose=pose,
                    expr=expr,
                    lean=lean,
                    wind=1.0,
                    shadow=pose not in ("leap",),
                    head=head,
                    hand_hint=(x + f * 1.6 * hh, fy - (look.heads * 0.7) * hh),
                )
            )
        return out  # the attacker first: focus lines and the burst sit between it and its target

    if shot == "establishing":
        hh = H * 0.045
    elif shot == "wide":
        hh = min(H * 0.08, W / (2.8 * n * 1.1))
    else:  # medium: waist up, spread across the panel, neighbours may overlap a little
        if n > 1:
            k = {2: 0.24, 3: 0.32}.get(n, 0.36)
            lo, hi = min(pos), max(pos)
            pos = [0.5 - k + 2 * k * (p - lo) / (hi - lo) for p in pos]
        xs = sorted(pos)
        gap = min([b - a for a, b in zip(xs, xs[1:], strict=False)] + [2 * xs[0], 2 * (1 - xs[-1])])
        widest = max(lk.shoulder for lk in looks) + max(lk.limb for lk in looks)
        hh = min(H * 0.27, gap * W / (2 * widest) * 1.6)
    for i, look in enumerate(looks):
        x = W * pos[i]
        f = facing_for(pos[i])
        pose = _pose(mood, action, rng)
        if shot == "medium" and n > 1 and pose in ("point", "punch", "run"):
            pose = (
                "fight" if action or mood == "tense" else "stand"
            )  # no arms across a neighbour's face
        if shot == "medium":
            fy = H * 0.86 + 3.32 * hh  # waists near the bottom edge
            shadow = False
        else:
            fy = ground_y
            shadow = True
        expr = base_expr if i == 0 or rng.random() < 0.6 else _expression(mood, "", rng)
        lean = 0.12 if action else 0.0
        head = (x, fy - (look.heads - 0.47 + body_lift(look, pose)) * hh)
        out.append(
            dict(
                look=look,
                x=x,
                fy=fy,
                hh=hh,
                facing=f,
                pose=pose,
                expr=expr,
                lean=lean,
                wind=0.8 if action else 0.0,
                shadow=shadow,
                head=head,
                hand_hint=head,
            )
        )
    return out


# --------------------------------------------------------------------------- effects


def _ground_shadow(img: Image.Image, d: ImageDraw.ImageDraw, x: float, y: float, r: float) -> None:
    px = img.getpixel((int(min(img.width - 1, max(0, x))), int(min(img.height - 1, max(0, y)))))
    assert isinstance(px, tuple)  # the canvas is RGB: pixels are tuples
    d.ellipse((x - r, y - r * 0.22, x + r, y + r * 0.22), fill=darker(px[:3], 0.7))


def _focus_lines(
    d: ImageDraw.ImageDraw,
    W: int,
    H: int,
    focus: Point,
    clear: float,
    rng: random.Random,
    s: int,
    n: int = 140,
    colour: RGB = INK,
) -> None:
    """Manga "concentration lines": thin ink wedges converging on ``focus``."""
    fx, fy = focus
    far = math.hypot(W, H)
    for i in range(n):
        a = 2 * math.pi * (i + rng.random() * 0.8) / n
        ca, sa = math.cos(a), math.sin(a)
        r0 = clear * rng.uniform(1.0, 1.6)
        wdt = s * rng.uniform(0.8, 4.5)
        p0 = (fx + ca * r0, fy + sa * r0)
        p1 = (fx + ca * far - sa * wdt, fy + sa * far + ca * wdt)
        p2 = (fx + ca * far + sa * wdt, fy + sa * far - ca * wdt)
        d.polygon([p0, p1, p2], fill=colour)


def _speed_lines(
    d: ImageDraw.ImageDraw, W: int, H: int, angle: float, rng: random.Random, s: int, n: int = 120
) -> None:
    """Parallel, tapering motion lines across the panel at ``angle`` degrees."""
    a = math.radians(angle)
    ux, uy = math.cos(a), math.sin(a)
    nx, ny = -uy, ux
    diag = math.hypot(W, H)
    cx, cy = W / 2, H / 2
    for _ in range(n):
        off = rng.uniform(-0.5, 0.5) * diag
        ln = diag * rng.uniform(0.2, 0.6)
        start = rng.uniform(-0.6, 0.6) * diag
        bx, by = cx + nx * off + ux * start, cy + ny * off + uy * start
        ex, ey = bx + ux * ln, by + uy * ln
        wdt = s * rng.uniform(0.6, 2.2)
        d.polygon(
            [(bx, by), (ex + nx * wdt, ey + ny * wdt), (ex - nx * wdt, ey - ny * wdt)], fill=INK
        )


def _impact_burst(d: ImageDraw.ImageDraw, c: Point, r: float, rng: random.Random, s: int) -> None:
    spikes = rng.randint(11, 15)
    for scale, fill in ((1.0, WHITE), (0.55, (255, 214, 90))):
        pts = []
        for i in range(spikes * 2):
            a = math.pi * i / spikes + rng.uniform(-0.08, 0.08)
            rr = r * scale * (rng.uniform(0.9, 1.3) if i % 2 == 0 else rng.uniform(0.38, 0.5))
            pts.append((c[0] + math.cos(a) * rr, c[1] + math.sin(a) * rr))
        d.polygon(
            pts, fill=fill, outline=INK, width=max(1, int(s * (1.6 if scale == 1.0 else 1.0)))
        )


def _hatching(
    d: ImageDraw.ImageDraw, W: int, H: int, rng: random.Random, s: int, colour: RGB, dense: bool
) -> None:
    """Diagonal hatching over the background (tension)."""
    step = s * (6 if dense else 9)
    x: float = -H
    while x < W:
        if rng.random() < 0.85:
            d.line([(x, H), (x + H * 0.8, 0)], fill=colour, width=max(1, int(s * 0.7)))
        x += step * rng.uniform(0.7, 1.3)


def _gloom_lines(d: ImageDraw.ImageDraw, W: int, H: int, rng: random.Random, s: int) -> None:
    """Vertical "tate-sen" lines hanging from the top edge (dread)."""
    x = 0.0
    while x < W:
        ln = H * rng.uniform(0.15, 0.5)
        d.line([(x, 0), (x, ln)], fill=(18, 14, 26), width=max(1, int(s * rng.uniform(0.6, 1.4))))
        x += s * rng.uniform(3, 7)


def _flowers(d: ImageDraw.ImageDraw, W: int, H: int, rng: random.Random, s: int) -> None:
    for _ in range(7):
        x, y = rng.uniform(0, W), rng.uniform(0, H * 0.8)
        r = min(W, H) * rng.uniform(0.03, 0.06)
        petal = rng.choice(((255, 200, 214), (255, 236, 180), (220, 210, 255)))
        for k in range(5):
            a = 2 * math.pi * k / 5 + 0.3
            px, py = x + math.cos(a) * r * 0.7, y + math.sin(a) * r * 0.7
            d.ellipse(
                (px - r * 0.5, py - r * 0.5, px + r * 0.5, py + r * 0.5),
                fill=petal,
                outline=INK,
                width=max(1, int(s * 0.7)),
            )
        d.ellipse(
            (x - r * 0.3, y - r * 0.3, x + r * 0.3, y + r * 0.3),
            fill=(255, 220, 120),
            outline=INK,
            width=max(1, int(s * 0.7)),
        )


def _sparkles(d: ImageDraw.ImageDraw, W: int, H: int, rng: random.Random, s: int, n: int) -> None:
    for _ in range(n):
        x, y = rng.uniform(0, W), rng.uniform(0, H)
        r = min(W, H) * rng.uniform(0.015, 0.04)
        k = r * 0.18
        pts = [
            (x, y - r),
            (x + k, y - k),
            (x + r, y),
            (x + k, y + k),
            (x, y + r),
            (x - k, y + k),
            (x - r, y),
            (x - k, y - k),
        ]
        d.polygon(pts, fill=WHITE, outline=INK, width=max(1, int(s * 0.7)))


def _rain(d: ImageDraw.ImageDraw, W: int, H: int, rng: random.Random, s: int) -> None:
    colour = (206, 216, 232)
    for _ in range(150):
        x, y = rng.uniform(-0.1, 1.0) * W, rng.uniform(-0.1, 1.0) * H
        ln = H * rng.uniform(0.04, 0.1)
        d.line([(x, y), (x + ln * 0.18, y + ln)], fill=colour, width=max(1, int(s * 0.8)))


@lru_cache(maxsize=8)
def _radial_mask(size: tuple[int, int]) -> Image.Image:
    g = Image.radial_gradient("L").resize(size, Image.Resampling.BILINEAR)
    return g


def _vignette(img: Image.Image, strength: float) -> None:
    """Darken the corners by multiplying with a radial gradient (eerie)."""
    small = (max(8, img.width // 8), max(8, img.height // 8))
    mask = _radial_mask(small).point(lambda v: int(255 - max(0, v - 110) * strength * 255 / 145))
    shade = Image.merge("RGB", (mask, mask, mask)).resize(img.size, Image.Resampling.BILINEAR)
    img.paste(ImageChops.multiply(img, shade))


# --------------------------------------------------------------------------- monochrome


@lru_cache(maxsize=4)
def _screen_tile(q: int) -> Image.Image:
    """A q×q clustered-dot threshold tile on a 45° lattice (ranks spread evenly 1..254)."""
    vals = []
    for y in range(q):
        for x in range(q):
            u = 2 * math.pi * (x + y + 0.5) / q
            v = 2 * math.pi * (x - y + 0.5) / q
            vals.append((math.cos(u) + math.cos(v), y * q + x))
    # black grows from the dot centres (high spot value) outwards
    order = sorted(vals, key=lambda t: -t[0])
    thresholds = [0] * (q * q)
    n = len(order)
    for rank, (_, idx) in enumerate(order):
        thresholds[idx] = 254 - int(253 * rank / max(1, n - 1))
    tile = Image.new("L", (q, q))
    tile.putdata(thresholds)
    return tile


@lru_cache(maxsize=6)
def _screen(size: tuple[int, int], q: int) -> Image.Image:
    tile = _screen_tile(q)
    w, h = size
    out = Image.new("L", (w + q, h + q))
    out.paste(tile, (0, 0))
    cw = q
    while cw < w + q:  # double along x
        out.paste(out.crop((0, 0, cw, q)), (cw, 0))
        cw *= 2
    ch = q
    while ch < h + q:  # then along y
        out.paste(out.crop((0, 0, w + q, ch)), (0, ch))
        ch *= 2
    return out.crop((0, 0, w, h))


# Grey levels → screentone levels: ink, four flat tones, paper. Flat tones with crisp
# edges read as pasted screentone; a continuous ramp reads as newspaper halftone.
_TONE_STEPS = ((52, 0), (96, 66), (140, 120), (180, 170), (210, 214), (256, 255))


def _tone_lut() -> list[int]:
    lut = []
    for v in range(256):
        lut.append(next(out for limit, out in _TONE_STEPS if v < limit))
    return lut


_TONE = _tone_lut()
_BINARY = [0] * 128 + [255] * 128


def _screentone(img: Image.Image, ss: int) -> Image.Image:
    """Greyscale, screened with halftone dots at canvas resolution, then reduced."""
    grey = img.convert("L").point(_TONE)
    q = 6 * ss
    screened = ImageChops.subtract(grey, _screen(grey.size, q), 2.0, 128).point(_BINARY)
    if ss > 1:
        screened = screened.reduce(ss)
    return screened.convert("RGB")


# --------------------------------------------------------------------------- label


def _font() -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    # Loaded per call (~0.1 ms): a shared font object is not safe across worker threads.
    try:
        return ImageFont.load_default(size=10)
    except Exception:  # noqa: BLE001 - no FreeType: the bitmap default is fine
        return ImageFont.load_default()


def _label(img: Image.Image) -> None:
    """A tiny, semi-transparent "offline art" tag in the bottom-right corner."""
    font = _font()
    x0, y0, x1, y1 = font.getbbox(LABEL)
    tw, th = math.ceil(x1 - x0), math.ceil(y1 - y0)  # FreeType boxes are typed as float
    pad = 2
    bw, bh = tw + pad * 2, th + pad * 2
    if bw + 4 > img.width or bh + 4 > img.height:
        return
    box = (img.width - bw - 3, img.height - bh - 3, img.width - 3, img.height - 3)
    region = img.crop(box).convert("RGBA")
    overlay = Image.new("RGBA", region.size, (255, 255, 255, 96))
    ImageDraw.Draw(overlay).text((pad - x0, pad - y0), LABEL, font=font, fill=(40, 40, 40, 150))
    img.paste(Image.alpha_composite(region, overlay).convert("RGB"), box[:2])


__all__ = ["LABEL", "MODEL_ID", "OfflineImageModel", "register", "render", "render_png"]
