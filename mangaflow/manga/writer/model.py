"""The offline text provider: writes story bibles and episode scripts from word tables.

No network and no model weights: every choice comes from ``random.Random`` seeded with
the request seed plus a sha256 of the request context, so the same request always gives
byte-identical JSON (Python's salted ``hash()`` is never used). The word tables live in
:mod:`mangaflow.manga.writer.tables`.
"""

from __future__ import annotations

import colorsys
import hashlib
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from random import Random
from typing import Any, Protocol

from pydantic import BaseModel

from mangaflow.manga.domain.episode import (
    DialogueKind,
    DialogueLine,
    EpisodeScript,
    Page,
    Panel,
    ShotType,
)
from mangaflow.manga.domain.preferences import Preferences, parse_preferences
from mangaflow.manga.domain.story import CharacterProfile, EpisodeOutline, StoryBible
from mangaflow.manga.writer import tables as tb
from mangaflow.platform.errors import ValidationError
from mangaflow.platform.ports import TextModel, TextRequest, TextResult, Usage

MODEL_ID = "mangaflow-offline-writer-1"
_SOFT = re.compile(r"\b(" + "|".join(sorted(tb.SOFTEN, key=len, reverse=True)) + r")\b", re.I)
_SENTENCE_START = re.compile(r"(^|(?<!\.\.)[.!?]\s+)([a-z])")  # not after an ellipsis
_HOSTILE = ("antagonist", "rival")
_SMALL_WORDS = {"of", "the", "a", "an", "and", "in", "to", "from", "at", "on", "for"}
_COLOURS = ("red", "orange", "gold", "olive", "green", "teal", "sky-blue", "blue", "indigo",
            "purple", "magenta", "pink")  # fmt: skip


def _digest(*parts: Any) -> int:
    raw = json.dumps(parts, sort_keys=True, default=str, ensure_ascii=False)
    return int(hashlib.sha256(raw.encode("utf-8")).hexdigest()[:16], 16)


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return text[: limit - 3].rsplit(" ", 1)[0].rstrip(",;:") + "..."


def _caps(text: str) -> str:
    """Capitalise sentence starts (templates may begin with ``the ...``)."""
    return _SENTENCE_START.sub(lambda m: m.group(1) + m.group(2).upper(), text)


def _first_sentence(text: str, limit: int) -> str:
    return _clip(re.split(r"(?<=[.!?])\s", text.strip(), maxsplit=1)[0], limit)


def _title_case(text: str) -> str:
    words = text.split()
    return " ".join(
        w if i and w in _SMALL_WORDS else w[:1].upper() + w[1:] for i, w in enumerate(words)
    )


def _first(name: str) -> str:
    return (name.split() or [name])[0]


def _colour(h: float, s: float, v: float) -> tuple[str, str]:
    """A palette colour as ``#rrggbb`` and as a word for the outfit text."""
    r, g, b = colorsys.hsv_to_rgb(h % 1.0, min(1.0, s), min(1.0, v))
    if s < 0.2:
        word = "charcoal" if v < 0.4 else "grey" if v < 0.7 else "ivory"
    else:
        word = ("dark " if v < 0.45 else "") + _COLOURS[int((h % 1.0) * 12) % 12]
    return f"#{round(r * 255):02x}{round(g * 255):02x}{round(b * 255):02x}", word


@dataclass(frozen=True)
class _Taste:
    """Validated preferences plus the word tables they select."""

    prefs: Preferences
    profiles: list[tb.GenreProfile]
    themes: list[tb.ThemeProfile]
    tier: str  # gentle (G/PG or children), moderate, dark (R/NC-17)

    def soften(self, text: str) -> str:
        if self.tier != "gentle":
            return text
        return _SOFT.sub(lambda m: tb.SOFTEN[m.group(0).lower()], text)


