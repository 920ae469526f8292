"""Scale-out: the pipeline's jobs as Celery tasks on Redis, over one PostgreSQL database.

The embedded runner (``gazette/runner.py``) stays the default. When
``broker_url`` is set, ``gazette schedule`` enqueues what is due and
``gazette worker`` processes, on as many machines as needed, run the same job
functions (see docs/deployment.md). Nothing here is imported by ``import
gazette``: Celery is loaded only by these entry points.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence

from gazette.config import ConfigError, load_settings
from gazette.workers.settings import require_scale_out

__all__ = ["main_scheduler", "main_worker"]


def main_worker(argv: Sequence[str] = ()) -> int:
    """Run a Celery worker; ``argv`` is passed to ``celery worker`` (e.g. ``-Q stories -c 1``)."""
    try:
        require_scale_out(load_settings())
    except ConfigError as exc:
        print(f"gazette worker: {exc}", file=sys.stderr)
        return 2
    from gazette.workers.celery_app import app

    app.worker_main(["worker", *argv])
    return 0


def main_scheduler(argv: Sequence[str] = ()) -> int:
    """Enqueue due feeds, pending enrichment, clustering and the purge every ``--tick`` seconds."""
    import argparse

    from gazette.workers.beat import SCHEDULER_TICK, run_scheduler

    parser = argparse.ArgumentParser(prog="gazette schedule")
    parser.add_argument("--tick", type=float, default=SCHEDULER_TICK, help="seconds between rounds")
    parser.add_argument("--once", action="store_true", help="schedule one round and exit")
    args = parser.parse_args(list(argv))
    try:
        settings = load_settings()
        require_scale_out(settings)
    except ConfigError as exc:
        print(f"gazette schedule: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(level=settings.log_level)
    run_scheduler(settings, tick=args.tick, rounds=1 if args.once else None)
    return 0
