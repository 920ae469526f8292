"""Celery workers on a real Redis over a real PostgreSQL, polling a real publisher on 127.0.0.1.

Two worker processes run as in a deployment: one for ``ingest`` (threads), one
for ``enrich`` and ``stories`` (solo). The scheduler's rounds run in this
process. Waiting is polling the database against a deadline.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import redis
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from gazette.config import ConfigError, Settings, load_settings
from gazette.models import Article, Feed, FeedStatus
from gazette.store import Store, StoreError
from tests.conftest import require

DATA = Path(__file__).resolve().parents[1] / "data" / "workers"
DEADLINE = 90.0
"""Seconds the pipeline may take end to end; generous for a loaded 2-core CI machine."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until(what: str, done: Callable[[], bool], between: Callable[[], object] = lambda: None) -> None:
    """Poll ``done`` (calling ``between`` after each miss) until it holds; fail after ``DEADLINE``."""
    end = time.monotonic() + DEADLINE
    while not done():
        if time.monotonic() > end:
            pytest.fail(f"timed out waiting for {what}")
        between()
        time.sleep(0.2)


# --- services ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    server = shutil.which("redis-server")
    require(server is not None, "redis-server (install the redis-server package)")
    assert server is not None
    port = free_port()
    workdir = tmp_path_factory.mktemp("redis")
    process = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(workdir), "--protected-mode", "yes"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url)
    try:
        wait_until("redis-server to answer", lambda: _answers(client) or process.poll() is not None)
        assert process.poll() is None, "redis-server exited at start"
        yield url
    finally:
        client.close()
        process.terminate()
        process.wait(timeout=30)


def _answers(client: redis.Redis) -> bool:
    try:
        return bool(client.ping())
    except redis.exceptions.ConnectionError:
        return False


@pytest.fixture(scope="module")
def database_url(postgres_url: str) -> Iterator[str]:
    """A database of this module's own on the session's PostgreSQL, migrated."""
    with migrated_database(postgres_url, f"gazette_workers_{os.getpid()}") as url:
        yield url


@pytest.fixture
def stories_database_url(postgres_url: str) -> Iterator[str]:
    with migrated_database(postgres_url, f"gazette_stories_{os.getpid()}") as url:
        yield url


@contextmanager
def migrated_database(postgres_url: str, name: str) -> Iterator[str]:
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(postgres_url).set(database=name).render_as_string(hide_password=False)
    store = Store(url)
    store.migrate()
    store.close()
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


class PublisherHandler(BaseHTTPRequestHandler):
    server: Publisher

    def do_GET(self) -> None:
        found = self.server.routes.get(self.path)
        if found is None:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body, content_type = found
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""


class Publisher(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), PublisherHandler)
        self.base = f"http://127.0.0.1:{self.server_address[1]}"
        self.routes = {
            "/news.xml": (self.page("news.xml"), "application/rss+xml"),
            "/teasers.xml": (self.page("teasers.xml"), "application/rss+xml"),
            "/pages/buses.html": (self.page("buses.html"), "text/html; charset=utf-8"),
            "/not-a-feed.xml": (self.page("not-a-feed.txt"), "text/plain"),
        }

    def page(self, name: str) -> bytes:
        return (DATA / name).read_bytes().replace(b"BASE", self.base.encode())


@pytest.fixture(scope="module")
def publisher() -> Iterator[Publisher]:
    server = Publisher()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture(scope="module")
def settings(database_url: str, redis_url: str, publisher: Publisher) -> Settings:
    return load_settings(
        database_url=database_url,
        broker_url=redis_url,
        fetch_allow=[publisher.base.removeprefix("http://")],
        fetch_timeout=20.0,
    )


def worker_env(settings: Settings, data_dir: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("GAZETTE_")}
    return env | {
        "GAZETTE_DATABASE_URL": settings.database_url,
        "GAZETTE_BROKER_URL": settings.broker_url,
        "GAZETTE_FETCH_ALLOW": ",".join(settings.fetch_allow),
        "GAZETTE_FETCH_TIMEOUT": str(settings.fetch_timeout),
        "GAZETTE_DATA_DIR": str(data_dir),
    }


@dataclass
class Workers:
    processes: list[subprocess.Popen[bytes]]
    logs: list[Path]

    def tails(self) -> str:
        return "\n".join(log.read_text(errors="replace")[-3000:] for log in self.logs)


@pytest.fixture(scope="module")
def workers(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workers]:
    """An ingest worker (threads) and an enrich + stories worker (solo), as real subprocesses."""
    workdir = tmp_path_factory.mktemp("workers")
    env = worker_env(settings, workdir)
    commands = {
        "ingest": ["-Q", "ingest", "--pool=threads", "--concurrency=4"],
        "enrich": ["-Q", "enrich,stories", "--pool=solo"],
    }
    processes, logs = [], []
    for name, options in commands.items():
        log = workdir / f"{name}.log"
        argv = [
            *(sys.executable, "-m", "celery", "-A", "gazette.workers.celery_app", "worker"),
            *("--loglevel=INFO", "--without-gossip", "--without-mingle", "-n", f"{name}@%h", *options),
        ]
        with log.open("wb") as out:
            processes.append(subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.STDOUT))
        logs.append(log)
    running = Workers(processes, logs)
    try:
        yield running
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


