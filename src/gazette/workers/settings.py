"""What a worker process owns: its settings, its store, and one event loop and fetcher per thread."""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from gazette.config import ConfigError, Settings, load_settings
from gazette.ingest.fetch import Fetcher
from gazette.runner import fetcher_for
from gazette.store import Store, open_store
from gazette.workers.claims import Claims

T = TypeVar("T")


def require_scale_out(settings: Settings) -> None:
    """Raise ConfigError unless the settings name a Redis broker and a PostgreSQL database.

    Workers on several machines cannot share one SQLite file: SQLite's locking
    is unreliable over network file systems and allows one writer at a time.
    """
    if not settings.broker_url:
        raise ConfigError(
            "GAZETTE_BROKER_URL is empty; set it to the Redis broker, e.g. redis://127.0.0.1:6379/0"
        )
    if backend_of(settings.resolved_database_url) != "postgresql":
        raise ConfigError(
            "Celery workers need PostgreSQL: set GAZETTE_DATABASE_URL=postgresql://user:password@host/dbname "
            "(several processes cannot safely share one SQLite file), or leave GAZETTE_BROKER_URL empty"
        )


def backend_of(url: str) -> str:
    try:
        return make_url(url).get_backend_name()
    except ArgumentError:
        return "invalid"


_lock = threading.RLock()
_process: dict[str, object] = {}
_threads = threading.local()


def _per_process(name: str, make: Callable[[], T]) -> T:
    """One ``make()`` per process: a forked pool child builds its own, never reusing its parent's sockets."""
    key = f"{os.getpid()}:{name}"
    with _lock:
        if key not in _process:
            _process[key] = make()
        return _process[key]  # type: ignore[return-value]


def worker_settings() -> Settings:
    return _per_process("settings", load_settings)


def worker_store() -> Store:
    """This process's store (a PostgreSQL engine with its own connection pool, shared by its threads)."""

    def make() -> Store:
        settings = worker_settings()
        require_scale_out(settings)
        return open_store(settings.resolved_database_url)

    return _per_process("store", make)


def worker_claims() -> Claims:
    return _per_process("claims", lambda: Claims.from_url(worker_settings().broker_url))


def run_with_fetcher(job: Callable[[Fetcher], Awaitable[T]]) -> T:
    """Run ``job`` on this thread's event loop with this thread's fetcher.

    One loop per worker thread, kept between tasks: the fetcher's connection
    pool (httpx) belongs to the loop it was made on, so a loop per task
    (``asyncio.run``) would need a new fetcher, and new connections, every time.
    A task runs one job, so nothing else waits on the loop while it blocks.
    """
    runner: asyncio.Runner | None = getattr(_threads, "runner", None)
    if runner is None or getattr(_threads, "pid", None) != os.getpid():
        runner = asyncio.Runner()
        _threads.runner, _threads.pid = runner, os.getpid()
        _threads.fetcher = runner.run(_new_fetcher(worker_settings()))
    fetcher: Fetcher = _threads.fetcher
    return runner.run(_awaited(job(fetcher)))


async def _new_fetcher(settings: Settings) -> Fetcher:
    return fetcher_for(settings)


async def _awaited(pending: Awaitable[T]) -> T:
    return await pending
