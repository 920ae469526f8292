"""The lock that keeps story assignment to one process at a time, across machines.

:func:`gazette.pipeline.assign_stories` loads the story index, changes it in
memory and saves it back: two calls at once would each save their own copy and
lose the other's stories. The ``stories`` queue is meant for one worker with
concurrency 1; this lock makes a misconfigured second consumer wait instead.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text
from sqlalchemy.engine import Connection

from gazette.store import Store

log = logging.getLogger(__name__)

STORIES_LOCK = 0x67617A_0001
"""PostgreSQL advisory lock key for the story index (any constant unique within the database)."""


@contextmanager
def stories_lock(store: Store) -> Iterator[None]:
    """Hold the story-index lock for the block, waiting for it as long as another process has it.

    A PostgreSQL session-level advisory lock on a connection of its own: if the
    worker dies, the server ends the session and frees the lock. With SQLite
    (one process) there is nobody to exclude.
    """
    if store.backend != "postgresql":
        yield
        return
    with store.engine.connect() as conn:
        conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": STORIES_LOCK})
        conn.commit()
        try:
            yield
        finally:
            _unlock(conn)


def _unlock(conn: Connection) -> None:
    try:
        conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": STORIES_LOCK})
        conn.commit()
    except Exception:
        log.warning("could not release the stories lock; closing its connection instead", exc_info=True)
        conn.invalidate()
