"""Celery tasks: thin wrappers over the pipeline's jobs, taking ids only.

Each is safe to run twice (acks are late, so a dead worker's task is delivered
again): a poll stores entries unique per feed, a page or enrichment is simply
redone, and story assignment skips articles already placed. Transient database
or broker errors are retried with exponential backoff; a bad feed is recorded
on the feed by :func:`gazette.pipeline.poll_feed` and never raises.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import redis.exceptions
from celery import Task
from celery.exceptions import Retry
from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError

from gazette import pipeline
from gazette.ingest.fetch import Fetcher
from gazette.runner import cluster_pending, purge_account_leftovers
from gazette.store import Store
from gazette.workers.celery_app import app
from gazette.workers.claims import CLUSTER_CLAIM, enrich_claim, poll_claim
from gazette.workers.settings import run_with_fetcher, worker_claims, worker_settings, worker_store

log = logging.getLogger(__name__)

MAX_RETRIES = 6
CLUSTER_LEASE = 15 * 60
TRANSIENT = (
    OperationalError,
    InterfaceError,
    DisconnectionError,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    ConnectionError,
    TimeoutError,
)


def task(name: str) -> Callable[[Callable[..., Any]], Any]:
    """Register a bound task (``self`` is the task, for retries) under ``name`` on the app."""

    def register(function: Callable[..., Any]) -> Any:
        return app.task(name=name, bind=True, max_retries=MAX_RETRIES)(function)

    return register


def is_transient(exc: BaseException) -> bool:
    """Whether ``exc`` (or what caused it, e.g. under a StoreError) is a lost connection or a deadlock."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, TRANSIENT):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


def retry_delay(retries: int) -> float:
    """Seconds before retry number ``retries + 1``: 2, 4, 8... up to 5 minutes, with jitter."""
    return min(300.0, 2.0 ** (retries + 1)) * random.uniform(0.8, 1.2)


@contextmanager
def retried_when_transient(task: Task) -> Iterator[None]:
    """Turn a transient error in the block into a Celery retry with backoff; re-raise anything else."""
    try:
        yield
    except Retry:
        raise
    except Exception as exc:
        if not is_transient(exc) or task.request.retries >= MAX_RETRIES:
            raise
        log.warning("%s: transient error, retrying: %s", task.name, exc)
        raise task.retry(exc=exc, countdown=retry_delay(task.request.retries)) from exc


def _context(fetcher: Fetcher) -> pipeline.Context:
    return pipeline.Context(store=worker_store(), fetcher=fetcher, enqueue_page=_enqueue_page)


def _enqueue_page(article_id: int) -> None:
    fetch_page.delay(article_id)


@task("gazette.poll_feed")
def poll_feed(self: Task, feed_id: int) -> str:
    """Poll one feed; its pages are queued as ``fetch_page`` tasks. Returns the outcome."""
    with retried_when_transient(self):
        report = run_with_fetcher(lambda fetcher: pipeline.poll_feed(_context(fetcher), feed_id))
    worker_claims().release([poll_claim(feed_id)])
    if report.outcome == "failed":
        log.info("feed %s failed: %s", feed_id, report.error)
    return report.outcome


@task("gazette.fetch_page")
def fetch_page(self: Task, article_id: int) -> bool:
    with retried_when_transient(self):
        return run_with_fetcher(lambda fetcher: pipeline.fetch_page(_context(fetcher), article_id))


@task("gazette.enrich_articles")
def enrich_articles(self: Task, article_ids: list[int]) -> int:
    """Enrich a batch (an article that fails is recorded and skipped), then ask for clustering."""
    with retried_when_transient(self):
        done = pipeline.enrich_articles(worker_store(), article_ids)
    worker_claims().release([enrich_claim(article_id) for article_id in article_ids])
    request_clustering()
    return done


def request_clustering() -> bool:
    """Queue ``cluster_pending`` unless one is queued already; True when this call queued it."""
    if not worker_claims().claim(CLUSTER_CLAIM, CLUSTER_LEASE):
        return False
    cluster_pending_task.delay()
    return True


@task("gazette.assign_stories")
def assign_stories(self: Task, article_ids: list[int]) -> int:
    """Place these enriched articles in stories under the story-index lock, skipping placed ones."""
    with retried_when_transient(self):
        return place_in_stories(worker_store(), article_ids)


def place_in_stories(store: Store, article_ids: Sequence[int]) -> int:
    """:func:`gazette.pipeline.assign_stories` for the unplaced among ``article_ids``, under the lock."""
    with store.story_index_lock():
        unplaced = unplaced_ids(store, article_ids)
        return pipeline.assign_stories(store, unplaced) if unplaced else 0


def unplaced_ids(store: Store, article_ids: Sequence[int]) -> list[int]:
    """The ids of articles not in a story yet (a redelivered task must not place one twice)."""
    briefs = store.briefs_by_id(article_ids)
    unplaced = {article_id for article_id, brief in briefs.items() if brief.story_id is None}
    return [article_id for article_id in article_ids if article_id in unplaced]


@task("gazette.cluster_pending")
def cluster_pending_task(self: Task) -> int:
    """Place every enriched article without a story, holding the story-index lock.

    The claim is released as soon as the lock is held, so articles enriched
    meanwhile queue one more run rather than waiting for the scheduler.
    """
    store = worker_store()
    with retried_when_transient(self), store.story_index_lock():
        worker_claims().release([CLUSTER_CLAIM])
        return cluster_pending(store)


@task("gazette.purge")
def purge(self: Task) -> int:
    """Drop articles past retention, expired sessions and stale rate-limit events."""
    store = worker_store()
    with retried_when_transient(self):
        retention = worker_settings().retention_days
        purged = store.purge_articles(retention) if retention else 0
        purge_account_leftovers(store)
        return purged
