"""End to end: one ``Runner.poll`` over good and hostile feeds served from 127.0.0.1.

A threaded HTTP server on a free port serves, in one run, good feeds (full
content, summary-only with article pages, undated, empty, wrong charset,
malformed but recoverable, 10,000 entries) and bad ones (entity bombs, XXE, an
HTML page, 404, 410, 429, 503, a redirect loop, a redirect to a loopback alias
that is not allowlisted, a 1-byte-per-second body, a gzip bomb). Each bad feed
must end failed or gone with a readable reason while every good feed in the
same run is ingested; a second poll must be conditional and get 304s.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import signal
import threading
import time
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, func, select

from gazette.extract import text as text_module
from gazette.extract.sanitize import sanitize_html
from gazette.extract.text import html_to_paragraphs
from gazette.ingest.fetch import Fetcher, FetchResult
from gazette.models import Article, Feed, FeedStatus, PausedBy, User
from gazette.pipeline import (
    Context,
    FeedWriter,
    PollReport,
    PollRound,
    PreparedFeed,
    ingest_feed_body,
    prepare_entries,
)
from gazette.runner import Runner, RunSummary, parse_process
from gazette.store import Store
from gazette.store.schema import articles, feed_entries
from gazette.store.schema import feeds as feeds_table

DATA = Path(__file__).parent / "data" / "pipeline"
DEADLINE = 3.0
BIG_ENTRIES = 10_000
ETAG = '"good-v1"'
PARAGRAPH = (
    "<p>The council voted on Tuesday to approve the revised budget after a debate that stretched over three "
    "sessions and drew more than two hundred residents to the hall; the mayor has ten days to sign it.</p>"
)


def rss(items: str, title: str = "Feed") -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>'
        f"<title>{title}</title><link>BASE/</link>{items}</channel></rss>"
    ).encode()


def full_item(base: str, number: int, prefix: str) -> str:
    published = datetime(2026, 11, 20, tzinfo=UTC) - timedelta(minutes=number)
    return (
        f"<item><title>{prefix} story {number}</title><link>{base}/{prefix}/{number}</link>"
        f"<guid>{prefix}-{number}</guid><pubDate>{published:%a, %d %b %Y %H:%M:%S} GMT</pubDate>"
        f"<description>Summary {number}</description>"
        f"<content:encoded><![CDATA[{PARAGRAPH * 3}<p>Entry {number}.</p>]]></content:encoded></item>"
    )


def gzip_bomb(size: int = 20 * 2**20) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = bytes(2**20)
    return b"".join(packer.compress(block) for _ in range(size // len(block))) + packer.flush()


Route = Callable[["Handler"], None]


@dataclass
class Site:
    """What the server serves, and every request it saw (path, If-None-Match)."""

    base: str = ""
    routes: dict[str, Route] = field(default_factory=dict)
    requests: list[tuple[str, str | None]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: SiteServer

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        site = self.server.site
        with site.lock:
            site.requests.append((self.path, self.headers.get("If-None-Match")))
        route = site.routes.get(self.path)
        if route is None:
            self.reply(404, b"not found")
        else:
            route(self)

    def reply(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class SiteServer(ThreadingHTTPServer):
    daemon_threads = True
    site: Site

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients hanging up (the deadline, the size cap) are expected here, not worth a traceback."""


def static(body: bytes, content_type: str = "application/rss+xml", **headers: str) -> Route:
    def route(handler: Handler) -> None:
        handler.reply(200, body, {"Content-Type": content_type, **headers})

    return route


def conditional(body: bytes) -> Route:
    def route(handler: Handler) -> None:
        if handler.headers.get("If-None-Match") == ETAG:
            handler.reply(304, b"", {"ETag": ETAG})
        else:
            handler.reply(200, body, {"Content-Type": "application/rss+xml; charset=utf-8", "ETag": ETAG})

    return route


def status(code: int, **headers: str) -> Route:
    def route(handler: Handler) -> None:
        handler.reply(code, b"nope", {"Content-Type": "text/plain", **headers})

    return route


def redirect(location: str) -> Route:
    def route(handler: Handler) -> None:
        handler.reply(302, b"", {"Location": location})

    return route


