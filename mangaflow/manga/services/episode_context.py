"""Everything drawing and lettering an episode read: its record and script, its story's record
and bible, and the preferences the story was made from."""

from __future__ import annotations

from dataclasses import dataclass

from mangaflow.manga.domain.episode import EpisodeScript, Panel
from mangaflow.manga.domain.preferences import Preferences
from mangaflow.manga.domain.records import EpisodeRecord, StoryRecord
from mangaflow.manga.domain.story import StoryBible
from mangaflow.manga.services.episode import load_episode
from mangaflow.manga.services.story import load_story
from mangaflow.platform.context import Context


@dataclass(frozen=True)
class EpisodeContext:
    record: EpisodeRecord
    script: EpisodeScript
    story: StoryRecord
    bible: StoryBible

    @property
    def prefs(self) -> Preferences:
        """The preferences the story (and so each of its episodes) was made from."""
        return self.story.preferences

    def panel(self, number: int) -> Panel:
        return next(p for p in self.script.panels if p.number == number)

    def page_of(self, panel_number: int) -> int:
        """The number of the page that holds panel ``panel_number``."""
        return self.script.page_of(panel_number)


def load_episode_context(c: Context, episode_id: str) -> EpisodeContext:
    record, script = load_episode(c, episode_id)
    story, bible = load_story(c, record.story_id)
    return EpisodeContext(record=record, script=script, story=story, bible=bible)
