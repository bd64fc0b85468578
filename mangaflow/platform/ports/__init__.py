"""Small abstract interfaces the platform and its products depend on; adapters implement them.

* :mod:`.storage` — :class:`ItemTable` (metadata, single-table keys) and :class:`BlobStore`
  (files); their backends differ, so they are separate ports.
* :mod:`.events` — :class:`EventBus`: publishes domain events; the bus decides how the next
  flow runs.
* :mod:`.models` — :class:`TextModel`, :class:`ImageModel`, :class:`TasteInsights`, the
  :class:`Usage` each call reports, and :class:`ProgressSink`.
* :mod:`.speech` — :class:`SpeechModel`: narration text → WAV audio with word/sentence marks.
* :mod:`.vectors` — :class:`Embedder` (texts → normalised vectors) and :class:`VectorIndex`
  (cosine search of points with payloads under a :class:`VectorFilter`).

Every port has a contract suite in :mod:`mangaflow.testing` that each adapter's tests run.
"""

from mangaflow.platform.ports.events import EventBus
from mangaflow.platform.ports.models import (
    CharacterLook,
    ImageModel,
    ImageRequest,
    ImageResult,
    InsightsResult,
    ProgressSink,
    TasteInsights,
    TextModel,
    TextRequest,
    TextResult,
    Usage,
)
from mangaflow.platform.ports.speech import SpeechMark, SpeechModel, SpeechRequest, SpeechResult
from mangaflow.platform.ports.storage import BlobStore, Delete, Item, ItemTable, Put
from mangaflow.platform.ports.vectors import (
    Embedder,
    EmbedResult,
    VectorFilter,
    VectorHit,
    VectorIndex,
    VectorPoint,
)

__all__ = [
    "BlobStore", "CharacterLook", "Delete", "EmbedResult", "Embedder", "EventBus",
    "ImageModel", "ImageRequest", "ImageResult", "InsightsResult", "Item", "ItemTable",
    "ProgressSink", "Put", "SpeechMark", "SpeechModel", "SpeechRequest", "SpeechResult",
    "TasteInsights", "TextModel", "TextRequest", "TextResult", "Usage",
    "VectorFilter", "VectorHit", "VectorIndex", "VectorPoint",
]  # fmt: skip
