"""Fixtures shared by the unit tests (the compose tests' episode, lettered once per module)."""

from tests.unit.compose_data import images, rendered, script, story

__all__ = ["images", "rendered", "script", "story"]
