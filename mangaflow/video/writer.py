"""The offline video-script writer (task ``video_script`` of the ``offline`` text provider):
a deterministic explainer from the topic's keywords, category and today's trends. No network
and no weights: choices come from ``random.Random`` seeded with the seed plus a sha256 of the
context, so the same topic, trends and seed give the same script. It writes English; real
text models write in the topic's language. Scripts say they were written offline."""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Mapping
from typing import Any

from mangaflow.video.domain import WORDS_PER_MINUTE, Segment, VideoScript

MOTIONS = ("zoom_in", "pan_right", "zoom_out", "pan_left", "pan_up", "pan_down")
SCENES = {
    "education": "a bright classroom with a chalkboard diagram about {k}",
    "investing": "a clean chart of rising and falling lines about {k}, warm light",
    "tourism": "a wide scenic view of {k}, golden hour, travel photography",
    "technology": "a sleek circuit-board landscape with glowing icons for {k}",
    "health": "a calm, airy clinic scene with a wellness infographic about {k}",
    "finance": "a tidy desk with a notebook, calculator and a chart about {k}",
    "custom": "an illustrated poster about {k}, bold shapes, flat colours",
}
OPENERS = (
    "Today we look at {k}, and why so many people are talking about it.",
    "If you have heard about {k} lately, you are not alone.",
    "Let us take a clear, calm look at {k}.",
)
BODY = (
    "The first thing to know about {k} is that it rewards patience and a little curiosity.",
    "Many people start with {k} by asking a simple question: what problem does it solve?",
    "A useful way to think about {k} is to break it into small, testable steps.",
    "Experts who follow {k} often point to the basics before the headlines.",
    "One common mistake with {k} is to copy what worked for someone else without context.",
    "When you compare options around {k}, write down what matters most to you first.",
    "The numbers behind {k} change every week, but the principles change slowly.",
    "A short daily habit does more for {k} than a long burst once a month.",
    "It helps to separate facts about {k} from opinions, and to check your sources.",
    "There is no single right answer for {k}; there are trade-offs you can understand.",
    "People who get good results with {k} usually keep notes and review them.",
    "Here is a practical tip: start small with {k} and measure what happens.",
)
TRENDING = (
    "This week, viewers are watching videos like {t}.",
    "One of the most watched videos on this right now is {t}.",
)
CLOSERS = (
    "That is the essence of {k}. Thanks for watching, and see you in the next video.",
    "Keep these ideas about {k} in mind, and come back for the next one.",
)
HEADINGS = ("Introduction", "The basics", "A closer look", "Common mistakes", "Practical tips",
            "What the numbers say", "Trade-offs", "Habits that help", "Sources", "Summary")  # fmt: skip


def _rng(context: Mapping[str, Any], seed: int) -> random.Random:
    digest = hashlib.sha256(json.dumps(context, sort_keys=True, default=str).encode()).digest()
    return random.Random(seed * 1_000_003 + int.from_bytes(digest[:8], "big"))


def write_video_script(context: Mapping[str, Any], seed: int) -> VideoScript:
    """Context: ``topic`` (name, category, keywords, target_minutes) and ``trends`` (titles)."""
    rng = _rng(context, seed)
    topic = context.get("topic") or {}
    name = str(topic.get("name") or "this topic")
    keywords = [str(k) for k in topic.get("keywords") or [name]]
    category = str(topic.get("category") or "custom")
    minutes = float(topic.get("target_minutes") or 1.0)
    trends = [str(t) for t in context.get("trends") or []][:3]
    words_wanted = int(minutes * WORDS_PER_MINUTE)
    n = max(3, round(minutes * 60 / 30))  # one segment per ~30 s
    per_segment = max(12, words_wanted // n)
    segments = []
    for i in range(n):
        k = keywords[i % len(keywords)]
        sentences: list[str] = []
        if i == 0:
            sentences.append(rng.choice(OPENERS).format(k=name))
            if trends:
                sentences.append(rng.choice(TRENDING).format(t=f"“{trends[0]}”"))
        while sum(len(s.split()) for s in sentences) < per_segment - (8 if i == n - 1 else 0):
            sentences.append(rng.choice(BODY).format(k=k))
        if i == n - 1:
            sentences.append(rng.choice(CLOSERS).format(k=name))
        heading = "Introduction" if i == 0 else "Summary" if i == n - 1 else \
            HEADINGS[1 + (i - 1) % (len(HEADINGS) - 2)]  # fmt: skip
        segments.append(Segment(
            heading=heading, narration=" ".join(sentences),
            visual_prompt=SCENES.get(category, SCENES["custom"]).format(k=k),
            motion=MOTIONS[i % len(MOTIONS)],  # type: ignore[arg-type]
        ))  # fmt: skip
    title = f"{name}: what to know ({'offline draft'})"[:100]
    description = (
        f"A short explainer about {name}: {', '.join(keywords[:5])}.\n\n"
        "Written, narrated and illustrated offline by MangaFlow (synthetic content)."
    )
    tags = list(dict.fromkeys([name, *keywords, category, "explainer"]))
    return VideoScript(title=title, description=description, tags=tags, segments=segments,
                       offline=True)  # fmt: skip
