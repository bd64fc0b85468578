"""The offline support model: the ``support_agent_step`` writer of the platform's ``offline``
text provider (registered in the ``mangaflow.offline_writers`` entry-point group), so the
agent loop runs the same code path offline as with Bedrock or an OpenAI-compatible model.

Each call is one step of the loop (:class:`AgentStep`): without a search in this turn it
calls ``search_knowledge`` with the user's question; after it, it answers extractively:
the sentences of the relevant passages (score at least ``min_score``) that share the most
words with the question, each followed by its passage's ``[n]``. Nothing relevant: it says it
does not know and offers a ticket. Every sentence of an answer is a sentence of the passage it
cites. Deterministic: no randomness at all (the seed is unused).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

MAX_SENTENCES = 3
_WORD = re.compile(r"[a-z0-9]+")
_SENTENCE = re.compile(r"[^.!?\n]+(?:[.!?]+|$)")
_STOP_WORDS = (
    "a an and are as at be by can could do does for from have how i if in is it its me my of "
    "on or our please should so that the their them then there this to us was we what when "
    "where which who why will with would you your don get"
)
_STOP = frozenset(_STOP_WORDS.split())
NOT_FOUND = ("I don't know the answer to that from our help articles. "
             "I can open a ticket so that a person from our team follows up.")  # fmt: skip


class ToolCallRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(description="a tool's name")
    args: dict[str, Any] = Field(default_factory=dict, description="the tool's arguments")


class AgentStep(BaseModel):
    """One decision of the model: call tools, or answer (citing passages as [n])."""

    model_config = ConfigDict(extra="forbid")

    tool_calls: list[ToolCallRequest] = Field(default_factory=list, max_length=5)
    answer: str = Field(default="", max_length=4000)


def _stem(word: str) -> str:
    for suffix in ("ing", "ed", "es", "s"):
        if len(word) > len(suffix) + 2 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def content_words(text: str) -> set[str]:
    return {_stem(w) for w in _WORD.findall(text.lower()) if w not in _STOP and len(w) > 1}


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.findall(text) if len(s.strip()) > 2]


def write_agent_step(context: Mapping[str, Any], seed: int = 0) -> AgentStep:
    """The next step for ``context`` (question, searched, passages, min_score, tools)."""
    question = str(context.get("question", ""))
    tools = set(context.get("tools") or ())
    if not context.get("searched") and "search_knowledge" in tools:
        return AgentStep(tool_calls=[ToolCallRequest(
            name="search_knowledge", args={"query": question[:500], "k": 5})])  # fmt: skip
    min_score = float(context.get("min_score", 0.3))
    passages = [p for p in context.get("passages") or () if float(p["score"]) >= min_score]
    if not passages:
        return AgentStep(answer=NOT_FOUND)
    asked = content_words(question)
    ranked: list[tuple[int, float, int, int, str]] = []  # (-overlap, -score, n, position, sentence)
    for p in sorted(passages, key=lambda p: -float(p["score"]))[:3]:
        for i, sentence in enumerate(sentences(str(p["text"]))):
            overlap = len(asked & content_words(sentence))
            ranked.append((-overlap, -float(p["score"]), int(p["n"]), i, sentence))
    ranked.sort()
    chosen = [r for r in ranked if r[0] < 0][:MAX_SENTENCES] or ranked[:1]
    return AgentStep(answer=" ".join(f"{s} [{n}]" for _, _, n, _, s in chosen))
