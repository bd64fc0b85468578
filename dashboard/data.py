"""Everything the pages read, through the core: the bootstrap container, the read-model
services and the repository. Plain data out (dicts, lists, bytes), cached for a few seconds
with ``st.cache_data``; every cached function takes the store's home directory as its first
argument so two stores never share cache entries."""

from __future__ import annotations

import io
from typing import Any

import streamlit as st

from mangaflow.bootstrap import get_context
from mangaflow.manga.repository import repo
from mangaflow.manga.services import queries
from mangaflow.platform.context import Context
from mangaflow.platform.errors import NotFound
from mangaflow.platform.requests.model import GenerationRequest

TTL = 5  # seconds: short enough that a finished run shows up almost at once


def container() -> Context:
    """The process's container (built from MANGAFLOW_* settings on first use)."""
    return get_context()


def home() -> str:
    return str(container().settings.home)


def user_id() -> str:
    """The dashboard's user: MANGAFLOW_USER_ID (default ``local``)."""
    return container().settings.user_id


def _plain(req: GenerationRequest) -> dict[str, Any]:
    return req.model_dump(mode="json")


# ------------------------------------------------------------------------------ requests
@st.cache_data(ttl=TTL, show_spinner=False)
def all_requests(home: str) -> list[dict[str, Any]]:
    """Every request in the store (all users), newest first."""
    store = container().requests
    rows = [_plain(r) for status in ("PENDING", "PROCESSING", "COMPLETED", "FAILED")
            for r in store.requests_by_status(status)]  # fmt: skip
    return sorted(rows, key=lambda r: r["created_at"], reverse=True)


@st.cache_data(ttl=TTL, show_spinner=False)
def dead_letters(home: str) -> list[dict[str, Any]]:
    """Events whose flow failed in the worker, with the reason (local store)."""
    from mangaflow.platform.requests.deadletters import list_local

    return list_local(container())


@st.cache_data(ttl=TTL, show_spinner=False)
def user_requests(home: str, user: str, limit: int = 50) -> list[dict[str, Any]]:
    """The user's latest requests, newest first."""
    return [_plain(r) for r in container().requests.list_requests(user, limit=limit)]


@st.cache_data(ttl=TTL, show_spinner=False)
def usage(home: str, request_ids: tuple[str, ...]) -> list[dict[str, dict[str, float]]]:
    """``Repository.usage_summary`` of each request."""
    store = container().requests
    return [store.usage_summary(rid) for rid in request_ids]


def request_now(request_id: str) -> dict[str, Any]:
    """A request as it is right now (uncached: the live views poll this)."""
    return _plain(container().requests.get_request(request_id))


def failed_requests(home: str) -> list[dict[str, Any]]:
    rows = [r for r in all_requests(home) if r["status"] == "FAILED"]
    return sorted(rows, key=lambda r: r["updated_at"], reverse=True)


@st.cache_data(ttl=TTL, show_spinner=False)
def replayable(home: str, request_id: str) -> bool:
    """Whether the request carries the preferences it was made from (story requests do)."""
    try:
        repo(container()).request_preferences(request_id)
    except NotFound:
        return False
    return True


@st.cache_data(ttl=TTL, show_spinner=False)
def latest_preferences(home: str, user: str) -> dict[str, Any] | None:
    prefs = repo(container()).latest_preferences(user)
    return prefs.wire() if prefs else None


# ------------------------------------------------------------------------------- library
@st.cache_data(ttl=TTL, show_spinner=False)
def stories(home: str, user: str) -> list[dict[str, Any]]:
    """The user's stories (newest first) with their episode counts."""
    return queries.stories(container(), user)


@st.cache_data(ttl=TTL, show_spinner=False)
def story(home: str, user: str, story_id: str) -> dict[str, Any]:
    """A story with its preferences and episode summaries."""
    return queries.story(container(), user, story_id)


@st.cache_data(ttl=60, show_spinner=False)
def story_bible(home: str, user: str, story_id: str) -> dict[str, Any]:
    """Setting, arc and cast of one of the user's stories (from its stored story bible)."""
    from mangaflow.manga.services.story import load_story

    c = container()
    repo(c).get_story(story_id, user_id=user)  # NotFound for another user's story
    _, bible = load_story(c, story_id)
    return bible.model_dump(mode="json", include={"setting", "arc", "characters"})


@st.cache_data(ttl=TTL, show_spinner=False)
def episode(home: str, user: str, episode_id: str) -> dict[str, Any]:
    """An episode's summary plus the blob keys of its lettered pages (``pageKeys``)."""
    c = container()
    out = queries.episode(c, user, episode_id)
    record = repo(c).get_episode(episode_id, user_id=user)
    out["pageKeys"] = list(record.page_keys)
    out["createdAt"] = record.created_at
    return out


@st.cache_data(ttl=30, show_spinner=False, max_entries=256)
def page_png(home: str, key: str, width: int | None = None) -> bytes:
    """A stored page image; ``width`` scales it down (thumbnails)."""
    data = container().blobs.get(key)
    if width is None:
        return data
    from PIL import Image

    with Image.open(io.BytesIO(data)) as img:
        img.thumbnail((width, width * 4))
        out = io.BytesIO()
        img.convert("RGB").save(out, format="PNG", optimize=True)
        return out.getvalue()


@st.cache_data(ttl=TTL, show_spinner=False, max_entries=8)
def download(home: str, user: str, episode_id: str, kind: str) -> tuple[bytes, str, str]:
    """Bytes, media type and file name of an episode's PDF or CBZ (``queries.download``)."""
    return queries.download(container(), user, episode_id, kind)


def clear() -> None:
    """Forget cached reads (after an action changed the store)."""
    st.cache_data.clear()
