"""A small episode with its story and art, for the compose tests: helpers, and module-scoped
fixtures that ``tests/unit/conftest.py`` makes available to every test module here."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from mangaflow.manga.compose import RenderedPage, render_pages
from mangaflow.manga.domain.episode import EpisodeScript
from mangaflow.manga.domain.story import StoryBible

LONG = (
    "The thing you are chasing is not a lantern at all, it is a memory that somebody sealed "
    "inside paper and candle wax long before either of us was born, and you know it."
)
COLOURS = [
    (230, 57, 70), (29, 53, 87), (69, 123, 157), (168, 218, 220), (241, 250, 238),
    (255, 183, 3), (251, 133, 0), (2, 48, 71), (142, 202, 230), (33, 158, 188), (106, 76, 147),
]  # fmt: skip


def _line(speaker: str, kind: str, text: str) -> dict:
    return {"speaker": speaker, "kind": kind, "text": text}


def _narr(text: str) -> dict:
    return {"speaker": "", "kind": "narration", "text": text}


@pytest.fixture(scope="module")
def story() -> StoryBible:
    return StoryBible(
        title="Lanterns of Kiyomizu",
        logline="A courier who can hear lost objects must return a stolen lantern.",
        setting="Old Kyoto on festival night.",
        characters=[
            {
                "name": "Aiko",
                "role": "protagonist",
                "appearance": "short black hair",
                "outfit": "courier jacket",
                "palette": ["#1d3557", "#e63946"],
                "personality": "stubborn",
            },
            {
                "name": "Ren",
                "role": "rival",
                "appearance": "tall, silver hair",
                "outfit": "black coat",
                "palette": ["#c0c0c0", "#222222"],
                "personality": "cool",
            },
        ],  # fmt: skip
        arc="Aiko learns to trust.",
        episodes=[{"number": 1, "title": "The Humming Lantern", "summary": "A lantern hums."}],
    )


@pytest.fixture(scope="module")
def script() -> EpisodeScript:
    pages = [
        {"number": 1, "panels": [
            {"number": 1, "description": "festival street", "shot": "establishing",
             "characters": ["Aiko"], "key": True, "sfx": ["DON"],
             "dialogue": [_narr("Kyoto. The last night of the festival."),
                          _line("Aiko", "speech", "Something out there is humming my name.")]},
        ]},
        {"number": 2, "panels": [
            {"number": 2, "description": "a", "characters": ["Aiko", "Ren"],
             "dialogue": [_line("Ren", "speech", "You're late."),
                          _line("Aiko", "shout", "I'M NOT LATE!")]},
            {"number": 3, "description": "b", "shot": "close-up", "characters": ["Aiko"],
             "dialogue": [_line("Aiko", "thought", "Why does he always show up?")]},
            {"number": 4, "description": "c", "characters": ["Ren", "Aiko"],
             "dialogue": [_narr("Meanwhile..."), _line("Ren", "speech", "Hush.")]},
            {"number": 5, "description": "d", "characters": ["Ren"], "key": True,
             "sfx": ["BAM"], "dialogue": [_line("Ren", "speech", LONG)]},
        ]},
        {"number": 3, "panels": [
            {"number": n, "description": "x", "characters": ["Aiko", "Ren"][: n % 3],
             "dialogue": [_line("Aiko", "speech", f"Line {n}!")]}
            for n in range(6, 12)
        ]},
    ]  # fmt: skip
    return EpisodeScript(number=1, title="The Humming Lantern", summary="A lantern hums.",
                         pages=pages)  # fmt: skip


def _png(colour: tuple[int, int, int], size: tuple[int, int]) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, colour).save(buf, "PNG")
    return buf.getvalue()


@pytest.fixture(scope="module")
def images(script: EpisodeScript) -> dict[int, bytes]:
    sizes = [(512, 512), (640, 360), (360, 640), (300, 200)]
    out = {
        p.number: _png(COLOURS[p.number % len(COLOURS)], sizes[p.number % len(sizes)])
        for p in script.panels
    }
    jpeg, rgba = io.BytesIO(), io.BytesIO()  # other encodings and modes work too
    Image.new("RGB", (800, 600), COLOURS[2]).save(jpeg, "JPEG", quality=95)
    Image.new("RGBA", (200, 300), (*COLOURS[3], 255)).save(rgba, "PNG")
    out[2], out[3] = jpeg.getvalue(), rgba.getvalue()
    return out


@pytest.fixture(scope="module")
def rendered(script, story, images) -> list[RenderedPage]:
    return render_pages(script, story, images, direction="rtl", footer="MangaFlow · offline")


# -- layouts ---------------------------------------------------------------------------------