def trickle(handler: Handler) -> None:
    """One byte a second: only a total deadline stops it."""
    body = rss(full_item(handler.server.site.base, 0, "slow"))
    handler.send_response(200)
    handler.send_header("Content-Type", "application/rss+xml")
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    try:
        for index in range(int(DEADLINE) + 3):
            handler.wfile.write(body[index : index + 1])
            handler.wfile.flush()
            time.sleep(1)
    except OSError:
        pass


def fixture(name: str, base: str) -> bytes:
    return (DATA / name).read_bytes().replace(b"BASE", base.encode())


def build_routes(base: str) -> dict[str, Route]:
    big = rss("".join(full_item(base, number, "big") for number in range(BIG_ENTRIES)), "Big")
    assert len(big) < 15 * 2**20
    page = (DATA / "article.html").read_text()
    routes: dict[str, Route] = {
        "/good.xml": conditional(
            rss("".join(full_item(base, n, "good") for n in range(5))).replace(b"BASE", base.encode())
        ),
        "/big.xml": static(big.replace(b"BASE", base.encode())),
        "/summary.xml": static(fixture("summary.xml", base)),
        "/pages/dredging.html": static(
            page.replace("TITLE", "Harbour dredging runs late").encode(), "text/html"
        ),
        "/pages/buses.html": static(page.replace("TITLE", "Night buses stay").encode(), "text/html"),
        "/dates.xml": static(fixture("dates.xml", base)),
        "/empty.xml": static(fixture("empty.xml", base)),
        "/charset.xml": static(fixture("charset.xml", base), "application/rss+xml; charset=utf-8"),
        "/malformed.xml": static(fixture("malformed.xml", base)),
        "/billion-laughs.xml": static(fixture("billion-laughs.xml", base)),
        "/xxe.xml": static(fixture("xxe.xml", base)),
        "/page.html": static(fixture("page.html", base), "text/html; charset=utf-8"),
        "/gone.xml": status(410),
        "/throttled.xml": status(429, **{"Retry-After": "7200"}),
        "/unavailable.xml": status(503),
        "/loop-a.xml": redirect("/loop-b.xml"),
        "/loop-b.xml": redirect("/loop-a.xml"),
        "/alias.xml": redirect(base.replace("127.0.0.1", "127.0.0.2") + "/good.xml"),
        "/slow.xml": trickle,
        "/bomb.xml": static(gzip_bomb(), **{"Content-Encoding": "gzip"}),
    }
    return routes


GOOD = ("good", "big", "summary", "dates", "empty", "charset", "malformed")
BAD = (
    "page", "missing", "gone", "throttled", "unavailable", "loop", "alias", "slow", "bomb",
    "billion-laughs", "xxe",
)  # fmt: skip
URL_PATHS = {"page": "/page.html", "missing": "/missing.xml", "loop": "/loop-a.xml"}


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    server = SiteServer(("127.0.0.1", 0), Handler)  # listening once constructed: no readiness wait
    server.site = Site(base=f"http://127.0.0.1:{server.server_address[1]}")
    server.site.routes = build_routes(server.site.base)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.site
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class Polled:
    store: Store
    feeds: dict[str, Feed]
    first: RunSummary
    second: RunSummary
    started: datetime
    finished: datetime
    peak_bytes: int
    second_requests: list[tuple[str, str | None]]

    def feed(self, name: str) -> Feed:
        feed = self.store.get_feed(self.feeds[name].id or 0)
        assert feed is not None
        return feed

    def articles_of(self, name: str) -> list[Article]:
        with self.store.engine.connect() as conn:
            ids = conn.execute(
                select(feed_entries.c.article_id).where(feed_entries.c.feed_id == self.feeds[name].id)
            ).scalars()
            found = [self.store.get_article(article_id) for article_id in ids]
        return [article for article in found if article is not None]


class ResidentGrowth:
    """The largest growth of this process's resident memory while the block runs, sampled by a thread.

    tracemalloc would be exact but makes the run four times slower; the lifetime
    peak (``ru_maxrss``) says nothing once an earlier test used more.
    """

    def __init__(self, every: float = 0.02) -> None:
        self.every = every
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._base = resident_bytes()

    def __enter__(self) -> ResidentGrowth:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, resident_bytes() - self._base)

    def _sample(self) -> None:
        while not self._stop.wait(self.every):
            self.peak = max(self.peak, resident_bytes() - self._base)


def resident_bytes() -> int:
    pages = Path("/proc/self/statm").read_text().split()[1]
    return int(pages) * os.sysconf("SC_PAGE_SIZE")


