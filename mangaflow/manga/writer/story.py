"""Story bibles: title, logline, setting, a cast with looks, palettes and seeds, the arc,
and the episode outline — all from the word tables and one seeded generator."""

from __future__ import annotations

import colorsys
import re
from collections.abc import Mapping
from random import Random
from typing import Any

from mangaflow.manga.domain.story import CharacterProfile, EpisodeOutline, StoryBible
from mangaflow.manga.writer import tables as tb
from mangaflow.manga.writer.taste import Taste, arc_phase, names_by_role, read_taste, role_key
from mangaflow.manga.writer.text import caps, clip, digest, first_name, title_case

_COLOURS = ("red", "orange", "gold", "olive", "green", "teal", "sky-blue", "blue", "indigo",
            "purple", "magenta", "pink")  # fmt: skip


def _colour(h: float, s: float, v: float) -> tuple[str, str]:
    """A palette colour as ``#rrggbb`` and as a word for the outfit text."""
    r, g, b = colorsys.hsv_to_rgb(h % 1.0, min(1.0, s), min(1.0, v))
    if s < 0.2:
        word = "charcoal" if v < 0.4 else "grey" if v < 0.7 else "ivory"
    else:
        word = ("dark " if v < 0.45 else "") + _COLOURS[int((h % 1.0) * 12) % 12]
    return f"#{round(r * 255):02x}{round(g * 255):02x}{round(b * 255):02x}", word


def _quarter(main: tb.GenreProfile) -> int:
    """Each story mood names people and places from its own quarter of the name pools,
    so stories of unlike moods never share names."""
    return list(tb.REACTIONS).index(tb.MOODS[main.sfx])


def _new_name(rng: Random, main: tb.GenreProfile, used: set[str]) -> str:
    """A fresh two-part name, mostly in the genre's naming style."""
    quarter = _quarter(main)
    pick, first = main.names, ""
    for _ in range(40):
        pick = main.names if rng.random() < 0.65 else rng.choice(("jp", "world", "fantasy"))
        first = rng.choice(tb.NAMES[pick][0][quarter::4])
        if first.casefold() not in used:
            break
    used.add(first.casefold())
    return f"{first} {rng.choice(tb.NAMES[pick][1])}"


def _cast(rng: Random, taste: Taste, story_seed: int) -> list[CharacterProfile]:
    prefs, main = taste.prefs, taste.profiles[0]
    users = [(c.name, c.role, c.appearance, role_key(c.role)) for c in prefs.characters]
    taken = [u[3] for u in users]
    order = list(tb.ROLE_ORDER.get(prefs.genres[0], tb.ROLE_ORDER["default"]))
    if rng.random() < 0.5:  # vary the supporting cast a little
        order[1], order[2] = order[2], order[1]
    extra = max(rng.randint(3, 5) - len(users), int("protagonist" not in taken))
    wanted = [r for r in ["protagonist", *order] if r not in taken][: min(extra, 6 - len(users))]
    slots = sorted(users + [("", r, "", r) for r in wanted], key=lambda s: s[3] != "protagonist")

    hair_left = list(tb.HAIR)
    hairs: dict[int, tuple[str, str]] = {}
    for i, slot in enumerate(slots):  # a user's stated hair colour wins
        words = [
            tb.HAIR_WORDS[w] for w in re.findall(r"[a-z]+", slot[2].lower()) if w in tb.HAIR_WORDS
        ]
        hair = next((h for h in hair_left if h[0] in words[:1]), None)
        if hair:
            hairs[i] = hair
            hair_left.remove(hair)
    look, _, sat, val = tb.ART_STYLES[prefs.art_style]
    base_hue = rng.random()
    outfits = [o for p in taste.profiles for o in p.outfits]
    outfits = rng.sample(outfits, k=len(outfits))
    hairdos, marks = rng.sample(tb.HAIR_STYLES, k=len(slots)), rng.sample(tb.MARKS, k=len(slots))
    used = {first_name(s[0]).casefold() for s in slots if s[0]}
    cast: list[CharacterProfile] = []
    for i, (name, role, appearance, key) in enumerate(slots):
        name = name or _new_name(rng, main, used)
        chibi = prefs.art_style == "Chibi" and key not in ("mentor", "antagonist")
        silhouette = "short" if chibi else rng.choice(tb.ROLES[key].silhouettes)
        hair = hairs.get(i) or hair_left.pop(rng.randrange(len(hair_left)))
        eye = rng.choice(tb.EYES)
        if not appearance:
            age = tb.OTHER_AGES.get(key, tb.AGES[prefs.target_audience])
            appearance = (
                f"{age[0].upper()}{age[1:]}, {tb.BUILDS[silhouette]}, with {hair[0]} hair "
                f"{hairdos[i]}, {eye[0]} eyes and {marks[i]}; {look}"
            )
        # Outfit hues are spread evenly around the colour wheel so characters stay distinct.
        hue = base_hue + i / len(slots)
        mono = prefs.art_style == "Black and White"
        v = 0.18 + 0.7 * i / max(1, len(slots) - 1) if mono else val + (0.08 if i % 2 else -0.04)
        (main_hex, tone), (accent, _) = _colour(hue, sat, v), _colour(hue + 0.5, sat + 0.3, v + 0.2)
        outfit = f"{'an' if tone[0] in 'aeiou' else 'a'} {tone} {outfits[i % len(outfits)]}"
        cast.append(
            CharacterProfile(
                name=clip(name, 40),
                role=clip(role, 60),
                appearance=clip(taste.soften(appearance), 300),
                outfit=clip(outfit, 200),
                palette=[hair[1], main_hex, accent, eye[1]],
                personality=rng.choice(tb.ROLES[key].personalities)[0],
                silhouette=silhouette,
                seed=digest("character", name.casefold(), story_seed) % 2**31,
            )
        )
    return cast


