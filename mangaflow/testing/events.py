"""Contract suite of the :class:`~mangaflow.platform.ports.EventBus` port.

What every bus promises the flows that consume it: each published event reaches its consumer
intact (the detail parses back to the same event, event id included), a burst loses nothing,
a republished event keeps its id (consumers deduplicate on it; a bus that deduplicates
itself, like Prefect's idempotency keys, delivers it once), publishing works from async code,
and a bus that cannot reach its backend raises a retryable
:class:`~mangaflow.platform.errors.ProviderUnavailable`.

A subclass sets ``adapter``, provides the ``bus`` fixture (a bus on which every detail-type
of :data:`~mangaflow.platform.events.EVENT_TYPES` reaches a consumer) and the
``unreachable_bus`` fixture (``pytest.skip`` when the bus has nothing remote), implements
:meth:`EventBusContract.received`, and sets ``deduplicates``::

    class TestInlineBus(EventBusContract):
        adapter = InlineEventBus
        ...
"""

from __future__ import annotations

import asyncio
import json
from typing import Any, ClassVar

import pytest

from mangaflow.catalog.events import (
    CatalogAiringRequested,
    CatalogEntryDiscovered,
    CatalogEpisodeAired,
    CatalogReviewDecided,
    CatalogSnapshotRequested,
    CatalogSyncRequested,
)
from mangaflow.manga.domain.events import (
    BatchWorkflowRequested,
    EpisodeCompleted,
    EpisodeGenerationRequested,
    ImageGenerationRequested,
    PanelRegenerationRequested,
    StoryGenerationRequested,
)
from mangaflow.platform.errors import ProviderUnavailable
from mangaflow.platform.events import DomainEvent, GenerationFailed, parse_event
from mangaflow.platform.ports import EventBus
from mangaflow.support.events import SupportDocumentDecided, SupportDocumentUploaded
from mangaflow.testing._base import Contract
from mangaflow.video.events import (
    VideoRenderFinished,
    VideoRequested,
    VideoStatsRequested,
    VideoTrendsRequested,
)

__all__ = ["Delivery", "EventBusContract", "sample_events"]

#: What a consumer got: the detail-type it was routed by and the event's detail.
Delivery = tuple[str, dict[str, Any]]


def sample_events() -> list[DomainEvent]:
    """One event of every detail-type the platform and the products define."""
    ids = {"userId": "u1", "requestId": "r1"}
    return [
        StoryGenerationRequested(**ids, seed=7),
        EpisodeGenerationRequested(**ids, storyId="s1", episodeNumber=2, storyS3Key="k/s1"),
        ImageGenerationRequested(**ids, storyId="s1", episodeId="e1", episodeS3Key="k/e1"),
        EpisodeCompleted(**ids, storyId="s1", episodeId="e1", pdfS3Key="a.pdf", cbzS3Key="a.cbz"),
        GenerationFailed(**ids, stage="images", error="boom"),
        BatchWorkflowRequested(**ids, batchId="b1", numberOfStories=3),
        PanelRegenerationRequested(**ids, episodeId="e1", panel=4),
        CatalogSyncRequested(**ids, location="/data/anime.jsonl.zst", force=True),
        CatalogEntryDiscovered(**ids, animeId="a1", entry={"title": "x"}, lockOwner="sync-1"),
        CatalogReviewDecided(**ids, animeId="a1", flowRunId="f1", decision={"action": "approve"}),
        CatalogSnapshotRequested(**ids),
        CatalogAiringRequested(**ids),
        CatalogEpisodeAired(**ids, animeId="a1", episode=5),
        VideoTrendsRequested(**ids, topicId="espresso"),
        VideoRequested(**ids, videoId="v1"),
        VideoRenderFinished(**ids, jobId="j1", status="COMPLETE"),
        VideoStatsRequested(**ids, videoId="v1", label="+24h"),
        SupportDocumentUploaded(**ids, tenantId="acme", docId="d1", version=2),
        SupportDocumentDecided(**ids, tenantId="acme", docId="d1", version=2, decision="approve"),
    ]


def _key(delivery: Delivery) -> str:
    detail_type, detail = delivery
    return json.dumps([detail_type, detail], sort_keys=True)


class EventBusContract(Contract):
    """What every :class:`EventBus` promises its consumers (see the module docstring)."""

    port = EventBus
    #: True when publishing one event id twice delivers it once (the bus deduplicates).
    deduplicates: ClassVar[bool] = False

    def received(self, bus: Any) -> list[Delivery]:
        """Every delivery consumers got from ``bus`` so far (a copy delivered twice counts
        twice)."""
        raise NotImplementedError

    def test_is_the_declared_adapter(self, bus: EventBus) -> None:
        self.check_declared_adapter(bus)

    def test_says_whether_its_events_run_in_this_process(self, bus: EventBus) -> None:
        assert type(bus.in_process) is bool  # flows that run every stage themselves check it

    def test_every_event_arrives_intact(self, bus: EventBus) -> None:
        events = sample_events()
        for event in events:
            bus.publish(event)
        got = self.received(bus)
        assert sorted(map(_key, got)) == sorted(_key((e.detail_type, e.detail())) for e in events)
        parsed = {e.event_id: e for e in (parse_event(t, d) for t, d in got)}
        assert parsed == {e.event_id: e for e in events}

    def test_a_burst_of_events_all_arrive(self, bus: EventBus) -> None:
        burst = [StoryGenerationRequested(userId="u", requestId=f"r{n}") for n in range(25)]
        for event in burst:
            bus.publish(event)
        assert sorted(d["eventId"] for _, d in self.received(bus)) == sorted(
            e.event_id for e in burst
        )

    def test_a_republished_event_keeps_its_id(self, bus: EventBus) -> None:
        event = sample_events()[1]
        bus.publish(event)
        bus.publish(event)  # a redelivery, or a publisher retrying after a timeout
        got = self.received(bus)
        assert [d["eventId"] for _, d in got] == [event.event_id] * (1 if self.deduplicates else 2)
        assert all(parse_event(t, d) == event for t, d in got)

    def test_publish_works_inside_a_running_event_loop(self, bus: EventBus) -> None:
        event = sample_events()[0]

        async def endpoint() -> None:  # e.g. an async API endpoint publishing
            bus.publish(event)

        asyncio.run(endpoint())
        assert [d["eventId"] for _, d in self.received(bus)] == [event.event_id]

    def test_an_unreachable_backend_is_a_retryable_error(self, unreachable_bus: EventBus) -> None:
        with pytest.raises(ProviderUnavailable) as info:
            unreachable_bus.publish(sample_events()[0])
        assert info.value.retryable
