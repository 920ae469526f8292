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
import os
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
from sqlalchemy import func, select

from gazette.ingest.fetch import Fetcher
from gazette.models import Article, Feed, FeedStatus
from gazette.runner import Runner, RunSummary
from gazette.store import Store
from gazette.store.schema import articles, feed_entries

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


GOOD = ("good", "big", "summary", "dates", "empty", "charset", "malformed", "billion-laughs", "xxe")
BAD = ("page", "missing", "gone", "throttled", "unavailable", "loop", "alias", "slow", "bomb")
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
        "billion-laughs": 1,
        "xxe": 1,
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


def test_hostile_documents_are_stored_inert(polled: Polled) -> None:
    laughs = polled.articles_of("billion-laughs")[0]
    assert "lollollol" not in laughs.title + laughs.text and len(laughs.text) < 10_000
    xxe = polled.articles_of("xxe")[0]
    assert "root:" not in " ".join((xxe.title, xxe.text, xxe.author or "", xxe.summary or ""))


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