# --- end to end ----------------------------------------------------------------------------------


@dataclass
class Pipeline:
    store: Store
    feeds: dict[str, int]
    claims: Any
    workers: Workers

    def feed(self, name: str) -> Feed:
        found = self.store.get_feed(self.feeds[name])
        assert found is not None
        return found


@pytest.fixture(scope="module")
def pipeline(settings: Settings, publisher: Publisher, workers: Workers) -> Iterator[Pipeline]:
    """Feeds added, then scheduler rounds until every good article is stored, enriched and placed."""
    from gazette.workers.beat import schedule_round
    from gazette.workers.celery_app import app, configure
    from gazette.workers.claims import Claims

    configure(app, settings)
    store = Store(settings.database_url)
    claims = Claims.from_url(settings.broker_url)
    feeds = {}
    for name in ("news", "teasers", "missing", "not-a-feed"):
        feed, _ = store.add_feed(Feed(url=f"{publisher.base}/{name}.xml"))
        assert feed.id is not None
        feeds[name] = feed.id
    first = schedule_round(store, claims)
    assert first.polls == 4
    assert schedule_round(store, claims).polls == 0, "claimed feeds are not queued twice"
    ready = Pipeline(store, feeds, claims, workers)

    def everything_placed() -> bool:
        articles = store.recent_articles(limit=50)
        return len(articles) == 4 and all(a.story_id is not None for a in articles)

    def scheduler_round() -> None:
        if any(process.poll() is not None for process in workers.processes):
            pytest.fail(f"a worker exited:\n{workers.tails()}")
        schedule_round(store, claims)

    try:
        wait_until("articles stored, enriched and placed in stories", everything_placed, scheduler_round)
    except pytest.fail.Exception:
        print(workers.tails(), file=sys.stderr)
        raise
    yield ready
    store.close()


def test_good_feeds_are_polled_enriched_and_placed_in_stories(pipeline: Pipeline) -> None:
    articles = pipeline.store.recent_articles(limit=50)
    assert {a.feed_id for a in articles} == {pipeline.feeds["news"], pipeline.feeds["teasers"]}
    assert all(pipeline.store.enrichment(a.id or 0) is not None for a in articles)
    assert len({a.story_id for a in articles}) <= 3, "the two bridge reports share a story"
    assert pipeline.feed("news").status is FeedStatus.OK
    assert pipeline.store.load_story_index() is not None


def test_summary_only_entries_get_their_page_fetched_as_a_task(pipeline: Pipeline) -> None:
    (teaser,) = [
        a for a in pipeline.store.recent_articles(limit=50) if a.feed_id == pipeline.feeds["teasers"]
    ]
    assert teaser.extracted
    assert "3,000 passengers" in teaser.text


def test_a_bad_feed_fails_alone_with_its_reason(pipeline: Pipeline) -> None:
    missing, not_a_feed = pipeline.feed("missing"), pipeline.feed("not-a-feed")
    assert missing.status is FeedStatus.FAILED
    assert "404" in (missing.error or "")
    assert not_a_feed.status is FeedStatus.FAILED
    assert not_a_feed.error
    assert all(feed.next_poll is not None for feed in (missing, not_a_feed))


def test_finished_polls_release_their_claims(pipeline: Pipeline) -> None:
    from gazette.workers.claims import poll_claim

    assert not any(pipeline.claims.held(poll_claim(feed_id)) for feed_id in pipeline.feeds.values())


def test_a_poll_delivered_twice_stores_nothing_twice(pipeline: Pipeline) -> None:
    """What a redelivered task (acks_late after a crash) does: poll again, store no duplicates."""
    from gazette.workers import tasks

    before = pipeline.feed("news").last_fetched
    count = pipeline.store.stats().articles
    tasks.poll_feed.delay(pipeline.feeds["news"])
    wait_until("the second poll", lambda: pipeline.feed("news").last_fetched != before)
    assert pipeline.store.stats().articles == count
    assert pipeline.feed("news").status is FeedStatus.OK


