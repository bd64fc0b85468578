"""The offline (procedural) image model: deterministic, sized, manga-looking panels."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageFilter

from mangaflow.manga.art.colour import parse_hex
from mangaflow.manga.art.engine import LABEL, MODEL_ID, OfflineImageModel, register
from mangaflow.manga.art.finish import label
from mangaflow.manga.art.look import look_for
from mangaflow.manga.art.scenes.base import KINDS
from mangaflow.platform.errors import ValidationError
from mangaflow.platform.ports import CharacterLook, ImageModel, ImageRequest

AKI = CharacterLook(
    name="Aki", appearance="spiky red hair, scar over left eye", outfit="black jacket",
    palette=["#d23c2c", "#2a2d3a", "#f2b134"], silhouette="average", seed=11, position=0.3,
)  # fmt: skip
MIO = CharacterLook(
    name="Mio", appearance="long silver hair", outfit="blue sailor uniform with skirt",
    palette=["#c9d2e0", "#3557a8", "#e0506a"], silhouette="slim", seed=42, position=0.7,
)  # fmt: skip

MODEL = OfflineImageModel()


def request(**overrides: object) -> ImageRequest:
    values: dict[str, object] = dict(
        prompt="p", negative_prompt="", width=768, height=512, seed=7, art_style="manga",
        shot="medium", setting="Neo Tokyo streets", setting_kind="city",
        description="Aki and Mio stop at the crossing", characters=[AKI, MIO],
    )  # fmt: skip
    values.update(overrides)
    return ImageRequest(**values)  # type: ignore[arg-type]


def draw(**overrides: object) -> Image.Image:
    png = MODEL.generate(request(**overrides)).png
    img = Image.open(io.BytesIO(png))
    img.load()
    return img.convert("RGB")


def near(img: Image.Image, colour: str, tol: int = 6) -> int:
    """How many pixels are within ``tol`` of ``colour`` in every channel."""
    target = parse_hex(colour, (0, 0, 0))
    masks = [
        band.point(lambda v, t=t: 255 if abs(v - t) <= tol else 0)
        for band, t in zip(img.split(), target, strict=True)
    ]
    both = ImageChops.multiply(ImageChops.multiply(masks[0], masks[1]), masks[2])
    return both.histogram()[255]


def edge_pixels(img: Image.Image) -> int:
    edges = img.convert("L").filter(ImageFilter.FIND_EDGES)
    return sum(edges.histogram()[96:])


# --------------------------------------------------------------------------- contract


def test_result_is_a_labelled_png_of_the_requested_size() -> None:
    result = MODEL.generate(request(width=512, height=768))
    assert isinstance(MODEL, ImageModel)
    assert (MODEL.name, MODEL.offline, MODEL.max_concurrency) == ("offline", True, 8)
    assert (result.provider, result.model) == ("offline", MODEL_ID)
    assert (result.usage.calls, result.usage.images) == (1, 1)
    assert result.png.startswith(b"\x89PNG\r\n\x1a\n")
    assert Image.open(io.BytesIO(result.png)).size == (512, 768)


@pytest.mark.parametrize("size", [(768, 512), (768, 768), (1024, 576), (333, 211), (16, 16)])
def test_any_reasonable_size_is_honoured(size: tuple[int, int]) -> None:
    w, h = size
    assert draw(width=w, height=h, shot="wide").size == size


def test_bad_sizes_are_rejected() -> None:
    with pytest.raises(ValidationError):
        MODEL.generate(request(width=0))
    with pytest.raises(ValidationError):
        MODEL.generate(request(height=100_000))


def test_register_adds_the_model_under_offline() -> None:
    class Registry:
        def __init__(self) -> None:
            self.image: dict[str, object] = {}

        def add_image(self, name: str, factory: object) -> None:
            self.image[name] = factory

    reg = Registry()
    register(reg)
    assert reg.image == {"offline": OfflineImageModel}


def test_odd_inputs_still_draw() -> None:
    weird = CharacterLook(name="X", appearance="", outfit="", palette=["red", "#12"],
                          silhouette="???", seed=-3, position=7.0)  # fmt: skip
    img = draw(characters=[weird, weird], shot="sideways", mood="whatever", setting_kind="moon-base-9",
               setting="")  # fmt: skip
    assert img.size == (768, 512)
    assert draw(characters=[], shot="action", action=True).size == (768, 512)


# --------------------------------------------------------------------------- determinism


def test_same_request_gives_identical_bytes() -> None:
    r = request(shot="action", action=True, mood="tense")
    assert MODEL.generate(r).png == MODEL.generate(r).png


def test_bytes_do_not_depend_on_hash_randomisation(tmp_path: Path) -> None:
    """Seeds come from sha256, never the salted ``hash()``: a fresh interpreter with another
    PYTHONHASHSEED draws the same bytes."""
    script = (
        "import sys; from tests.unit.test_offline_image import MODEL, request;"
        "sys.stdout.buffer.write(MODEL.generate(request(shot='action', width=128, height=96)).png)"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    root = Path(__file__).resolve().parents[2]
    env["PYTHONPATH"] = str(root) + os.pathsep + env.get("PYTHONPATH", "")
    out = subprocess.run([sys.executable, "-c", script], env=env, cwd=root, capture_output=True,
                         check=True, timeout=60).stdout  # fmt: skip
    assert out == MODEL.generate(request(shot="action", width=128, height=96)).png


def test_different_seeds_and_descriptions_differ() -> None:
    base = MODEL.generate(request()).png
    assert MODEL.generate(request(seed=8)).png != base
    assert MODEL.generate(request(description="Aki and Mio argue at the crossing")).png != base


# --------------------------------------------------------------------------- characters


def test_a_character_keeps_its_hair_colour_across_panels() -> None:
    city = draw(shot="medium", characters=[AKI, MIO])
    forest = draw(shot="wide", setting="Old forest", setting_kind="forest", characters=[AKI],
                  description="Aki walks alone", seed=99)  # fmt: skip
    close = draw(shot="close-up", characters=[AKI], setting_kind="lab", width=768, height=768)
    counts = [near(img, AKI.palette[0]) for img in (forest, city, close)]
    assert counts[0] > 200 and counts[0] < counts[1] < counts[2], counts  # bigger shot, more hair
    assert near(city, MIO.palette[0]) > 1000  # Mio's silver hair next to him
    assert near(forest, MIO.palette[0]) < 50  # ...and not in the forest, where she is absent


def test_a_look_depends_only_on_the_character() -> None:
    moved = replace(AKI, position=0.9)
    assert look_for(AKI) == look_for(moved)
    a, b = look_for(AKI), look_for(MIO)
    assert a.hair_style == "spiky" and b.hair_style == "long"  # from the appearance text
    assert (a.hair, a.build) != (b.hair, b.build)


def test_two_characters_look_different_in_the_same_slot() -> None:
    one = draw(shot="close-up", characters=[AKI], width=256, height=256)
    two = draw(shot="close-up", characters=[MIO], width=256, height=256)
    diff = ImageChops.difference(one, two).convert("L")
    changed = sum(diff.histogram()[40:])
    assert changed > 0.25 * 256 * 256


# --------------------------------------------------------------------------- style


def test_monochrome_is_exactly_grey() -> None:
    for shot in ("establishing", "close-up", "action"):
        img = draw(monochrome=True, shot=shot, setting_kind="forest")
        r, g, b = img.split()
        assert ImageChops.difference(r, g).getbbox() is None
        assert ImageChops.difference(g, b).getbbox() is None


def test_monochrome_uses_screentone_dots_not_flat_greys() -> None:
    img = draw(monochrome=True, shot="medium").convert("L")
    hist = img.histogram()
    ink_or_paper = sum(hist[:40]) + sum(hist[216:])
    assert ink_or_paper > 0.6 * img.width * img.height  # halftone: mostly dots of ink on paper


def test_colour_output_is_not_grey() -> None:
    img = draw(monochrome=False)
    r, g, b = img.split()
    coloured = ImageChops.difference(r, b).convert("L").histogram()
    assert sum(coloured[20:]) > 0.2 * img.width * img.height


def test_establishing_and_close_up_differ() -> None:
    wide = draw(shot="establishing")
    close = draw(shot="close-up")
    diff = ImageChops.difference(wide, close).convert("L")
    assert sum(diff.histogram()[30:]) > 0.3 * wide.width * wide.height


def test_speed_lines_add_many_thin_dark_lines() -> None:
    calm = draw(shot="medium", mood="neutral", action=False)
    moving = draw(shot="medium", mood="neutral", action=True)
    action = draw(shot="action", mood="neutral", action=True)
    assert edge_pixels(moving) > edge_pixels(calm) * 1.15
    assert edge_pixels(action) > edge_pixels(calm) * 1.15


@pytest.mark.parametrize("kind", [*KINDS, "???"])
def test_every_setting_kind_draws_its_own_background(kind: str) -> None:
    img = draw(setting_kind=kind, setting=kind, shot="wide", characters=[], width=192, height=128)
    other = draw(setting_kind="city" if kind != "city" else "forest", setting="x", shot="wide",
                 characters=[], width=192, height=128)  # fmt: skip
    assert ImageChops.difference(img, other).getbbox() is not None
    assert len(img.getcolors(192 * 128) or []) > 40  # a drawn scene, not a flat fill


@pytest.mark.parametrize("mood", ["tense", "happy", "sad", "eerie"])
def test_moods_change_the_panel(mood: str) -> None:
    assert MODEL.generate(request(mood=mood)).png != MODEL.generate(request(mood="neutral")).png


def test_eerie_is_darker_than_happy() -> None:
    def mean(img: Image.Image) -> float:
        hist = img.convert("L").histogram()
        return sum(i * n for i, n in enumerate(hist)) / sum(hist)

    assert mean(draw(mood="eerie")) < mean(draw(mood="happy")) - 20


def test_the_offline_label_is_small_and_in_a_corner() -> None:
    img = Image.new("RGB", (300, 200), (255, 255, 255))
    label(img)
    box = ImageChops.difference(img, Image.new("RGB", img.size, (255, 255, 255))).getbbox()
    assert box is not None and LABEL == "offline art"
    x0, y0, x1, y1 = box
    assert x0 > 300 * 0.6 and y0 > 200 * 0.85 and (y1 - y0) <= 18
    assert min(img.convert("L").getextrema()) > 40  # semi-transparent, never solid black
