"""Episode scripts: recover the story's elements from its bible, then write pages (beats,
panel counts, key moments), panels (shot, cast, description, sound effects) and lines
(voices, thoughts, narration) with one seeded generator."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from random import Random
from typing import Any

from mangaflow.manga.domain.episode import (
    DialogueKind,
    DialogueLine,
    EpisodeScript,
    Page,
    Panel,
    ShotType,
)
from mangaflow.manga.domain.story import CharacterProfile, StoryBible
from mangaflow.manga.writer import tables as tb
from mangaflow.manga.writer.story import outline_entry
from mangaflow.manga.writer.taste import (
    Taste,
    arc_phase,
    names_by_role,
    read_taste,
    role_key,
    voice_of,
)
from mangaflow.manga.writer.text import caps, clip, digest, first_name, first_sentence, title_case
from mangaflow.platform.errors import ValidationError

_HOSTILE = ("antagonist", "rival")


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
    cue = clip(f"{look.removeprefix('with ')}, {outfit}" if look else outfit, 90)
    voice = voice_of(c.role, c.personality)
    return _Member(c.name, first_name(c.name), role_key(c.role), voice, cue, outfit)


def _page_beats(pages: int) -> list[list[str]]:
    """Story beats per page: open, tension..., climax, close."""
    if pages in tb.SHORT_EPISODES:
        return tb.SHORT_EPISODES[pages]
    close, climax = (1 if pages < 10 else 2), (1 if pages < 8 else 2)
    tension = pages - 1 - climax - close
    return [[b] for b in ["open"] + ["tension"] * tension + ["climax"] * climax + ["close"] * close]


class _EpisodeWriter:
    """Writes one episode: recovers the story's elements, then pages, panels and lines."""

    def __init__(self, story: StoryBible, taste: Taste, rng: Random, number: int) -> None:
        self.taste, self.rng, self.phase = taste, rng, arc_phase(number, len(story.episodes))
        main, every = taste.profiles[0], list(tb.GENRES.values())
        summaries = [e.summary for e in story.episodes]
        text = " ".join([story.logline, story.setting, story.arc, *summaries])
        named = re.search(r"\b(?:of|in|at)\s+([A-Z][\w'-]+(?: [A-Z][\w'-]+)?)", story.setting)
        places = [p for group in tb.PLACES.values() for p in group]
        threats = main.dark_threats if taste.tier == "dark" else main.threats
        self.names = names_by_role([(c.name, c.role) for c in story.characters])
        obj = _recover(
            text, [o for g in every for o in g.objects], lambda: rng.choice(main.objects)
        )
        self.fields = {**self.names, "object": obj, "Object": title_case(obj),
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
        text = clip(self.taste.soften(caps(text)), 200)
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
        return clip(self.taste.soften(caps(text)), 240)

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
        return clip(self.taste.soften(caps(f"{frame} {action}")), 600)

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
    taste = read_taste(context.get("preferences"))
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
    rng = Random(digest("episode", seed, story_json, taste.prefs.wire(), number, previous, pages))
    writer = _EpisodeWriter(story, taste, rng, number)
    outline = next((e for e in story.episodes if e.number == number), None)
    if outline:
        title, summary = outline.title, outline.summary
    else:  # past the outline: write a title and summary in the same voice
        extra = outline_entry(rng, taste, writer.fields, number, writer.phase, set())
        title, summary = extra.title, extra.summary
    earlier = next((e.summary for e in story.episodes if e.number == number - 1), "")
    writer.recap = first_sentence(previous[-1] if previous else earlier, 150) if number > 1 else ""
    writer.opening, writer.summary = first_sentence(summary, 160), summary
    return EpisodeScript(number=number, title=title, summary=summary, pages=writer.pages(pages))
