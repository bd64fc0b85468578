"""Text helpers for the offline writer: a stable digest of the request (seeds never use
Python's salted ``hash()``), clipping, sentence capitals, title case and first names."""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

_SENTENCE_START = re.compile(r"(^|(?<!\.\.)[.!?]\s+)([a-z])")  # not after an ellipsis

_SMALL_WORDS = {"of", "the", "a", "an", "and", "in", "to", "from", "at", "on", "for"}


def digest(*parts: Any) -> int:
    raw = json.dumps(parts, sort_keys=True, default=str, ensure_ascii=False)
    return int(hashlib.sha256(raw.encode("utf-8")).hexdigest()[:16], 16)


def clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return text[: limit - 3].rsplit(" ", 1)[0].rstrip(",;:") + "..."


def caps(text: str) -> str:
    """Capitalise sentence starts (templates may begin with ``the ...``)."""
    return _SENTENCE_START.sub(lambda m: m.group(1) + m.group(2).upper(), text)


def first_sentence(text: str, limit: int) -> str:
    return clip(re.split(r"(?<=[.!?])\s", text.strip(), maxsplit=1)[0], limit)


def title_case(text: str) -> str:
    words = text.split()
    return " ".join(
        w if i and w in _SMALL_WORDS else w[:1].upper() + w[1:] for i, w in enumerate(words)
    )


def first_name(name: str) -> str:
    return (name.split() or [name])[0]
