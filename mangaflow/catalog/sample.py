"""A generated data set in the anime-offline-database schema (deterministic by seed), for
trying the catalog offline, the tests and ``benchmarks/catalog.py``. Clearly not real data:
every title is made of words from small tables, every source URL is ``example``-numbered."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

WORDS_A = ("Crimson", "Silent", "Eternal", "Hidden", "Broken", "Golden", "Midnight", "Azure",
           "Iron", "Lonely", "Infinite", "Wandering", "Frozen", "Burning", "Celestial", "Last",
           "Paper", "Electric", "Velvet", "Shattered", "Sacred", "Neon", "Ancient", "Hollow")  # fmt: skip
WORDS_B = ("Blade", "Garden", "Horizon", "Academy", "Dragon", "Melody", "Frontier", "Shrine",
           "Circuit", "Tide", "Kingdom", "Lantern", "Requiem", "Voyage", "Alchemist", "Orbit",
           "Festival", "Detective", "Samurai", "Idol", "Witch", "Engine", "Harvest", "Mirror")  # fmt: skip
WORDS_C = ("Chronicles", "Diaries", "Rhapsody", "Saga", "Protocol", "Legend", "Days", "Odyssey",
           "Memories", "Revolution", "Story", "Symphony", "Quest", "Code", "Nocturne", "Tales")  # fmt: skip
TAGS = ("action", "adventure", "comedy", "drama", "fantasy", "horror", "mystery", "romance",
        "sci-fi", "slice of life", "sports", "supernatural", "thriller", "mecha", "music",
        "psychological", "school", "shounen", "shoujo", "seinen", "josei", "isekai", "magic",
        "martial arts", "military", "space", "time travel", "vampires", "demons", "idols",
        "cooking", "detective", "historical", "samurai", "post-apocalyptic", "cyberpunk",
        "steampunk", "robots", "aliens", "gods", "swordplay", "racing", "baseball", "basketball",
        "tournament", "survival", "revenge", "friendship", "family", "coming of age",
        "workplace", "office", "medical", "politics", "war", "pirates", "ninja", "super power",
        "parody", "gag humor", "iyashikei", "harem", "reverse harem", "otaku culture",
        "video games", "virtual world", "card games", "board games", "mahjong", "chess",
        "painting", "photography", "dance", "band", "orchestra", "theatre", "animals",
        "monsters", "zombies", "ghosts", "youkai", "kaiju", "dragons", "elves", "dwarves")  # fmt: skip
STUDIOS = tuple(f"Studio {w}" for w in ("Aurora", "Kestrel", "Lumen", "Maple", "Nimbus",
                "Orchid", "Pebble", "Quartz", "Raven", "Sable", "Tanuki", "Umbra", "Vesper",
                "Willow", "Yuzu", "Zephyr", "Amber", "Birch", "Cobalt", "Dune"))  # fmt: skip
TYPES = ("TV", "TV", "TV", "MOVIE", "OVA", "ONA", "SPECIAL", "UNKNOWN")
STATUSES = ("FINISHED", "FINISHED", "FINISHED", "ONGOING", "UPCOMING", "UNKNOWN")
SEASONS = ("SPRING", "SUMMER", "FALL", "WINTER", "UNDEFINED")
SITES = ("https://myanimelist.example/anime/{}", "https://anilist.example/anime/{}",
         "https://kitsu.example/anime/{}", "https://anidb.example/anime/{}")  # fmt: skip


def entry(i: int, rng: random.Random, image_base: str = "https://cdn.example/images") -> dict[str, Any]:
    a, b, c = rng.choice(WORDS_A), rng.choice(WORDS_B), rng.choice(WORDS_C)
    title = f"{a} {b} {c}" + (f" {rng.randint(2, 4)}" if rng.random() < 0.15 else "")
    kind = rng.choice(TYPES)
    episodes = 1 if kind == "MOVIE" else rng.choice((0, 1, 3, 6, 12, 12, 13, 24, 25, 26, 50))
    sites = rng.sample(SITES, rng.randint(1, len(SITES)))
    year = rng.randint(1975, 2026) if rng.random() > 0.03 else None
    return {
        "sources": sorted(s.format(100000 + i) for s in sites),
        "title": title,
        "type": kind,
        "episodes": episodes,
        "status": rng.choice(STATUSES),
        "animeSeason": {"season": rng.choice(SEASONS), **({"year": year} if year else {})},
        "picture": f"{image_base}/{i}.jpg",
        "thumbnail": f"{image_base}/{i}-thumbnail.jpg",
        "duration": {"value": rng.choice((300, 1440, 1500, 5400)), "unit": "SECONDS"},
        "synonyms": [f"{b} {c}"] + ([f"{a} {b}"] if rng.random() < 0.5 else []),
        "studios": rng.sample(STUDIOS, rng.randint(1, 2)),
        "producers": rng.sample(STUDIOS, rng.randint(0, 2)),
        "relatedAnime": [],
        "tags": sorted(rng.sample(TAGS, rng.randint(3, 12))),
        "score": (lambda m: {"arithmeticGeometricMean": m, "arithmeticMean": m, "median": m})(
            round(rng.uniform(4.0, 9.5), 2)
        ),
    }


def entries(n: int, seed: int = 3, image_base: str = "https://cdn.example/images") -> Iterator[dict[str, Any]]:
    rng = random.Random(seed)
    for i in range(n):
        yield entry(i, rng, image_base)


METADATA = {
    "$schema": "https://raw.githubusercontent.com/manami-project/anime-offline-database/master/schemas/anime-offline-database.schema.json",
    "license": {"name": "Open Data Commons Open Database License (ODbL) v1.0",
                "url": "https://opendatacommons.org/licenses/odbl/1-0/"},
    "repository": "https://github.com/manami-project/anime-offline-database",
    "lastUpdate": "2026-11-28",
}  # fmt: skip


def write(path: Path, data: list[dict[str, Any]] | Iterator[dict[str, Any]],
          metadata: dict[str, Any] | None = None) -> Path:  # fmt: skip
    """Write ``data`` as ``.json``, ``.jsonl`` or either ``.zst``-compressed, by suffix."""
    meta = {**METADATA, **(metadata or {})}
    name = path.name.removesuffix(".zst")
    if name.endswith(".jsonl"):
        body = json.dumps(meta) + "\n" + "".join(json.dumps(e) + "\n" for e in data)
    else:
        body = json.dumps({**meta, "data": list(data)})
    raw = body.encode()
    if path.name.endswith(".zst"):
        import zstandard

        raw = zstandard.ZstdCompressor(level=3).compress(raw)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(raw)
    return path