def test_the_scheduler_entry_point_runs_a_round(
    pipeline: Pipeline, settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from gazette.workers import main_scheduler

    for key, value in worker_env(settings, tmp_path).items():
        if key.startswith("GAZETTE_"):
            monkeypatch.setenv(key, value)
    assert main_scheduler(["--once"]) == 0


# --- the stories lock ----------------------------------------------------------------------------


def test_the_stories_lock_makes_a_second_holder_wait(database_url: str) -> None:
    from gazette.store.stories import STORY_INDEX_LOCK

    store = Store(database_url)
    order: list[str] = []
    first_holds, first_may_leave = threading.Event(), threading.Event()

    def first() -> None:
        with store.story_index_lock():
            order.append("first in")
            first_holds.set()
            first_may_leave.wait(timeout=DEADLINE)
            order.append("first out")

    def second() -> None:
        with store.story_index_lock():
            order.append("second in")

    def waiting_for_the_lock() -> bool:
        query = text(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = :key AND NOT granted"
        )
        with store.engine.connect() as conn:
            return int(conn.execute(query, {"key": STORY_INDEX_LOCK & 0xFFFFFFFF}).scalar_one()) == 1

    one = threading.Thread(target=first)
    one.start()
    assert first_holds.wait(timeout=DEADLINE)
    two = threading.Thread(target=second)
    two.start()
    wait_until("the second holder to queue on the lock", waiting_for_the_lock)
    assert order == ["first in"]
    first_may_leave.set()
    one.join()
    two.join()
    assert order == ["first in", "first out", "second in"]
    store.close()


def test_a_failure_inside_the_lock_releases_it(database_url: str) -> None:
    store = Store(database_url)
    with pytest.raises(RuntimeError), store.story_index_lock():
        raise RuntimeError("clustering failed")
    done = threading.Event()

    def again() -> None:
        with store.story_index_lock():
            done.set()

    thread = threading.Thread(target=again)
    thread.start()
    thread.join(timeout=DEADLINE)
    assert done.is_set()
    store.close()


def test_two_concurrent_assignments_lose_no_stories(stories_database_url: str) -> None:
    """Each call loads the index, adds its articles and saves it: unlocked, the later save drops
    the earlier call's articles. Under the lock, the saved index holds every article."""
    from gazette.stories.index import StoryIndex
    from gazette.workers.tasks import place_in_stories

    store = Store(stories_database_url)
    ids = enriched_articles(store, 12)
    halves = [ids[0::2], ids[1::2]]
    start = threading.Barrier(2)
    placed: list[int] = []

    def assign(half: list[int]) -> None:
        start.wait(timeout=DEADLINE)
        placed.append(place_in_stories(store, half))

    threads = [threading.Thread(target=assign, args=(half,)) for half in halves]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=DEADLINE)
    assert sorted(placed) == [6, 6]
    snapshot = store.load_story_index()
    assert snapshot is not None
    index = StoryIndex.restore(snapshot)
    assert all(index.story_of(str(article_id)) for article_id in ids)
    assert all((store.get_article(article_id) or Article("", "", "")).story_id for article_id in ids)
    assert place_in_stories(store, ids) == 0, "placed articles are not placed again"
    store.close()


def enriched_articles(store: Store, count: int) -> list[int]:
    """``count`` stored articles with enrichments of distinct random vectors (no model needed)."""
    from gazette.enrich.embed import DIMENSIONS, to_bytes

    feed, _ = store.add_feed(Feed(url="http://127.0.0.1:9/stories.xml"))
    assert feed.id is not None
    now = datetime.now(UTC)
    entries = [
        (
            f"entry-{n}",
            Article(
                url=f"http://127.0.0.1:9/{n}.html",
                canonical_url=f"http://127.0.0.1:9/{n}.html",
                title=f"Report number {n} on topic {n}",
                feed_id=feed.id,
                published=now - timedelta(minutes=n),
                fetched=now,
                text=f"Report {n} describes topic {n} in a few plain words.",
            ),
        )
        for n in range(count)
    ]
    store.save_entries(feed.id, entries)
    ids = [article.id or 0 for article in store.recent_articles(limit=count)]
    vectors = np.random.default_rng(7).normal(size=(count, DIMENSIONS)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    for article_id, vector in zip(sorted(ids), vectors, strict=True):
        store.save_enrichment(article_id, 1, {}, to_bytes(vector))
    return sorted(ids)


# --- settings and errors -------------------------------------------------------------------------


def test_workers_refuse_sqlite_and_a_missing_broker(tmp_path: Path) -> None:
    from gazette.workers.settings import require_scale_out

    with pytest.raises(ConfigError, match="PostgreSQL"):
        require_scale_out(load_settings(data_dir=tmp_path, broker_url="redis://127.0.0.1:1/0"))
    with pytest.raises(ConfigError, match="BROKER_URL"):
        require_scale_out(load_settings(database_url="postgresql://u@127.0.0.1/x"))
    with pytest.raises(ConfigError, match="redis://"):
        load_settings(broker_url="amqp://127.0.0.1//")


def test_main_worker_explains_the_refusal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from gazette.workers import main_worker

    monkeypatch.setenv("GAZETTE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("GAZETTE_BROKER_URL", "redis://127.0.0.1:1/0")
    monkeypatch.delenv("GAZETTE_DATABASE_URL", raising=False)
    assert main_worker([]) == 2
    assert "PostgreSQL" in capsys.readouterr().err


def test_lost_connections_are_transient_and_bad_data_is_not() -> None:
    from gazette.workers.tasks import is_transient, retry_delay

    lost = OperationalError("SELECT 1", {}, Exception("server closed the connection unexpectedly"))
    wrapped = StoreError("database unreachable")
    wrapped.__cause__ = lost
    assert is_transient(wrapped)
    assert is_transient(redis.exceptions.ConnectionError("refused"))
    assert not is_transient(StoreError("database is not initialised"))
    assert not is_transient(ValueError("bad"))
    assert [round(retry_delay(n) / 2 ** (n + 1)) for n in range(3)] == [1, 1, 1]
    assert retry_delay(20) <= 360
