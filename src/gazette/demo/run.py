"""``gazette demo``: sample publishers on 127.0.0.1, ingested through the real pipeline, then served."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy.engine import make_url

from gazette.config import ConfigError, Environment, Settings
from gazette.demo.publishers import RunningPublishers, start_publishers
from gazette.models import Feed
from gazette.runner import Runner, RunSummary, cluster_pending, enrich_pending, fetcher_for
from gazette.store import Store, open_store

DEMO_PORTS = (8101, 8102, 8103, 8104, 8105, 8106)
"""Fixed, so a reused demo database finds its publishers where it left them."""
DEMO_USERNAME = "demo"
DEMO_PASSWORD = "gazette-demo"  # noqa: S105 -- documented; the demo serves 127.0.0.1 only
"""The demo's administrator, created when the demo database has no accounts yet."""


def demo_database_url(settings: Settings) -> str:
    return settings.database_url or f"sqlite:///{settings.data_dir.resolve() / 'demo.db'}"


def remove_sqlite_database(url: str) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        raise ConfigError("--fresh can only rebuild a SQLite demo database; drop the PostgreSQL one yourself")
    for suffix in ("", "-wal", "-shm"):
        Path(parsed.database + suffix).unlink(missing_ok=True)


def add_publisher_feeds(store: Store, publishers: RunningPublishers) -> list[int]:
    ids = []
    for publisher in publishers.publishers:
        feed, _ = store.add_feed(
            Feed(url=publisher.feed_url, title=publisher.name, site_url=publisher.site_url)
        )
        assert feed.id is not None
        ids.append(feed.id)
    return ids


def progress_bar(label: str, console: Console) -> Progress:
    return Progress(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )


def ingest(store: Store, settings: Settings, feed_ids: Sequence[int], console: Console) -> RunSummary:
    """Poll every demo feed now (conditional GET still applies) and fetch the pages they queue."""

    async def run() -> RunSummary:
        runner = Runner(store, fetcher_for(settings), settings.poll_concurrency)
        try:
            with progress_bar("Ingesting", console) as progress:
                task = progress.add_task("feeds", total=len(feed_ids))
                return await runner.poll(feed_ids, on_done=lambda _report: progress.advance(task))
        finally:
            await runner.aclose()

    return asyncio.run(run())


def prepare_demo(
    settings: Settings, *, fresh: bool, console: Console, ports: Sequence[int] = DEMO_PORTS
) -> tuple[Store, RunningPublishers]:
    """Start the publishers, open (or rebuild) the demo database, ingest. Caller stops the publishers."""
    url = demo_database_url(settings)
    if fresh:
        remove_sqlite_database(url)
    settings.database_url = url
    publishers = start_publishers("127.0.0.1", ports=list(ports))
    try:
        settings.fetch_allow = [*settings.fetch_allow, *publishers.allow_list()]
        store = open_store(url, migrated=False)
        store.migrate()
        ensure_demo_account(store, settings)
        feed_ids = add_publisher_feeds(store, publishers)
        summary = ingest(store, settings, feed_ids, console)
    except BaseException:
        publishers.stop()
        raise
    console.print(
        f"Ingested {len(feed_ids)} feeds from {len(publishers.publishers)} publishers: "
        f"{summary.new} new articles, {summary.pages} pages fetched, {summary.failed} feeds failed."
    )
    enrich_with_progress(store, console)
    placed = cluster_pending(store)
    console.print(f"Placed {placed} articles in {store.stats().stories} stories.")
    return store, publishers


def ensure_demo_account(store: Store, settings: Settings) -> bool:
    """Create the demo administrator when there are no accounts yet (never in production)."""
    from gazette.models import Role
    from gazette.web.auth import create_user

    if settings.env is Environment.PRODUCTION or store.count_users():
        return False
    create_user(store, DEMO_USERNAME, DEMO_PASSWORD, Role.ADMIN)
    return True


def demo_login(store: Store) -> str | None:
    """The demo login, "demo / password", while that account keeps the documented password."""
    from gazette.web.auth import password_matches

    user = store.user_by_name(DEMO_USERNAME)
    if user is None or not password_matches(user.password_hash, DEMO_PASSWORD):
        return None
    return f"{DEMO_USERNAME} / {DEMO_PASSWORD}"


def enrich_with_progress(store: Store, console: Console) -> int:
    from gazette.enrich.pipeline import ENRICHMENT_VERSION

    pending = len(store.articles_to_enrich(ENRICHMENT_VERSION, limit=1_000_000))
    if not pending:
        return 0
    with Progress(
        TextColumn("Enriching"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as progress:
        task = progress.add_task("articles", total=pending)
        done = enrich_pending(store, on_batch=lambda n: progress.advance(task, n))
    console.print(f"Enriched {done} articles (entities, quotes, numbers, summaries, embeddings).")
    return done


def run_demo(
    settings: Settings, *, port: int, serve: bool, fresh: bool, poll: bool, console: Console
) -> None:
    from gazette.server import serve_app

    store, publishers = prepare_demo(settings, fresh=fresh, console=console)
    try:
        counts = store.stats()
        console.print(f"{counts.articles} articles from {counts.sources} sources in {store.url}")
        login = demo_login(store)
        if login:
            console.print(f"Demo login: {login}", highlight=False)
        if serve:
            console.print(f"Serving the demo on http://127.0.0.1:{port}/ (Ctrl-C to stop)")
            asyncio.run(serve_app(settings, store, "127.0.0.1", port, poll=poll))
    finally:
        publishers.stop()
        store.close()