def run_poll(store: Store, site: Site, feed_ids: list[int]) -> RunSummary:
    async def go() -> RunSummary:
        fetcher = Fetcher(allow=[site.base.removeprefix("http://")], deadline=DEADLINE)
        runner = Runner(store, fetcher, concurrency=8)
        try:
            return await runner.poll(feed_ids)
        finally:
            await runner.aclose()

    return asyncio.run(go())


@pytest.fixture(scope="module")
def polled(site: Site, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Polled]:
    store = Store(f"sqlite:///{tmp_path_factory.mktemp('pipeline') / 'gazette.db'}")
    store.migrate()
    feeds = {
        name: store.add_feed(Feed(url=site.base + URL_PATHS.get(name, f"/{name}.xml")))[0]
        for name in GOOD + BAD
    }
    ids = [feed.id for feed in feeds.values() if feed.id is not None]
    started = datetime.now(UTC)
    with ResidentGrowth() as growth:
        first = run_poll(store, site, ids)
    finished = datetime.now(UTC)
    with site.lock:
        seen = len(site.requests)
    second = run_poll(store, site, [feeds["good"].id or 0])
    with site.lock:
        second_requests = site.requests[seen:]
    yield Polled(store, feeds, first, second, started, finished, growth.peak, second_requests)
    store.close()


def test_every_good_feed_is_ingested_in_the_same_run(polled: Polled) -> None:
    for name in GOOD:
        feed = polled.feed(name)
        assert (feed.status, feed.error) == (FeedStatus.OK, None), name
        assert feed.next_poll is not None and feed.next_poll > polled.started, name
    counts = {name: len(polled.articles_of(name)) for name in GOOD}
    assert counts == {
        "good": 5,
        "big": BIG_ENTRIES,
        "summary": 2,
        "dates": 2,
        "empty": 0,
        "charset": 1,
        "malformed": 2,
    }
    assert polled.first.failed == len(BAD)


def test_ten_thousand_entries_are_stored_with_bounded_memory(polled: Polled) -> None:
    with polled.store.engine.connect() as conn:
        stored = conn.execute(
            select(func.count()).select_from(articles).where(articles.c.feed_id == polled.feeds["big"].id)
        ).scalar_one()
    assert stored == BIG_ENTRIES
    # The 10,000-entry body is ~6 MB; fetching, parsing, cleaning and storing it (in
    # batches) while 17 other feeds are polled must stay within a few dozen copies of it.
    assert polled.peak_bytes < 200 * 2**20, f"resident memory grew by {polled.peak_bytes / 2**20:.0f} MiB"


@pytest.mark.parametrize(
    ("name", "status", "reason"),
    [
        (
            "page",
            FeedStatus.FAILED,
            "this is a web page, not a feed; feeds it links to: BASE/feeds/harbour.xml",
        ),
        ("missing", FeedStatus.FAILED, "the server answered 404 Not Found"),
        ("gone", FeedStatus.GONE, "the server answered 410 Gone"),
        ("throttled", FeedStatus.FAILED, "the server answered 429 Too Many Requests (retry after"),
        ("unavailable", FeedStatus.FAILED, "the server answered 503 Service Unavailable"),
        ("loop", FeedStatus.FAILED, "redirect loop"),
        ("alias", FeedStatus.FAILED, "refused to fetch from 127.0.0.2:"),
        ("slow", FeedStatus.FAILED, f"no complete answer within {DEADLINE:g} s"),
        ("bomb", FeedStatus.FAILED, "the response is larger than 15 MiB"),
        ("billion-laughs", FeedStatus.FAILED, "refused: the feed declares nested XML entities"),
        ("xxe", FeedStatus.FAILED, "refused: the feed declares an external XML entity"),
    ],
)
def test_each_bad_feed_fails_with_a_readable_reason(
    polled: Polled, site: Site, name: str, status: FeedStatus, reason: str
) -> None:
    feed = polled.feed(name)
    assert feed.status == status
    assert feed.error is not None and reason.replace("BASE", site.base) in feed.error
    assert feed.error_count == 1
    assert polled.articles_of(name) == []
    if status == FeedStatus.GONE:
        assert feed.next_poll is None
    else:
        assert feed.next_poll is not None and feed.next_poll > polled.finished


def test_retry_after_sets_the_next_poll(polled: Polled) -> None:
    feed = polled.feed("throttled")
    assert feed.next_poll is not None
    assert feed.next_poll >= polled.started + timedelta(seconds=7200)


