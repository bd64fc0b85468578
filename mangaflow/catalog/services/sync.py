"""The weekly sync (seed 003, task 1.1), in two passes over the source stream:

1. read it whole, validating every entry and hashing the bytes: a corrupt, truncated or
   off-schema source stops here and nothing is written; an unchanged source (same hash as
   the last sync) is skipped;
2. apply the rules per entry:

   * **new** (no source URL of it is ours): into an empty catalog it is imported directly
     (the bootstrap); otherwise its enrichment lock is taken by conditional write (a lock
     past its TTL is stale and taken over) and enrichment starts; a lock held elsewhere means
     someone else is on it (``locked``);
   * **existing**: an ORPHANED entry is resurrected (ACTIVE, ``orphaned_at`` cleared); a
     different ``status``, or more ``episodes`` in the source than ours, goes to human review;
     every other field of ours is left alone (our enriched data wins);
   * **missing from the source**: marked ORPHANED with ``orphaned_at``, never deleted.
"""

from __future__ import annotations

import shutil
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mangaflow.catalog.domain import (
    AnimeEntry,
    ReviewItem,
    ReviewReason,
    SourceEntry,
    SyncReport,
    SystemStatus,
    anime_id_for,
)
from mangaflow.catalog.events import CatalogEntryDiscovered
from mangaflow.catalog.parts import Catalog
from mangaflow.catalog.services import index
from mangaflow.catalog.source import SourceReader
from mangaflow.catalog.source import open_bytes as open_source
from mangaflow.platform.errors import ConfigError
from mangaflow.platform.requests.model import utcnow

Progress = Callable[[str, int, int], None]  # (phase, done, total)


def _local_copy(location: str, workdir: Path) -> tuple[str, Path | None]:
    """A URL is downloaded once to a temporary file (both passes read the same bytes)."""
    if not location.startswith(("http://", "https://")):
        return location, None
    tmp = Path(tempfile.mkdtemp(prefix="source-", dir=workdir))
    path = tmp / (location.split("?")[0].rsplit("/", 1)[-1] or "source.json")
    try:
        with open_source(location) as src, path.open("wb") as dst:
            shutil.copyfileobj(src, dst)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return str(path), tmp


def sync(
    cat: Catalog,
    location: str = "",
    *,
    force: bool = False,
    owner: str = "",
    progress: Progress | None = None,
) -> SyncReport:
    """Sync the catalog from ``location`` (default: ``MANGAFLOW_CATALOG_SOURCE``)."""
    settings = cat.settings
    location = location or settings.catalog_source
    if not location:
        raise ConfigError(
            "no catalog source: pass a file or URL, or set MANGAFLOW_CATALOG_SOURCE "
            "(an anime-offline-database release: .json, .jsonl or .zst)"
        )
    started = time.monotonic()
    report = SyncReport(sync_id=uuid.uuid4().hex[:12], source=location, version="",
                        started_at=utcnow())  # fmt: skip
    workdir = Path(settings.home) / "catalog"
    workdir.mkdir(parents=True, exist_ok=True)
    path, tmp = _local_copy(location, workdir)
    try:
        # Pass 1: validate everything and hash; nothing is written before this succeeds.
        reader = SourceReader(path)
        total = 0
        for _ in reader:
            total += 1
            if progress and total % 5000 == 0:
                progress("validate", total, 0)
        info = reader.info
        report.version = info.version
        report.entries = total
        last = cat.store.source_version()
        if last and last.get("version") == info.version and not force:
            report.skipped = True
            report.finished_at = utcnow()
            report.seconds = round(time.monotonic() - started, 3)
            cat.store.add_sync(report)
            return report
        _apply(cat, SourceReader(path), report, owner or f"sync-{report.sync_id}", total, progress)
        cat.store.set_source_version(location, info.version, str(info.metadata.get("lastUpdate", "")))
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
    report.finished_at = utcnow()
    report.seconds = round(time.monotonic() - started, 3)
    cat.store.add_sync(report)
    cat.store.bump_generation()
    return report


def _known(cat: Catalog) -> tuple[dict[str, str], dict[str, tuple[str, int, str]]]:
    """Source URL → anime_id, and anime_id → (status, episodes, system_status) of ours."""
    by_url: dict[str, str] = {}
    facts: dict[str, tuple[str, int, str]] = {}
    for entry in cat.store.all():
        facts[entry.anime_id] = (entry.status, entry.episodes, str(entry.system_status))
        for url in entry.sources:
            by_url[url] = entry.anime_id
    return by_url, facts


