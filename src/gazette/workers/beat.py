"""The scheduler for Celery workers: every tick, enqueue what the embedded runner would run.

Due feeds come from the same query as :meth:`gazette.runner.Runner.run_round`
(``store.due_feeds``), pending enrichment from ``store.articles_to_enrich`` in
the runner's batch size, clustering when ``store.articles_to_cluster`` finds
work, and the purge once per ``PURGE_EVERY``. A job is claimed in Redis
before it is queued (see :mod:`gazette.workers.claims`), so a slow poll is
not queued again every tick and two schedulers by mistake do not double the work.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from gazette.config import Settings
from gazette.runner import ENRICH_BATCH
from gazette.store import Store, open_store
from gazette.workers.claims import CLUSTER_CLAIM, PURGE_CLAIM, Claims, enrich_claim, poll_claim

log = logging.getLogger(__name__)

SCHEDULER_TICK = 30.0
POLL_LEASE = 15 * 60
ENRICH_LEASE = 30 * 60
CLUSTER_LEASE = 15 * 60
PURGE_EVERY = 3600
ENRICH_BATCHES_PER_TICK = 16
"""At most this many enrichment batches are queued per tick, so the queue follows the workers' pace."""


@dataclass(slots=True)
class Scheduled:
    """What one round queued."""

    polls: int = 0
    enrich_batches: int = 0
    clustering: bool = False
    purge: bool = False


def schedule_round(store: Store, claims: Claims, now: datetime | None = None) -> Scheduled:
    """Queue due feed polls, pending enrichment, clustering and (hourly) the purge."""
    from gazette.enrich.pipeline import ENRICHMENT_VERSION
    from gazette.workers import tasks

    scheduled = Scheduled()
    due = [feed.id for feed in store.due_feeds(now) if feed.id is not None]
    for feed_id in claimed(claims, due, poll_claim, POLL_LEASE):
        tasks.poll_feed.delay(feed_id)
        scheduled.polls += 1
    pending = store.articles_to_enrich(ENRICHMENT_VERSION, limit=ENRICH_BATCH * ENRICH_BATCHES_PER_TICK)
    free = claimed(claims, pending, enrich_claim, ENRICH_LEASE)
    for start in range(0, len(free), ENRICH_BATCH):
        tasks.enrich_articles.delay(free[start : start + ENRICH_BATCH])
        scheduled.enrich_batches += 1
    if store.articles_to_cluster(limit=1) and claims.claim(CLUSTER_CLAIM, CLUSTER_LEASE):
        tasks.cluster_pending_task.delay()
        scheduled.clustering = True
    if claims.claim(PURGE_CLAIM, PURGE_EVERY):
        tasks.purge.delay()
        scheduled.purge = True
    return scheduled


def claimed(claims: Claims, ids: list[int], key: Callable[[int], str], seconds: int) -> list[int]:
    """The ids whose claims were free and are now taken by this round."""
    keys = {key(item): item for item in ids}
    return [keys[name] for name in claims.claim_each(list(keys), seconds)]


def run_scheduler(settings: Settings, tick: float = SCHEDULER_TICK, rounds: int | None = None) -> None:
    """Schedule a round every ``tick`` seconds (``rounds`` of them, or forever)."""
    from gazette.workers.celery_app import app, configure

    configure(app, settings)
    store = open_store(settings.resolved_database_url)
    claims = Claims.from_url(settings.broker_url)
    done = 0
    try:
        while rounds is None or done < rounds:
            try:
                scheduled = schedule_round(store, claims)
                log.info("scheduled %s", scheduled)
            except Exception:
                log.exception("scheduling round failed; trying again next tick")
            done += 1
            if rounds is None or done < rounds:
                time.sleep(tick)
    finally:
        store.close()