def test_the_refused_alias_was_never_requested(site: Site, polled: Polled) -> None:
    paths = [path for path, _ in site.requests]
    assert "/alias.xml" in paths
    assert paths.count("/good.xml") == 2  # first poll and the conditional one: never via 127.0.0.2


def test_second_poll_is_conditional_and_gets_304(polled: Polled) -> None:
    good = next(report for report in polled.second.reports if report.feed_id == polled.feeds["good"].id)
    assert (good.outcome, good.new) == ("not_modified", 0)
    conditional_requests = [(path, etag) for path, etag in polled.second_requests if path == "/good.xml"]
    assert conditional_requests == [("/good.xml", ETAG)]
    assert polled.feed("good").etag == ETAG
    assert len(polled.articles_of("good")) == 5


def test_summary_only_entries_get_their_pages_fetched_and_extracted(polled: Polled) -> None:
    assert polled.first.pages == 2
    found = {article.title: article for article in polled.articles_of("summary")}
    dredging = found["Harbour dredging runs late"]
    assert dredging.extracted and not dredging.needs_page
    assert "only suitable dredger in the region" in dredging.text
    assert "Copyright" not in dredging.text


def test_missing_dates_fall_back_to_first_seen_and_future_dates_are_clamped(polled: Polled) -> None:
    found = {article.title: article for article in polled.articles_of("dates")}
    for title in ("No date at all", "From the far future"):
        published = found[title].published
        assert published is not None
        aware = published if published.tzinfo else published.replace(tzinfo=UTC)
        assert polled.started <= aware <= polled.finished, title


def test_malformed_and_mislabelled_feeds_are_recovered(polled: Polled) -> None:
    assert {a.title for a in polled.articles_of("malformed")} == {
        "Unescaped ampersand & an unclosed tag",
        "Second survives",
    }
    assert polled.feed("charset").title == "Caf\u00e9 Society"
    assert polled.articles_of("charset")[0].title == "Cr\u00e8me br\u00fbl\u00e9e for \u20ac 3"


def test_request_counts(site: Site, polled: Polled) -> None:
    counts = Counter(path for path, _ in site.requests)
    assert counts["/big.xml"] == 1
    assert counts["/pages/dredging.html"] == counts["/pages/buses.html"] == 1
    assert counts["/missing.xml"] == 1


# --- a polling round's bookkeeping, without a server -----------------------------------------


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    fresh = Store(f"sqlite:///{tmp_path / 'round.db'}")
    fresh.migrate()
    yield fresh
    fresh.close()


def fetched(feed: Feed, body: bytes) -> FetchResult:
    return FetchResult(url=feed.url, status=200, headers={}, content=body, etag='"e1"')


def test_unchanged_entries_are_skipped_and_changed_ones_updated(store: Store) -> None:
    feed = store.add_feed(Feed(url="https://news.example/feed.xml"))[0]
    base = "https://news.example"
    first = rss("".join(full_item(base, number, "round") for number in range(3)))
    now = datetime(2026, 11, 21, tzinfo=UTC)
    report, _ = ingest_feed_body(store, feed, fetched(feed, first), now)
    assert (report.outcome, report.new) == ("new", 3)
    assert feed.last_fetched == now

    again, _ = ingest_feed_body(store, feed, fetched(feed, first), now)
    assert (again.outcome, again.new, again.updated) == ("not_modified", 0, 0)

    changed = first.replace(b"Entry 1.", b"Entry 1, corrected.")
    updated, _ = ingest_feed_body(store, feed, fetched(feed, changed), now)
    assert (updated.outcome, updated.new, updated.updated) == ("updated", 0, 1)
    texts = [article.text for article in store.recent_articles(limit=10)]
    assert sum("Entry 1, corrected." in text for text in texts) == 1
    assert sum("Entry 0." in text for text in texts) == 1


