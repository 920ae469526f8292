"""The embedded job runner: the pipeline's jobs, in-process, with bounded concurrency.

Feed polls and page fetches run as separate asyncio tasks so a feed poll never
waits for the pages it queued. The same job functions can be handed to an
external worker pool instead; nothing here is needed by them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import os
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from gazette.config import Settings
from gazette.ingest.fetch import Fetcher
from gazette.pipeline import (
    Context,
    FeedWriter,
    PollReport,
    PollRound,
    assign_stories,
    enrich_articles,
    fetch_page,
    poll_feed,
)
from gazette.store import Store

log = logging.getLogger(__name__)
SCHEDULER_TICK = 30.0


@dataclass(slots=True)
class RunSummary:
    new: int = 0
    updated: int = 0
    not_modified: int = 0
    failed: int = 0
    pages: int = 0
    reports: list[PollReport] = field(default_factory=list)

    def add(self, report: PollReport) -> None:
        self.reports.append(report)
        self.new += report.new
        self.updated += report.updated
        if report.outcome == "not_modified":
            self.not_modified += 1
        elif report.outcome == "failed":
            self.failed += 1


def fetcher_for(settings: Settings) -> Fetcher:
    return Fetcher(
        allow=settings.fetch_allow,
        user_agent=settings.user_agent,
        deadline=settings.fetch_timeout,
        ca_bundle=settings.fetch_ca_bundle,
    )


_parse_lock = threading.Lock()
_parse_pool: ProcessPoolExecutor | None = None


def parse_process() -> ProcessPoolExecutor | None:
    """The process-wide worker process that parses and cleans feed bodies while this one fetches
    and stores; a new one if the last died. None on a single core, where the writer thread parses.

    Parsing and cleaning are Python-heavy, and behind the GIL a thread for them
    barely overlapped the store's writes; a process uses the second core. It is
    started with ``spawn`` (forking a process that runs threads is unsafe) and
    stops when this process exits.
    """
    global _parse_pool
    if (os.cpu_count() or 1) < 2:
        return None
    with _parse_lock:
        if _parse_pool is None or getattr(_parse_pool, "_broken", False):
            if _parse_pool is not None:
                _parse_pool.shutdown(wait=False)
            _parse_pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
        return _parse_pool


class Runner:
    def __init__(
        self, store: Store, fetcher: Fetcher, concurrency: int = 16, retention_days: int = 0
    ) -> None:
        self.store = store
        self.fetcher = fetcher
        self.concurrency = concurrency
        self.retention_days = retention_days
        self.pages: asyncio.Queue[int] = asyncio.Queue()
        self.worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="gazette-ingest")
        self.ctx = Context(
            store=store,
            fetcher=fetcher,
            enqueue_page=self.pages.put_nowait,
            worker=self.worker,
        )

    async def poll(
        self, feed_ids: Iterable[int], on_done: Callable[[PollReport], None] | None = None
    ) -> RunSummary:
        """Poll the given feeds and fetch every page they queue; returns when all is done.

        ``concurrency`` polls run at once. The feeds are read in one go and their
        rows written in batches (a :class:`PollRound`), all written before this returns.
        """
        summary = RunSummary()
        self.ctx.preparer = parse_process()
        ids = list(feed_ids)
        poll_round = PollRound(self.store)
        feeds = {feed.id: feed for feed in poll_round.load(ids)}
        ctx = replace(self.ctx, poll_round=poll_round)
        ctx.writer = FeedWriter(ctx)
        queue = iter(ids)
        workers = [asyncio.create_task(self._page_worker(summary)) for _ in range(self.concurrency)]

        async def poll_worker() -> None:
            for feed_id in queue:
                report = await poll_feed(ctx, feed_id, feed=feeds.get(feed_id))
                summary.add(report)
                if on_done is not None:
                    on_done(report)

        try:
            await asyncio.gather(*(poll_worker() for _ in range(max(1, min(self.concurrency, len(ids))))))
            await self._flush(poll_round)
            await self.pages.join()
        finally:
            await self._flush(poll_round)
            for worker in workers:
                worker.cancel()
            await asyncio.gather(*workers, return_exceptions=True)
        return summary

    async def _flush(self, poll_round: PollRound) -> None:
        """Write the round's queued feed rows on the store's writer thread."""
        await asyncio.get_running_loop().run_in_executor(self.worker, poll_round.flush)

    async def _page_worker(self, summary: RunSummary) -> None:
        while True:
            article_id = await self.pages.get()
            try:
                if await fetch_page(self.ctx, article_id):
                    summary.pages += 1
            except Exception:
                log.exception("page job for article %s failed", article_id)
            finally:
                self.pages.task_done()

    async def run_forever(self, tick: float = SCHEDULER_TICK) -> None:
        """Poll what is due, enrich and place what is new, purge what retention drops; forever."""
        while True:
            await self.run_round()
            await asyncio.sleep(tick)

    async def run_round(self) -> RunSummary:
        """One scheduler round; each step ends before the next starts."""
        due = [feed.id for feed in self.store.due_feeds() if feed.id is not None]
        summary = await self.poll(due) if due else RunSummary()
        if due:
            log.info("polled %d feeds: %d new articles, %d failed", len(due), summary.new, summary.failed)
        await asyncio.to_thread(enrich_pending, self.store)
        await asyncio.to_thread(cluster_pending, self.store)
        if self.retention_days:
            await asyncio.to_thread(self.store.purge_articles, self.retention_days)
        await asyncio.to_thread(purge_account_leftovers, self.store)
        return summary

    async def aclose(self) -> None:
        self.worker.shutdown(wait=False)
        with contextlib.suppress(Exception):
            await self.fetcher.aclose()


RATE_EVENT_TTL = timedelta(days=1)
"""Rate-limit windows are validated to at most a day (config.py), so older events never count."""


def purge_account_leftovers(store: Store) -> None:
    """Drop expired sessions and rate-limit events no window can count any more."""
    store.purge_expired_sessions()
    store.purge_events(datetime.now(UTC) - RATE_EVENT_TTL)


ENRICH_BATCH = 32


def enrich_pending(store: Store, on_batch: Callable[[int], None] | None = None) -> int:
    """Enrich every article without a current enrichment, in batches; returns how many were enriched."""
    from gazette.enrich.pipeline import ENRICHMENT_VERSION

    done = 0
    while True:
        ids = store.articles_to_enrich(ENRICHMENT_VERSION, limit=ENRICH_BATCH)
        if not ids:
            return done
        done += enrich_articles(store, ids)
        if on_batch is not None:
            on_batch(len(ids))


CLUSTER_BATCH = 200


def cluster_pending(store: Store) -> int:
    """Place every enriched article that has no story yet; returns how many were placed."""
    done = 0
    while ids := store.articles_to_cluster(limit=CLUSTER_BATCH):
        placed = assign_stories(store, ids)
        if not placed:
            break
        done += placed
    return done
