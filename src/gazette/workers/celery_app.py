"""The Celery application: ``celery -A gazette.workers.celery_app worker -Q ingest,enrich``.

Configured from Gazette's settings (``GAZETTE_BROKER_URL``,
``GAZETTE_DATABASE_URL``...) when imported. Messages are JSON (ids only,
never pickle); tasks are acknowledged after they finish, so the job of a
worker that dies is delivered again, and every task is safe to run twice.
"""

from __future__ import annotations

from typing import Any

from celery import Celery
from celery.signals import worker_init

from gazette.config import Settings, load_settings
from gazette.workers.settings import require_scale_out

INGEST_QUEUE = "ingest"
ENRICH_QUEUE = "enrich"
STORIES_QUEUE = "stories"
VISIBILITY_TIMEOUT = 2 * 3600
"""Seconds before Redis hands an unacknowledged task to another worker; longer than any one task."""


def celery_config(settings: Settings) -> dict[str, Any]:
    return {
        "broker_url": settings.broker_url or "redis://127.0.0.1:6379/0",
        "broker_connection_retry_on_startup": True,
        "broker_transport_options": {"visibility_timeout": VISIBILITY_TIMEOUT},
        "task_serializer": "json",
        "accept_content": ["json"],
        "task_ignore_result": True,
        "result_backend": None,
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        "task_default_queue": INGEST_QUEUE,
        "task_routes": {
            "gazette.poll_feed": {"queue": INGEST_QUEUE},
            "gazette.fetch_page": {"queue": INGEST_QUEUE},
            "gazette.purge": {"queue": INGEST_QUEUE},
            "gazette.enrich_articles": {"queue": ENRICH_QUEUE},
            "gazette.assign_stories": {"queue": STORIES_QUEUE},
            "gazette.cluster_pending": {"queue": STORIES_QUEUE},
        },
        "worker_hijack_root_logger": False,
        "enable_utc": True,
    }


def configure(application: Celery, settings: Settings) -> None:
    """Point the app at the settings' broker; call before the app sends or consumes anything."""
    application.conf.update(celery_config(settings))


app = Celery("gazette", include=["gazette.workers.tasks"])
configure(app, load_settings())


def _refuse_unfit_settings(**_: Any) -> None:
    """``celery worker`` started directly still refuses SQLite or a missing broker."""
    require_scale_out(load_settings())


worker_init.connect(_refuse_unfit_settings, weak=False)