def test_a_round_reads_feeds_in_bulk_and_writes_only_what_polling_owns(store: Store) -> None:
    named = store.add_feed(Feed(url="https://a.example/feed.xml", title="Mine", category="Local"))[0]
    unnamed = store.add_feed(Feed(url="https://b.example/feed.xml"))[0]
    assert named.id is not None and unnamed.id is not None
    poll_round = PollRound(store, batch_size=10)
    loaded = poll_round.load([unnamed.id, 999, named.id, unnamed.id])
    assert [feed.id for feed in loaded] == [unnamed.id, named.id]
    now = datetime(2026, 11, 21, tzinfo=UTC)
    for feed in loaded:
        feed.title, feed.category = "From the feed", "Elsewhere"
        feed.etag, feed.status, feed.last_fetched = '"e2"', FeedStatus.OK, now
        assert not poll_round.save(feed, FeedStatus.NEW)
    poll_round.flush()
    after = {feed.id: feed for feed in store.list_feeds()}
    assert (after[named.id].title, after[named.id].category) == ("Mine", "Local")
    assert (after[unnamed.id].title, after[unnamed.id].category) == ("From the feed", None)
    for feed_id in (named.id, unnamed.id):
        assert (after[feed_id].etag, after[feed_id].status, after[feed_id].last_fetched) == (
            '"e2"',
            FeedStatus.OK,
            now,
        )


def test_a_feed_paused_during_the_round_stays_paused(store: Store) -> None:
    feed = store.add_feed(Feed(url="https://c.example/feed.xml"))[0]
    assert feed.id is not None
    poll_round = PollRound(store, batch_size=2)
    [polled] = poll_round.load([feed.id])
    paused = store.get_feed(feed.id)
    assert paused is not None
    paused.status, paused.paused_by = FeedStatus.PAUSED, PausedBy.USER
    store.save_feed(paused)
    polled.status, polled.etag = FeedStatus.OK, '"e3"'
    poll_round.save(polled, FeedStatus.NEW)
    poll_round.flush()
    stored = store.get_feed(feed.id)
    assert stored is not None
    assert (stored.status, stored.paused_by, stored.etag) == (FeedStatus.PAUSED, PausedBy.USER, None)


def test_a_full_batch_asks_to_be_written(store: Store) -> None:
    feeds = [store.add_feed(Feed(url=f"https://d.example/{number}.xml"))[0] for number in range(3)]
    poll_round = PollRound(store, batch_size=2)
    assert [poll_round.save(feed, FeedStatus.NEW) for feed in feeds] == [False, True, True]


# --- article text ----------------------------------------------------------------------------

TEXT_CASES = [
    "<p>One &amp; two</p><p>Three&nbsp;four</p>",
    'Loose <em>inline</em> text<p>a block</p>tail <a href="https://x.example/?a=1&amp;b=2">link</a>',
    "<ul><li>first</li><li>second <b>bold</b></li></ul><br>after<hr>end",
    "<table><tr><td>cell 1</td><td>cell 2</td></tr></table><blockquote><p>quoted</p></blockquote>",
    '<p title="a > b">attribute with a bracket</p><pre>  spaced\n\n  out  </pre>',
    "<div><div><p>deep</p>inner tail</div>outer tail</div>",
    "&lt;not a tag&gt; &#169; &copy &notin; &amp;amp;",
]


@pytest.mark.parametrize("html", TEXT_CASES)
def test_sanitized_html_is_read_without_a_parser_exactly_as_with_one(html: str) -> None:
    clean = sanitize_html(html, base_url="https://x.example/")
    regular = text_module._regular_paragraphs(clean)
    assert regular is not None
    assert regular == text_module._parsed_paragraphs(clean)
    assert html_to_paragraphs(clean) == regular


@pytest.mark.parametrize(
    "html",
    ["<script>x < y</script><p>a</p>", "<p>a</p><!-- c -->", "<p>a\x00b</p>", "<P>upper</P>", "a < b"],
)
def test_html_outside_the_sanitized_form_goes_to_the_parser(html: str) -> None:
    assert text_module._regular_paragraphs(html) is None
    assert html_to_paragraphs(html) == text_module._parsed_paragraphs(html)


def test_feedparser_sanitize_corpus_reads_the_same_without_a_parser(shared_data: Path) -> None:
    compared = 0
    for path in sorted(
        (shared_data / "feeds" / "feedparser-tests" / "wellformed" / "sanitize").glob("*.xml")
    ):
        clean = sanitize_html(path.read_text(errors="replace"), base_url="https://x.example/")
        regular = text_module._regular_paragraphs(clean)
        if regular is not None:
            assert regular == text_module._parsed_paragraphs(clean), path.name
            compared += 1
    assert compared > 500