def _taste(raw: Any) -> _Taste:
    prefs = raw if isinstance(raw, Preferences) else parse_preferences(raw)
    young = prefs.target_audience in ("Children", "All Ages")
    tier = "gentle" if prefs.content_rating in ("G", "PG") or young else "moderate"
    return _Taste(
        prefs=prefs,
        profiles=[tb.GENRES.get(g, tb.GENRES[tb.FALLBACK_GENRE]) for g in prefs.genres],
        themes=[tb.THEMES.get(t, tb.THEMES[tb.FALLBACK_THEME]) for t in prefs.themes],
        tier="dark" if prefs.content_rating in ("R", "NC-17") else tier,
    )


def _role_key(role: str) -> str:
    words = re.findall(r"[a-z]+", role.lower())
    return next((key for key, hints in tb.ROLE_WORDS if any(h in words for h in hints)), "ally")


def _voice(role: str, personality: str) -> str:
    text = personality.lower()
    found = (v for v, hints in tb.VOICE_WORDS if any(h in text for h in hints))
    return next(found, tb.ROLE_VOICE[_role_key(role)])


def _phase(number: int, total: int) -> str:
    """Where an episode sits in the story arc."""
    total = max(total, number, 1)
    if total in tb.SHORT_ARCS:
        return tb.SHORT_ARCS[total][number - 1]
    if number in (1, total - 1, total):
        return {1: "setup", total - 1: "climax", total: "resolution"}[number]
    return ("rising", "turn", "crisis")[(number - 2) * 3 // (total - 3)]


def _names(members: Sequence[tuple[str, str]]) -> dict[str, str]:
    """First names by story role; a missing role falls back to someone not yet named."""
    keyed = [(_role_key(role), _first(name)) for name, role in members]
    hero = next((n for k, n in keyed if k == "protagonist"), keyed[0][1])
    taken = [hero]

    def pick(*roles: str, reuse: bool = False) -> str:
        found = next((n for r in roles for k, n in keyed if k == r and n != hero), None)
        free = [n for _, n in keyed if n not in taken] or [n for _, n in keyed if n != hero]
        name = found or (free or [hero])[0]
        taken.extend([] if reuse else [name])
        return name

    rival, foe = pick("rival", "antagonist"), pick("antagonist", "rival", reuse=True)
    ally = pick("ally", "love interest", "comic relief")
    love = pick("love interest", "ally", reuse=True)
    return dict(hero=hero, rival=rival, foe=foe, ally=ally, mentor=pick("mentor"), love=love)


# --------------------------------------------------------------------------- story bible


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


def _cast(rng: Random, taste: _Taste, story_seed: int) -> list[CharacterProfile]:
    prefs, main = taste.prefs, taste.profiles[0]
    users = [(c.name, c.role, c.appearance, _role_key(c.role)) for c in prefs.characters]
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
    used = {_first(s[0]).casefold() for s in slots if s[0]}
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
                name=_clip(name, 40),
                role=_clip(role, 60),
                appearance=_clip(taste.soften(appearance), 300),
                outfit=_clip(outfit, 200),
                palette=[hair[1], main_hex, accent, eye[1]],
                personality=rng.choice(tb.ROLES[key].personalities)[0],
                silhouette=silhouette,
                seed=_digest("character", name.casefold(), story_seed) % 2**31,
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
        topic = _clip(re.sub(r"[^A-Za-z0-9 '&-]", "", str(t.get("topic", ""))), 40).strip()
        scored.append((-float(pop) if isinstance(pop, int | float) else 0.0, topic))
    return next((topic for _, topic in sorted(scored) if topic), "")


def _motif(notes: str) -> str:
    # Notes are data, never instructions: only words from a fixed list of motifs are used.
    words = re.findall(r"[a-z]+", notes.lower())
    return next((tb.NOTE_MOTIFS[w] for w in words if w in tb.NOTE_MOTIFS), "")


def _title_words(rng: Random, taste: _Taste) -> dict[str, str]:
    word, theme = rng.choice(rng.choice(taste.profiles).words), taste.themes[0]
    return {"word": word, "noun": rng.choice(theme.nouns), "adj": rng.choice(theme.adjs)}


def _outline(
    rng: Random, taste: _Taste, fields: dict[str, str], number: int, phase: str, used: set[str]
) -> EpisodeOutline:
    """One outline entry; ``used`` keeps titles from repeating across the outline."""
    options = tb.EPISODE_TITLES[phase]
    template = rng.choice([t for t in options if t not in used] or options)
    title = taste.soften(_caps(template.format(**fields, **_title_words(rng, taste))))
    title += f", Part {number}" if title in used else ""
    used.update((template, title))
    summary = taste.soften(_caps(rng.choice(tb.EPISODE_SUMMARIES[phase]).format(**fields)))
    return EpisodeOutline(number=number, title=_clip(title, 120), summary=_clip(summary, 800))


def write_story(context: Mapping[str, Any], seed: int) -> StoryBible:
    """A story bible for ``context`` = {preferences, insights, episodes}."""
    taste = _taste(context.get("preferences"))
    prefs, profiles, themes = taste.prefs, taste.profiles, taste.themes
    insights = context.get("insights") or {}
    episodes = context.get("episodes")
    count = max(1, min(24, episodes if isinstance(episodes, int) else 3))
    story_seed = _digest("story", seed, prefs.wire(), insights, count) % 2**31
    rng = Random(story_seed)
    main, theme = profiles[0], themes[0]
    place = rng.choice(tb.PLACES[main.names][_quarter(main) :: 4])
    setting_tpl, kind = rng.choice(main.settings)
    obj = rng.choice(profiles[1 % len(profiles)].objects)
    goal = rng.choice(main.goals)
    threat = rng.choice(rng.choice(profiles).dark_threats if taste.tier == "dark" else main.threats)
    cast = _cast(rng, taste, story_seed)
    fields = {**_names([(c.name, c.role) for c in cast]), "place": place, "object": obj,
              "Object": _title_case(obj), "goal": goal, "threat": threat, "ideal": theme.ideal}  # fmt: skip

    def fill(template: str, **extra: str) -> str:
        return taste.soften(_caps(template.format(**fields, **extra)))

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
    if any(_role_key(c.role) == "antagonist" for c in cast):
        arc_lines.insert(2, tb.FOE_LINE)
    if taste.tier == "dark":
        arc_lines.insert(-1, tb.DARK_ARC_LINE)

    used: set[str] = set()
    phases = [_phase(number, count) for number in range(1, count + 1)]
    outline = [_outline(rng, taste, fields, i + 1, p, used) for i, p in enumerate(phases)]
    return StoryBible(
        title=_clip(title, 120),
        logline=_clip(logline, 400),
        setting=_clip(setting, 600),
        setting_kind=kind,
        characters=cast,
        arc=_clip(fill(" ".join(arc_lines)), 1200),
        episodes=outline,
    )


# --------------------------------------------------------------------------- episode script


@dataclass(frozen=True)
class _Member:
    name: str
    first: str
    role: str  # a tb.ROLES key
    voice: str  # a tb.VOICES key
    cue: str  # hair and outfit, for the first time an episode shows them
    outfit: str


def _recover(text: str, candidates: Sequence[str], fallback: Callable[[], str]) -> str:
    """The table entry mentioned earliest in ``text``: how a story from this writer names it."""
    low = text.lower()
    hits = sorted((low.find(c.lower()), i) for i, c in enumerate(candidates) if c.lower() in low)
    return candidates[hits[0][1]] if hits else fallback()


def _member(c: CharacterProfile) -> _Member:
    clauses = [x.strip() for x in re.split(r"[,;.]", c.appearance) if x.strip()]
    look = next((x for x in clauses if "hair" in x.lower()), clauses[0] if clauses else "")
    outfit = re.sub(r"^(an?|the)\s+", "", c.outfit.strip(), flags=re.I)
    cue = _clip(f"{look.removeprefix('with ')}, {outfit}" if look else outfit, 90)
    voice = _voice(c.role, c.personality)
    return _Member(c.name, _first(c.name), _role_key(c.role), voice, cue, outfit)


def _page_beats(pages: int) -> list[list[str]]:
    """Story beats per page: open, tension..., climax, close."""
    if pages in tb.SHORT_EPISODES:
        return tb.SHORT_EPISODES[pages]
    close, climax = (1 if pages < 10 else 2), (1 if pages < 8 else 2)
    tension = pages - 1 - climax - close
    return [[b] for b in ["open"] + ["tension"] * tension + ["climax"] * climax + ["close"] * close]


class _EpisodeWriter:
    """Writes one episode: recovers the story's elements, then pages, panels and lines."""

    def __init__(self, story: StoryBible, taste: _Taste, rng: Random, number: int) -> None:
        self.taste, self.rng, self.phase = taste, rng, _phase(number, len(story.episodes))
        main, every = taste.profiles[0], list(tb.GENRES.values())
        summaries = [e.summary for e in story.episodes]
        text = " ".join([story.logline, story.setting, story.arc, *summaries])
        named = re.search(r"\b(?:of|in|at)\s+([A-Z][\w'-]+(?: [A-Z][\w'-]+)?)", story.setting)
        places = [p for group in tb.PLACES.values() for p in group]
        threats = main.dark_threats if taste.tier == "dark" else main.threats
        self.names = _names([(c.name, c.role) for c in story.characters])
        obj = _recover(
            text, [o for g in every for o in g.objects], lambda: rng.choice(main.objects)
        )
        self.fields = {**self.names, "object": obj, "Object": _title_case(obj),
            "place": _recover(story.setting, places,
                              lambda: named.group(1) if named else rng.choice(tb.PLACES[main.names])),
            "goal": _recover(text, [o for g in every for o in g.goals], lambda: rng.choice(main.goals)),
            "threat": _recover(text, [t for g in every for t in g.threats + g.dark_threats],
                               lambda: rng.choice(threats))}  # fmt: skip
        self.members = [_member(c) for c in story.characters]
        locations, self.details = tb.LOCATIONS.get(story.setting_kind, tb.LOCATIONS["city"])
        self.locations = rng.sample(locations, len(locations))
        self.action = any(p.action for p in taste.profiles)
        self.romance = "Romance" in taste.prefs.genres or "Love" in taste.prefs.themes
        self.fight_sfx = tb.SFX[next((p.sfx for p in taste.profiles if p.action), "action")]
        self.mood_sfx = () if main.action else tb.SFX[main.sfx]
        self.mood = tb.MOODS[main.sfx]
        self.used: set[str] = set()
        self.said: set[str] = set()
        self.seen: set[str] = set()
        self.panel_no, self.scene, self.prev_shot = 0, -1, ""
        self.location, self.cast = self.locations[0], self.members[:1]
        self.opening = self.recap = self.summary = ""
        self.met = {self.names["hero"]}
        upcoming = [f"Next time: {e.title}!" for e in story.episodes if e.number == number + 1]
        last = number >= len(story.episodes)
        self.ending = "The End." if last else (upcoming or ["To be continued..."])[0]

    def _pick(self, pool: Sequence[str]) -> str:
        """A template not used yet in this episode, when there is one."""
        choice = self.rng.choice([t for t in pool if t not in self.used] or list(pool))
        self.used.add(choice)
        return choice

    def _member(self, first: str) -> _Member | None:
        return next((m for m in self.members if m.first == first), None)

    # -- structure
    def pages(self, count: int) -> list[Page]:
        beats = _page_beats(count)
        keys = self._key_pages(beats)
        out: list[Page] = []
        total, tension_pages, prev_beat = 0, 0, ""
        for index, page_beats in enumerate(beats):
            splash = page_beats == ["climax"] and count >= 3 and self.rng.random() < 0.35
            sizes = self._sizes(page_beats, total, splash)
            total = sum(sizes)
            panels: list[Panel] = []
            for beat, size in zip(page_beats, sizes, strict=True):
                if beat == "tension":  # long stretches of tension move on every third page
                    start, tension_pages = tension_pages % 3 == 0, tension_pages + 1
                else:
                    start = beat != prev_beat
                if start:
                    self._new_scene(beat, move=not (beat == "close" and prev_beat == "climax"))
                prev_beat = beat
                for i in range(size):
                    last = len(panels) == total - 1
                    # The key moment ends the climax when the page has one, else the page.
                    peak = i == size - 1 and beat == "climax" if "climax" in page_beats else last
                    key, final = (index in keys and peak) or splash, index == count - 1 and last
                    panels.append(self._panel(beat, start and i == 0, key, splash, final))
            out.append(Page(number=index + 1, panels=panels))
        return out

    def _key_pages(self, beats: list[list[str]]) -> set[int]:
        """Climax pages, plus evenly spaced tension pages: about one key panel per 2-3 pages."""
        keys = {i for i, b in enumerate(beats) if "climax" in b}
        tension = [i for i, b in enumerate(beats) if b == ["tension"]]
        need = min(len(tension), max(1, round(len(beats) / 2.5)) - len(keys))
        keys.update(tension[round((j + 1) * len(tension) / (need + 1)) - 1] for j in range(need))
        return keys

    def _sizes(self, page_beats: list[str], previous: int, splash: bool) -> list[int]:
        if splash:
            return [1]
        if len(page_beats) > 1:
            sizes = [self.rng.choice(tb.PANELS_PER_SHARED_BEAT[b]) for b in page_beats]
            return [sizes[0] - max(0, sum(sizes) - 6), *sizes[1:]]
        pool = tb.PANELS_PER_PAGE[page_beats[0]]
        size = self.rng.choice(pool)
        return [self.rng.choice(pool) if size == previous else size]

    def _new_scene(self, beat: str, move: bool) -> None:
        if move:
            self.scene += 1
            self.location = self.locations[self.scene % len(self.locations)]
        n = self.names
        partner = n["love"] if self.romance else n["foe"] if beat == "climax" else n["ally"]
        # Tension scenes bring in whoever the outline names next, else rival, mentor, foe in turn.
        named = [
            m.first for m in self.members if m.first in self.summary and m.first not in self.met
        ]
        visitor = (named or [n[("rival", "mentor", "foe")[(self.scene - 1) % 3]]])[0]
        order = {
            "open": [n["hero"], n["ally"]],
            "tension": [n["hero"], visitor, n["ally"]],
            "climax": [n["hero"], partner, n["ally"]],
            "close": [n["hero"], partner, n["mentor"]],
        }[beat]
        firsts = list(dict.fromkeys(order))[: 2 if beat == "open" else self.rng.choice((2, 3))]
        self.cast = [m for f in firsts if (m := self._member(f))] or self.members[:1]
        self.met.update(m.first for m in self.cast)

    # -- panels
    def _shot(self, beat: str, scene_start: bool, key: bool) -> ShotType:
        if self.panel_no == 1:
            return "establishing"
        if key:
            return "action" if self.action else ("wide" if scene_start else "close-up")
        if scene_start:
            return "wide"
        pool: list[ShotType] = ["medium", "close-up", "wide", "medium", "extreme-close-up"]
        if self.action and beat in ("tension", "climax"):
            pool += ["action", "action"]
        return self.rng.choice([s for s in pool if s != self.prev_shot])

    def _panel(self, beat: str, scene_start: bool, key: bool, splash: bool, final: bool) -> Panel:
        self.panel_no += 1
        shot = self.prev_shot = self._shot(beat, scene_start, key)
        present = self._present(shot, beat)
        lines: list[DialogueLine] = []
        if self.panel_no == 1:
            lines += [self._narration(f"Previously: {self.recap}")] if self.recap else []
            lines.append(self._narration(self.opening))
        elif scene_start:
            caption = self._pick(tb.SCENE_CAPTIONS).format(location=self.location, **self.fields)
            lines.append(self._narration(caption))
        spoken = len(present) if shot == "establishing" else self.rng.choice(tb.SPEAKERS[shot])
        speakers = self.rng.sample(present, len(present))
        for speaker in speakers[: min(spoken + splash, 3, 4 - len(lines) - final)]:
            lines.append(self._speech(speaker, beat, shot, present, key))
        if final:
            lines.append(self._narration(self.ending))
        return Panel(
            number=self.panel_no,
            description=self._describe(shot, beat, present),
            shot=shot,
            characters=[m.name for m in present],
            dialogue=lines,
            sfx=self._sfx(shot, beat, key, present),
            key=key,
        )

    def _present(self, shot: ShotType, beat: str) -> list[_Member]:
        cast = self.cast
        if shot == "establishing":
            return cast[:1] if self.rng.random() < 0.5 else []
        if shot in ("close-up", "extreme-close-up"):
            return [self.rng.choice(cast)]
        if shot in ("medium", "action") and len(cast) > 1:
            return [cast[0], cast[1] if beat == "climax" else self.rng.choice(cast[1:])]
        return cast[:3]

    def _narration(self, text: str) -> DialogueLine:
        text = _clip(self.taste.soften(_caps(text)), 200)
        return DialogueLine(speaker="", kind="narration", text=text)

    def _speech(
        self, who: _Member, beat: str, shot: ShotType, present: list[_Member], key: bool
    ) -> DialogueLine:
        """A line nobody has said yet in this episode, when a few tries can find one."""
        line = self._speech_once(who, beat, shot, present, key)
        for _ in range(6):
            if line.text not in self.said:
                break
            line = self._speech_once(who, beat, shot, present, key)
        self.said.add(line.text)
        return line

    def _speech_once(
        self, who: _Member, beat: str, shot: ShotType, present: list[_Member], key: bool
    ) -> DialogueLine:
        rng, villain = self.rng, who.voice == "menacing"
        # Address someone in the panel, else in the scene: villains the hero, the others a friend.
        near = [m for m in present + self.cast + self.members if m.first != who.first] or [who]
        liked = [m for m in near if m.role == "protagonist" or not (villain or m.role in _HOSTILE)]
        other = (liked or near)[0].first
        inner = shot == "extreme-close-up" or (shot == "close-up" and rng.random() < 0.4)
        if inner and not villain:
            text = self._pick(tb.THOUGHTS[beat]).format(**self.fields, other=other)
            return DialogueLine(speaker=who.name, kind="thought", text=self._line(text))
        pools: list[Sequence[str]] = [tb.VOICES[who.voice][beat]] * 3
        if not villain:
            pools += [tb.PHASE_LINES[self.phase], tb.REACTIONS[self.mood][beat]]
            pools += [t.lines for t in self.taste.themes] if beat != "open" else []
        if self.taste.tier == "dark" and beat in ("tension", "climax"):
            pools.append(tb.DARK_LINES)
        pool = rng.choice(pools)
        if all(t in self.used for t in pool):
            pool = next((p for p in pools if any(t not in self.used for t in p)), pool)
        template = self._pick(pool)
        text = template.format(**self.fields, other=other)
        if "{" not in template and rng.random() < 0.6:  # call the listener by name
            body = text.rstrip(".!?")
            if re.search(r"\w[.!?]+\s", text):  # several sentences: lead with the name
                text = f"{other}{'!' if '!' in text else '.'} {text}"
            else:
                text = f"{body}, {other}{text[len(body) :] or '.'}"
        loud = text.endswith("!") and (key or (beat == "climax" and rng.random() < 0.5))
        kind: DialogueKind = "shout" if shot == "action" or loud else "speech"
        return DialogueLine(speaker=who.name, kind=kind, text=self._line(text))

    def _line(self, text: str) -> str:
        return _clip(self.taste.soften(_caps(text)), 240)

    def _describe(self, shot: ShotType, beat: str, present: list[_Member]) -> str:
        rng, details = self.rng, self.details
        detail = rng.choice(details)
        frame = self._pick(tb.SHOT_FRAMES[shot])
        frame = frame.format(location=self.location, place=self.fields["place"], detail=detail)
        names, obj = [m.name for m in present], self.fields["object"]
        if not present:
            action = self._pick(tb.EMPTY).format(
                detail=rng.choice([d for d in details if d != detail])
            )
        elif shot == "extreme-close-up":
            action = self._pick(tb.EXTREME).format(a=names[0], object=obj)
        elif len(present) == 1:
            action = self._pick(tb.SOLO[beat]).format(
                a=names[0], outfit=present[0].outfit, object=obj
            )
        else:
            fights = tb.FIGHTS if self.action and (beat == "climax" or shot == "action") else ()
            pool = tb.RUSHES if shot == "action" else tb.ACTIONS[beat]
            if present[1].role in _HOSTILE and beat in ("tension", "climax"):
                pool = tb.CLASHES + fights
            action = self._pick(pool).format(a=names[0], b=names[1], object=obj)
            action += f" {names[2]} watches closely." if len(names) > 2 else ""
        if shot != "extreme-close-up":  # first sighting in the episode: say what they look like
            for m in present:
                if m.name not in self.seen:
                    action = action.replace(m.name, f"{m.name} ({m.cue})", 1)
                    self.seen.add(m.name)
        return _clip(self.taste.soften(_caps(f"{frame} {action}")), 600)

    def _sfx(self, shot: ShotType, beat: str, key: bool, present: list[_Member]) -> list[str]:
        rng = self.rng
        if shot == "action" or (key and self.action):
            return rng.sample(self.fight_sfx, rng.choice((1, 2)))
        heart = self.romance and shot in ("close-up", "extreme-close-up") and beat != "tension"
        if heart and rng.random() < 0.6:
            return ["DOKI DOKI"]
        if any(m.voice == "goofy" for m in present) and rng.random() < 0.4:
            return [rng.choice(tb.SFX["comedy"])]
        if self.mood_sfx and (key or (shot in ("establishing", "wide") and rng.random() < 0.4)):
            return [rng.choice(self.mood_sfx)]
        return []


def write_episode(context: Mapping[str, Any], seed: int) -> EpisodeScript:
    """An episode script for ``context`` =
    {preferences, story, episode_number, previous_summaries, pages}."""
    taste = _taste(context.get("preferences"))
    try:
        story = StoryBible.model_validate(context.get("story"))
        number = max(1, int(context.get("episode_number") or 1))
        pages = max(1, min(40, int(context.get("pages") or taste.prefs.pages_per_episode)))
    except (ValueError, TypeError) as exc:  # pydantic's ValidationError is a ValueError
        raise ValidationError(
            "episode_script needs a valid story, episode_number and pages",
            details=[{"field": "context", "message": str(exc)}],
        ) from None
    previous = [str(s) for s in context.get("previous_summaries") or [] if str(s).strip()]
    story_json = story.model_dump(mode="json")
    rng = Random(_digest("episode", seed, story_json, taste.prefs.wire(), number, previous, pages))
    writer = _EpisodeWriter(story, taste, rng, number)
    outline = next((e for e in story.episodes if e.number == number), None)
    if outline:
        title, summary = outline.title, outline.summary
    else:  # past the outline: write a title and summary in the same voice
        extra = _outline(rng, taste, writer.fields, number, writer.phase, set())
        title, summary = extra.title, extra.summary
    earlier = next((e.summary for e in story.episodes if e.number == number - 1), "")
    writer.recap = _first_sentence(previous[-1] if previous else earlier, 150) if number > 1 else ""
    writer.opening, writer.summary = _first_sentence(summary, 160), summary
    return EpisodeScript(number=number, title=title, summary=summary, pages=writer.pages(pages))


# --------------------------------------------------------------------------- provider


class OfflineTextModel(TextModel):
    """Deterministic, network-free writer for ``story_bible`` and ``episode_script`` tasks."""

    name = "offline"
    offline = True

    def complete(self, request: TextRequest) -> TextResult:
        writers: dict[str, Callable[[Mapping[str, Any], int], BaseModel]] = {
            "story_bible": write_story,
            "episode_script": write_episode,
        }
        if request.task not in writers:
            message = "expected story_bible or episode_script"
            raise ValidationError(f"the offline text model cannot write {request.task!r}",
                                  details=[{"field": "task", "message": message}])  # fmt: skip
        text = writers[request.task](request.context or {}, request.seed).model_dump_json()
        words_in = sum(len(str(m.get("content", "")).split()) for m in request.messages)
        usage = Usage(calls=1, input_tokens=words_in, output_tokens=len(text.split()))
        return TextResult(text=text, provider=self.name, model=MODEL_ID, usage=usage)


class _TextRegistry(Protocol):
    def add_text(self, name: str, factory: Callable[[], TextModel]) -> None: ...


def register(registry: _TextRegistry) -> None:
    """Register the offline writer under the name ``offline``."""
    registry.add_text("offline", OfflineTextModel)