def _review_reasons(src: SourceEntry, status: str, episodes: int) -> list[ReviewReason]:
    reasons = []
    if src.status != status:
        reasons.append(ReviewReason(field="status", ours=status, source=src.status,
                                    note="the source's airing status differs"))  # fmt: skip
    if src.episodes > episodes:
        reasons.append(ReviewReason(field="episodes", ours=episodes, source=src.episodes,
                                    note="the source lists more episodes than we hold"))  # fmt: skip
    return reasons


def _apply(cat: Catalog, reader: SourceReader, report: SyncReport, owner: str, total: int,
           progress: Progress | None) -> None:  # fmt: skip
    store, now = cat.store, utcnow()
    by_url, facts = _known(cat)
    bootstrap = not facts
    ttl = float(cat.settings.catalog_lock_ttl_seconds)
    seen: set[str] = set()
    imported: list[AnimeEntry] = []
    resurrected: list[str] = []
    discovered: list[tuple[str, SourceEntry]] = []
    done = 0
    for _, src in reader:
        done += 1
        if progress and done % 5000 == 0:
            progress("apply", done, total)
        anime_id = next((by_url[u] for u in src.sources if u in by_url), None)
        if anime_id is None:
            anime_id = anime_id_for(src.key_source)
            for url in src.sources:
                by_url[url] = anime_id
            if anime_id in seen:  # two source entries for one new anime: the first counts
                continue
            seen.add(anime_id)
            if bootstrap:
                imported.append(AnimeEntry.from_source(src, anime_id, now))
                report.add("imported")
            elif store.acquire_lock(anime_id, owner, ttl):
                discovered.append((anime_id, src))
                report.new_ids.append(anime_id)
                report.add("new")
            else:
                report.add("locked")
            continue
        if anime_id in seen:
            continue
        seen.add(anime_id)
        status, episodes, system_status = facts[anime_id]
        changed = False
        if system_status == SystemStatus.ORPHANED:
            entry = store.require(anime_id)
            entry.system_status, entry.orphaned_at, entry.updated_at = SystemStatus.ACTIVE, None, now
            store.put(entry)
            resurrected.append(anime_id)
            report.add("resurrected")
            changed = True
        reasons = _review_reasons(src, status, episodes)
        if reasons and store.get_review(anime_id) is None:
            candidate = store.require(anime_id)
            candidate.status = src.status
            candidate.episodes = max(candidate.episodes, src.episodes)
            store.put_review(ReviewItem(anime_id=anime_id, kind="changed", candidate=candidate,
                                        reasons=reasons, created_at=now))  # fmt: skip
            report.add("review")
            changed = True
        if not changed:
            report.add("unchanged")
    if imported:
        store.put_many(imported)
        index.index_entries(
            cat, imported,
            progress=(lambda n: progress("index", n, len(imported))) if progress else None,
        )  # fmt: skip
    index.update_status(cat, resurrected, str(SystemStatus.ACTIVE))
    orphaned = _orphan(cat, seen, facts, now)
    report.add("orphaned", len(orphaned)) if orphaned else None
    for anime_id, src in discovered:
        cat.c.bus.publish(CatalogEntryDiscovered(
            userId="system", requestId=report.sync_id, animeId=anime_id,
            entry=src.model_dump(mode="json", by_alias=True), lockOwner=owner,
        ))  # fmt: skip


def _orphan(cat: Catalog, seen: set[str], facts: dict[str, tuple[str, int, str]], now: str) -> list[str]:
    gone = [i for i, f in facts.items() if i not in seen and f[2] == SystemStatus.ACTIVE]
    entries = []
    for anime_id in gone:
        entry = cat.store.require(anime_id)
        entry.system_status, entry.orphaned_at, entry.updated_at = SystemStatus.ORPHANED, now, now
        entries.append(entry)
    cat.store.put_many(entries)
    index.update_status(cat, gone, str(SystemStatus.ORPHANED))
    return gone


def sync_counts(report: SyncReport) -> list[dict[str, Any]]:
    """Rows of outcome → count, for the Prefect artifact and the dashboard."""
    order = ["imported", "new", "locked", "unchanged", "resurrected", "review", "orphaned"]
    return [{"outcome": k, "count": report.counts.get(k, 0)} for k in order]