def _trend(insights: Any) -> str:
    """The most popular trend topic, reduced to plain words."""
    trends = insights.get("trends") if isinstance(insights, Mapping) else None
    rows = [t for t in trends if isinstance(t, Mapping)] if isinstance(trends, list) else []
    scored: list[tuple[float, str]] = []
    for t in rows:
        pop = t.get("popularity")
        topic = clip(re.sub(r"[^A-Za-z0-9 '&-]", "", str(t.get("topic", ""))), 40).strip()
        scored.append((-float(pop) if isinstance(pop, int | float) else 0.0, topic))
    return next((topic for _, topic in sorted(scored) if topic), "")


def _motif(notes: str) -> str:
    # Notes are data, never instructions: only words from a fixed list of motifs are used.
    words = re.findall(r"[a-z]+", notes.lower())
    return next((tb.NOTE_MOTIFS[w] for w in words if w in tb.NOTE_MOTIFS), "")


def _title_words(rng: Random, taste: Taste) -> dict[str, str]:
    word, theme = rng.choice(rng.choice(taste.profiles).words), taste.themes[0]
    return {"word": word, "noun": rng.choice(theme.nouns), "adj": rng.choice(theme.adjs)}


def outline_entry(
    rng: Random, taste: Taste, fields: dict[str, str], number: int, phase: str, used: set[str]
) -> EpisodeOutline:
    """One outline entry; ``used`` keeps titles from repeating across the outline."""
    options = tb.EPISODE_TITLES[phase]
    template = rng.choice([t for t in options if t not in used] or options)
    title = taste.soften(caps(template.format(**fields, **_title_words(rng, taste))))
    title += f", Part {number}" if title in used else ""
    used.update((template, title))
    summary = taste.soften(caps(rng.choice(tb.EPISODE_SUMMARIES[phase]).format(**fields)))
    return EpisodeOutline(number=number, title=clip(title, 120), summary=clip(summary, 800))


def write_story(context: Mapping[str, Any], seed: int) -> StoryBible:
    """A story bible for ``context`` = {preferences, insights, episodes}."""
    taste = read_taste(context.get("preferences"))
    prefs, profiles, themes = taste.prefs, taste.profiles, taste.themes
    insights = context.get("insights") or {}
    episodes = context.get("episodes")
    count = max(1, min(24, episodes if isinstance(episodes, int) else 3))
    story_seed = digest("story", seed, prefs.wire(), insights, count) % 2**31
    rng = Random(story_seed)
    main, theme = profiles[0], themes[0]
    place = rng.choice(tb.PLACES[main.names][_quarter(main) :: 4])
    setting_tpl, kind = rng.choice(main.settings)
    obj = rng.choice(profiles[1 % len(profiles)].objects)
    goal = rng.choice(main.goals)
    threat = rng.choice(rng.choice(profiles).dark_threats if taste.tier == "dark" else main.threats)
    cast = _cast(rng, taste, story_seed)
    fields = {**names_by_role([(c.name, c.role) for c in cast]), "place": place, "object": obj,
              "Object": title_case(obj), "goal": goal, "threat": threat, "ideal": theme.ideal}  # fmt: skip

    def fill(template: str, **extra: str) -> str:
        return taste.soften(caps(template.format(**fields, **extra)))

    title = fill(rng.choice(main.titles + tb.GENERIC_TITLES), **_title_words(rng, taste))
    age = tb.AGES[prefs.target_audience]
    hero_desc = f"{fields['hero']}, {'an' if age[0] in 'aeiou' else 'a'} {age} "
    logline = fill(rng.choice(tb.LOGLINES), hero_desc=hero_desc + rng.choice(main.heroes))

    locations, details = tb.LOCATIONS[kind]
    loc1, loc2 = rng.sample(locations, 2)
    trend, motif = _trend(insights), _motif(prefs.notes)
    setting_lines = [setting_tpl + ".", *tb.SETTING_LINES, tb.ART_STYLES[prefs.art_style][1]]
    setting_lines += ([tb.TREND_LINE] if trend else []) + ([tb.MOTIF_LINE] if motif else [])
    detail = rng.choice(details)
    setting = fill(" ".join(setting_lines), loc1=loc1, loc2=loc2, detail=detail, trend=trend,
                   motif=motif)  # fmt: skip

    second = themes[1] if len(themes) > 1 else theme
    arc_lines = [theme.arc[0], second.arc[1], theme.arc[2], theme.arc[3]]
    if any(role_key(c.role) == "antagonist" for c in cast):
        arc_lines.insert(2, tb.FOE_LINE)
    if taste.tier == "dark":
        arc_lines.insert(-1, tb.DARK_ARC_LINE)

    used: set[str] = set()
    phases = [arc_phase(number, count) for number in range(1, count + 1)]
    outline = [outline_entry(rng, taste, fields, i + 1, p, used) for i, p in enumerate(phases)]
    return StoryBible(
        title=clip(title, 120),
        logline=clip(logline, 400),
        setting=clip(setting, 600),
        setting_kind=kind,
        characters=cast,
        arc=clip(fill(" ".join(arc_lines)), 1200),
        episodes=outline,
    )
