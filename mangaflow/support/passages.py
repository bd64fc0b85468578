"""What the knowledge search returns to the agent: :class:`Passage` and the :class:`Searcher`
protocol. The real searcher (tenant-scoped, approved documents only) lives in
``mangaflow.support.search``; the agent and its tools depend only on this protocol."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from mangaflow.support.tenancy import Principal


@dataclass(frozen=True)
class Passage:
    """One chunk of an approved document of the caller's tenant, with its relevance
    (higher is better; cosine similarity for the vector searcher, 0..1)."""

    doc_id: str
    version: int
    title: str
    chunk: int
    score: float
    text: str

    def cite(self) -> dict[str, object]:
        """What a citation shows of the passage (never its whole text)."""
        return {"doc_id": self.doc_id, "version": self.version, "title": self.title,
                "chunk": self.chunk, "score": round(self.score, 4)}  # fmt: skip


class Searcher(Protocol):
    """Searches the approved knowledge of ``principal``'s tenant; never another tenant's."""

    def search(self, principal: Principal, query: str, k: int) -> list[Passage]: ...
