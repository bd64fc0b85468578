"""The episode script: pages → panels → dialogue."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

DialogueKind = Literal["speech", "thought", "shout", "narration"]
ShotType = Literal["establishing", "wide", "medium", "close-up", "extreme-close-up", "action"]


class DialogueLine(BaseModel):
    """One balloon. Narration has no speaker (``speaker == ""``)."""

    model_config = ConfigDict(extra="forbid")

    speaker: str = Field(default="", max_length=40)
    kind: DialogueKind = "speech"
    text: str = Field(min_length=1, max_length=240)

    @model_validator(mode="after")
    def _speaker_rule(self) -> DialogueLine:
        if self.kind != "narration" and not self.speaker:
            raise ValueError(f"{self.kind} lines need a speaker")
        return self


class Panel(BaseModel):
    """One panel. ``number`` is 1-based across the whole episode."""

    model_config = ConfigDict(extra="forbid")

    number: int = Field(ge=1)
    description: str = Field(min_length=1, max_length=600, description="what the image shows")
    shot: ShotType = "medium"
    characters: list[str] = Field(default_factory=list, max_length=4)
    dialogue: list[DialogueLine] = Field(default_factory=list, max_length=4)
    sfx: list[str] = Field(default_factory=list, max_length=2)
    key: bool = Field(default=False, description="a key moment: gets a larger panel")


class Page(BaseModel):
    model_config = ConfigDict(extra="forbid")

    number: int = Field(ge=1)
    panels: list[Panel] = Field(min_length=1, max_length=7)


class EpisodeScript(BaseModel):
    """An episode: title, summary (fed to later episodes) and its pages."""

    model_config = ConfigDict(extra="forbid")

    number: int = Field(ge=1)
    title: str = Field(min_length=1, max_length=120)
    summary: str = Field(min_length=1, max_length=800)
    pages: list[Page] = Field(min_length=1, max_length=40)

    @model_validator(mode="after")
    def _numbering(self) -> EpisodeScript:
        pages = [p.number for p in self.pages]
        if pages != list(range(1, len(pages) + 1)):
            raise ValueError("pages must be numbered 1..N in order")
        panels = [pn.number for p in self.pages for pn in p.panels]
        if panels != list(range(1, len(panels) + 1)):
            raise ValueError("panels must be numbered 1..N across the episode, in order")
        return self

    @property
    def panels(self) -> list[Panel]:
        return [pn for p in self.pages for pn in p.panels]

    def page_of(self, panel_number: int) -> int:
        """The number of the page that holds panel ``panel_number``."""
        return next(pg.number for pg in self.pages
                    if any(p.number == panel_number for p in pg.panels))  # fmt: skip

    def to_markdown(self, *, story_title: str = "", provider: str = "") -> str:
        head = f"# {story_title} — Episode {self.number}: {self.title}" if story_title else (
            f"# Episode {self.number}: {self.title}"
        )
        lines = [head, "", f"*{self.summary}*", ""]
        if provider:
            lines += [f"> Written by the `{provider}` text provider.", ""]
        for page in self.pages:
            lines += [f"## Page {page.number}", ""]
            for pn in page.panels:
                tag = " ★" if pn.key else ""
                cast = f" ({', '.join(pn.characters)})" if pn.characters else ""
                lines += [f"### Panel {pn.number} — {pn.shot}{tag}{cast}", "", pn.description, ""]
                for d in pn.dialogue:
                    if d.kind == "narration":
                        lines.append(f"> *{d.text}*")
                    else:
                        mark = {"speech": "", "thought": " (thinks)", "shout": " (shouts)"}[d.kind]
                        lines.append(f"**{d.speaker}**{mark}: {d.text}")
                for s in pn.sfx:
                    lines.append(f"*SFX: {s}*")
                lines.append("")
        return "\n".join(lines) + "\n"
