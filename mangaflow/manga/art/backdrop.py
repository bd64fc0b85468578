"""The panel's setting as the camera sees it: time of day (from the text, else the mood,
else the setting's own generator), the mood's colour tint, where a wide cast's feet rest,
and the out-of-focus background behind close-ups."""

from __future__ import annotations

import random
import re

from PIL import Image, ImageDraw, ImageFilter

from mangaflow.manga.art.colour import WHITE, darker, lighter, mix, stable_rng
from mangaflow.manga.art.scenes import INDOOR, Scene, dominant_colours, draw_background, vgradient
from mangaflow.platform.ports import ImageRequest


def time_of_day(request: ImageRequest, mood: str, layout_rng: random.Random) -> str:
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


def tint_for_mood(mood: str):
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


def ground_line(sc: Scene, shot: str, kind: str) -> float:
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


def soft_background(
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
