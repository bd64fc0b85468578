"""The story bible: what the LLM writes once per story and every episode builds on."""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, field_validator

HEX_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")


class CharacterProfile(BaseModel):
    """One cast member. ``seed`` keeps the character's look stable across panels."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=40)
    role: str = Field(min_length=1, max_length=60, description="protagonist, rival, mentor, ...")
    appearance: str = Field(min_length=1, max_length=300)
    outfit: str = Field(min_length=1, max_length=200)
    palette: list[str] = Field(
        min_length=2, max_length=4, description="hex colours: hair, outfit, accent[, eyes]"
    )
    personality: str = Field(min_length=1, max_length=200)
    silhouette: str = Field(
        default="average",
        max_length=40,
        description="body shape hint for artists: tall, short, broad, slim, average, robed, ...",
    )
    seed: int = Field(default=0, ge=0, description="stable image seed for this character")

    @field_validator("palette")
    @classmethod
    def _hex(cls, v: list[str]) -> list[str]:
        bad = [c for c in v if not HEX_COLOR.match(c)]
        if bad:
            raise ValueError(f"palette colours must be #rrggbb, got {bad}")
        return v


class EpisodeOutline(BaseModel):
    model_config = ConfigDict(extra="forbid")

    number: int = Field(ge=1)
    title: str = Field(min_length=1, max_length=120)
    summary: str = Field(min_length=1, max_length=800)


class StoryBible(BaseModel):
    """Title, logline, setting, cast, arc and episode outline of one story."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=120)
    logline: str = Field(min_length=1, max_length=400)
    setting: str = Field(min_length=1, max_length=600)
    setting_kind: str = Field(
        default="city",
        max_length=40,
        description="scene family for artists: city, forest, school, space, castle, ocean, "
        "desert, village, lab, arena, ...",
    )
    characters: list[CharacterProfile] = Field(min_length=2, max_length=6)
    arc: str = Field(min_length=1, max_length=1200)
    episodes: list[EpisodeOutline] = Field(min_length=1, max_length=24)

    def character(self, name: str) -> CharacterProfile | None:
        key = name.casefold()
        return next((c for c in self.characters if c.name.casefold() == key), None)

    def to_markdown(self, *, provider: str = "") -> str:
        lines = [f"# {self.title}", "", f"*{self.logline}*", ""]
        if provider:
            lines += [f"> Written by the `{provider}` text provider.", ""]
        lines += ["## Setting", "", self.setting, "", "## Cast", ""]
        for c in self.characters:
            lines += [
                f"### {c.name} — {c.role}",
                "",
                f"- **Appearance:** {c.appearance}",
                f"- **Outfit:** {c.outfit}",
                f"- **Palette:** {', '.join(c.palette)}",
                f"- **Personality:** {c.personality}",
                "",
            ]
        lines += ["## Arc", "", self.arc, "", "## Episodes", ""]
        for e in self.episodes:
            lines += [f"{e.number}. **{e.title}** — {e.summary}"]
        return "\n".join(lines) + "\n"