def test_a_scheduler_round_polls_enriches_places_and_purges(site: Site, tmp_path: Path) -> None:
    """What `gazette serve` runs every tick: due feeds, then enrichment, stories and retention."""
    store = Store(f"sqlite:///{tmp_path / 'round.db'}")
    store.migrate()
    store.add_feed(Feed(url=site.base + "/good.xml"))
    reader = store.add_user(User(username="reader", password_hash="x"))
    long_ago = datetime.now(UTC) - timedelta(days=2)
    store.add_session("expired", reader.id or 0, expires=long_ago)
    store.add_session("current", reader.id or 0, expires=datetime.now(UTC) + timedelta(days=1))
    store.record_event("login", "reader", when=long_ago)
    store.record_event("login", "reader")

    def one_round(retention_days: int) -> RunSummary:
        async def go() -> RunSummary:
            fetcher = Fetcher(allow=[site.base.removeprefix("http://")], deadline=DEADLINE)
            runner = Runner(store, fetcher, concurrency=2, retention_days=retention_days)
            try:
                return await runner.run_round()
            finally:
                await runner.aclose()

        return asyncio.run(go())

    assert one_round(retention_days=3650).new == 5
    articles = store.recent_articles(limit=10)
    assert len(articles) == 5
    assert all(store.enrichment(a.id or 0) is not None for a in articles)
    assert all(a.story_id is not None for a in articles)
    assert store.session_user("expired") is None
    assert store.session_user("current") is not None
    assert store.count_events("login", "reader", since=long_ago - timedelta(days=1)) == 1
    # the feed is not due again; the entries (published 2026-11-20) are past a one-day retention
    assert one_round(retention_days=1).new == 0
    assert store.stats().articles == 0
    store.close()


# --- writing and parsing beside the event loop ---------------------------------------------------


def test_a_feed_deleted_during_the_round_fails_alone(store: Store) -> None:
    """The group commit fails on the deleted feed's rows; the others are written one by one."""
    base = "https://news.example"
    feeds = [store.add_feed(Feed(url=f"{base}/{name}.xml"))[0] for name in ("a", "b", "c")]
    now = datetime(2026, 11, 21, tzinfo=UTC)
    bodies = []
    for feed in feeds:
        body = rss("".join(full_item(base, number, f"{feed.id}-") for number in range(3)))
        result = fetched(feed, body)
        prepared = prepare_entries(feed, body, feed.url, "application/rss+xml", now, {})
        bodies.append(PreparedFeed(feed, result, prepared, now))
    with store.engine.begin() as conn:
        conn.execute(delete(feeds_table).where(feeds_table.c.id == feeds[1].id))

    async def write_all() -> list[tuple[PollReport, tuple[int, ...]]]:
        fetcher = Fetcher()
        writer = FeedWriter(Context(store=store, fetcher=fetcher))
        try:
            return await asyncio.gather(*(writer.write(body) for body in bodies))
        finally:
            await fetcher.aclose()

    outcomes = [report.outcome for report, _ in asyncio.run(write_all())]
    assert outcomes == ["new", "failed", "new"]
    assert store.stats().articles == 6


def test_a_dead_parse_process_is_replaced_and_nothing_is_lost(site: Site, tmp_path: Path) -> None:
    names = ("good", "dates", "charset")
    first = Store(f"sqlite:///{tmp_path / 'first.db'}")
    first.migrate()
    summary = run_poll(
        first, site, [first.add_feed(Feed(url=f"{site.base}/{n}.xml"))[0].id or 0 for n in names]
    )
    assert summary.failed == 0 and summary.new > 0
    pool = parse_process()
    assert pool is not None
    workers = multiprocessing.active_children()
    assert workers
    for worker in workers:
        os.kill(worker.pid or 0, signal.SIGKILL)
        worker.join()

    second = Store(f"sqlite:///{tmp_path / 'second.db'}")
    second.migrate()
    again = run_poll(
        second, site, [second.add_feed(Feed(url=f"{site.base}/{n}.xml"))[0].id or 0 for n in names]
    )
    assert (again.failed, again.new) == (0, summary.new)
    assert parse_process() is not pool
    third = Store(f"sqlite:///{tmp_path / 'third.db'}")
    third.migrate()
    once_more = run_poll(
        third, site, [third.add_feed(Feed(url=f"{site.base}/{n}.xml"))[0].id or 0 for n in names]
    )
    assert (once_more.failed, once_more.new) == (0, summary.new)
    assert multiprocessing.active_children()
