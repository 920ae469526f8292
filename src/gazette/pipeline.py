"""The whole way of one article, in one place.

    poll_feed(feed_id)        fetch the feed politely, parse it, store its entries
      └─ fetch_page(id)       for summary-only entries: fetch the article page (a job of its own)
           └─ process_article(id)   extract clean text and metadata from the page
    enrich_articles(ids)      sentences, entities, quotes, numbers, keywords, summary, embedding
    assign_stories(ids)       near-duplicates, story clusters, related articles

Each step is a job: a function over serializable ids plus a :class:`Context`
that holds the process's store and fetcher. The embedded runner
(``gazette/runner.py``) calls them in-process; a worker pool can call the same
functions with the same arguments.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import BrokenExecutor, Executor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urljoin, urlsplit

from gazette.extract.article import extract_article
from gazette.extract.sanitize import plain_text, sanitize_html
from gazette.extract.text import html_to_text
from gazette.ingest.discover import discover_feeds
from gazette.ingest.feeds import FeedParseError, ParsedEntry, ParsedFeed, clamp_date, parse_feed
from gazette.ingest.fetch import Fetcher, FetchError, FetchResult, HTTPStatusError, decoded_text
from gazette.ingest.schedule import (
    adaptive_interval,
    backoff_delay,
    next_poll_after_success,
    should_pause,
)
from gazette.ingest.urls import source_key
from gazette.models import Article, Feed, FeedStatus, PausedBy, Quote, QuoteKind, Source
from gazette.store import EntityMention, Store

if TYPE_CHECKING:
    from gazette.enrich.pipeline import Enrichment
    from gazette.stories.features import ArticleFeatures
    from gazette.stories.index import StoryIndex

log = logging.getLogger(__name__)
T = TypeVar("T")

FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, "
    "text/xml;q=0.9, application/json;q=0.8, */*;q=0.5"
)


@dataclass(slots=True)
class Context:
    """What a job needs from its process: the store, the fetcher, and where to queue follow-up jobs.

    ``worker`` runs the steps that touch the store (and extraction) off the
    event loop. Give it one thread: SQLite in WAL mode refuses (rather than
    waits for) a transaction that read before another thread's write, so store
    writers must not overlap. ``preparer`` parses and cleans fetched feed bodies
    (:func:`prepare_entries`, a pure function of picklable arguments), so it may
    be a process pool: feeds are parsed on another core while the last one is
    stored. ``None`` runs a step inline (``preparer`` falls back to ``worker``). ``poll_round`` batches
    the feed rows of a polling round (see :class:`PollRound`) and ``writer``
    its articles (see :class:`FeedWriter`); without them, each poll writes at once.
    """

    store: Store
    fetcher: Fetcher
    enqueue_page: Callable[[int], None] = field(default=lambda _article_id: None)
    worker: Executor | None = None
    preparer: Executor | None = None
    poll_round: PollRound | None = None
    writer: FeedWriter | None = None


async def _off_loop(ctx: Context, job: Callable[..., T], *args: Any) -> T:
    return await _on(ctx.worker, job, *args)


async def _on(executor: Executor | None, job: Callable[..., T], *args: Any) -> T:
    if executor is None:
        return job(*args)
    return await asyncio.get_running_loop().run_in_executor(executor, job, *args)


@dataclass(slots=True)
class PollReport:
    feed_id: int
    outcome: str
    """One of: new, updated, not_modified, failed."""
    new: int = 0
    updated: int = 0
    error: str | None = None


class PollRound:
    """What the feeds polled together share: their rows, read and written in bulk, and source ids.

    Per feed, building SQLAlchemy statements costs more than the fetch itself
    (~1 ms to read a feed row, ~2 ms to write one). A round reads all its feeds
    in one query per ``BATCH`` ids and writes what polling changed with one
    executemany per ``batch_size`` feeds. A write touches only the columns
    polling owns (the title only when it was empty), and only while the feed's
    status is still the one it was read with: a feed paused or resumed by
    someone else during the round keeps their change, and is polled again
    later. Writes must run on the store's writer thread (``Context.worker``):
    :func:`poll_feed` and :func:`ingest_feed_body` take care of that.
    """

    def __init__(self, store: Store, batch_size: int = 64) -> None:
        self.store = store
        self.batch_size = batch_size
        self._pending: list[tuple[Feed, FeedStatus]] = []
        self._lock = threading.Lock()
        self._source_ids: dict[str, int] = {}

    def load(self, feed_ids: Iterable[int]) -> list[Feed]:
        """The stored feeds among ``feed_ids``, in that order (unknown ids are left out)."""
        return self.store.get_feeds(list(feed_ids))

    def source_for(self, source: Source) -> Source:
        """``store.source_for``, asked once per source key and round."""
        known = self._source_ids.get(source.key)
        if known is not None:
            return replace(source, id=known)
        stored = self.store.source_for(source)
        if stored.id is not None:
            self._source_ids[source.key] = stored.id
        return stored

    def save(self, feed: Feed, status_before: FeedStatus) -> bool:
        """Queue the feed's polling columns for writing; True when a batch is ready to :meth:`flush`."""
        with self._lock:
            self._pending.append((replace(feed), status_before))
            return len(self._pending) >= self.batch_size

    def flush(self) -> None:
        """Write every queued feed row in one transaction."""
        with self._lock:
            pending, self._pending = self._pending, []
        self.store.save_polled_feeds(pending)


async def poll_feed(
    ctx: Context, feed_id: int, now: datetime | None = None, *, feed: Feed | None = None
) -> PollReport:
    """Fetch one feed (conditional GET), store its entries, schedule the next poll. Never raises for
    a bad feed: the reason is recorded on the feed and returned.

    ``feed`` is the feed's row when the caller has already read it (a
    :class:`PollRound` reads a round's feeds in bulk). Parsing, cleaning and
    storing a new body run on ``ctx.worker``: a 10,000-entry feed takes seconds
    of CPU, and on the event loop it would stall every other fetch past its deadline.
    """
    now = now or datetime.now(UTC)
    feed = feed or ctx.store.get_feed(feed_id)
    if feed is None:
        return PollReport(feed_id, "failed", error="no such feed")
    status_before = feed.status
    try:
        result = await ctx.fetcher.get(
            feed.url, etag=feed.etag, last_modified=feed.last_modified, accept=FEED_ACCEPT
        )
    except FetchError as exc:
        _note_failure(feed, exc, now)
        await _save_feed(ctx, feed, status_before)
        return PollReport(feed_id, "failed", error=str(exc))
    if result.not_modified:
        _note_success(feed, result, now, entry_times=None)
        await _save_feed(ctx, feed, status_before)
        return PollReport(feed_id, "not_modified")
    known = await _off_loop(ctx, known_entry_hashes, ctx.store, feed) if feed.last_fetched else {}
    prepared = await _prepared_on_worker(ctx, feed, result, now, known)
    if ctx.writer is not None:
        report, page_ids = await ctx.writer.write(PreparedFeed(feed, result, prepared, now))
    else:
        report, page_ids = await _off_loop(
            ctx, partial(store_feed_body, ctx.store, feed, result, prepared, now, poll_round=ctx.poll_round)
        )
    for article_id in page_ids:
        ctx.enqueue_page(article_id)
    return report


async def _save_feed(ctx: Context, feed: Feed, status_before: FeedStatus) -> None:
    """Write the feed row now, or queue it in the round (writing the batch, off the loop, when full)."""
    if ctx.poll_round is None:
        ctx.store.save_feed(feed)
    elif ctx.poll_round.save(feed, status_before):
        await _off_loop(ctx, ctx.poll_round.flush)


Outcome = tuple[PollReport, tuple[int, ...]]
"""A written feed's poll report and the ids of its articles whose pages to fetch."""


async def _prepared_on_worker(
    ctx: Context, feed: Feed, result: FetchResult, now: datetime, known: dict[str, str]
) -> PreparedEntries:
    """:func:`prepare_entries` on ``ctx.preparer``; on the writer thread if that process died."""
    args = (feed, result.content, result.url, result.content_type, now, known)
    try:
        return await _on(ctx.preparer or ctx.worker, prepare_entries, *args)
    except BrokenExecutor:
        if ctx.preparer is not None:
            log.warning("the feed parsing process stopped; feeds are parsed on a thread until the next round")
            ctx.preparer = None
        return await _off_loop(ctx, prepare_entries, *args)


@dataclass(slots=True)
class PreparedEntries:
    """A fetched feed body parsed and its changed entries cleaned: everything but the writes.

    ``error`` is set instead when the body is not a feed. Articles carry no
    source id yet: the source row is written with them (:func:`store_feed_body`).
    Everything here crosses a process boundary, so the parsed entries themselves
    (with their content) are not kept, only what the writes need.
    """

    title: str | None = None
    site_url: str | None = None
    entry_times: list[datetime] = field(default_factory=list)
    source: Source | None = None
    articles: list[tuple[str, Article]] = field(default_factory=list)
    error: FeedParseError | None = None


def ingest_feed_body(
    store: Store, feed: Feed, result: FetchResult, now: datetime, *, poll_round: PollRound | None = None
) -> Outcome:
    """Parse a fetched feed body and store its entries; the report and the ids whose pages to fetch."""
    known = known_entry_hashes(store, feed) if feed.last_fetched else {}
    prepared = prepare_entries(feed, result.content, result.url, result.content_type, now, known)
    return store_feed_body(store, feed, result, prepared, now, poll_round=poll_round)


KNOWN_ENTRIES = 2000
"""How many of a feed's newest stored entries are checked for changes before cleaning; an older
entry still in the feed is cleaned again and then found unchanged by the store."""


def known_entry_hashes(store: Store, feed: Feed) -> dict[str, str]:
    """The content hashes of the feed's newest stored entries, by entry key."""
    return store.recent_entry_hashes(feed.id or 0, KNOWN_ENTRIES)


def prepare_entries(
    feed: Feed, content: bytes, url: str, content_type: str | None, now: datetime, known: dict[str, str]
) -> PreparedEntries:
    """Parse a fetched feed body and clean the entries that are new or changed (not in ``known``).

    Entries stored unchanged (same content hash under the same entry key) are
    neither cleaned nor written again: on a busy feed that is almost all of them.
    """
    try:
        parsed = _parse_or_discover(content, url, content_type)
    except FeedParseError as exc:
        return PreparedEntries(error=exc)
    entries = _changed_entries(parsed.entries, known)
    return PreparedEntries(
        title=parsed.title,
        site_url=parsed.site_url,
        entry_times=[clamp_date(entry.published or now, now) for entry in parsed.entries],
        source=_source_of(parsed, feed),
        articles=[(entry.key, _article_from_entry(entry, parsed, feed, now)) for entry in entries],
    )


def store_feed_body(
    store: Store,
    feed: Feed,
    result: FetchResult,
    prepared: PreparedEntries,
    now: datetime,
    *,
    poll_round: PollRound | None = None,
) -> Outcome:
    """Write a prepared feed body: its source, its articles and the feed's polling state."""
    return store_feed_bodies(store, [PreparedFeed(feed, result, prepared, now)], poll_round=poll_round)[0]


@dataclass(slots=True)
class PreparedFeed:
    """A polled feed with its fetched and prepared body, ready to be written."""

    feed: Feed
    result: FetchResult
    prepared: PreparedEntries
    now: datetime


def store_feed_bodies(
    store: Store, bodies: Sequence[PreparedFeed], *, poll_round: PollRound | None = None
) -> list[Outcome]:
    """Write prepared feed bodies, their articles in one transaction; a report and page ids for each."""
    source_for = poll_round.source_for if poll_round else store.source_for
    readable = [body for body in bodies if body.prepared.source is not None]
    sources = {id(body): source_for(body.prepared.source) for body in readable if body.prepared.source}
    for body in readable:
        for _key, article in body.prepared.articles:
            article.source_id = sources[id(body)].id
    saved = dict(
        zip(
            (id(body) for body in readable),
            store.save_entries_of_feeds([(body.feed.id or 0, body.prepared.articles) for body in readable]),
            strict=True,
        )
    )
    outcomes: list[Outcome] = []
    for body in bodies:
        feed, prepared, now = body.feed, body.prepared, body.now
        assert feed.id is not None
        status_before = feed.status
        if id(body) not in saved:
            error = prepared.error or FeedParseError("the feed could not be read")
            _note_failure(feed, error, now)
            _write_feed(store, feed, status_before, poll_round)
            outcomes.append((PollReport(feed.id, "failed", error=str(error)), ()))
            continue
        result = saved[id(body)]
        feed.title = feed.title or prepared.title
        feed.site_url = prepared.site_url or feed.site_url
        feed.source_id = sources[id(body)].id
        _note_success(feed, body.result, now, entry_times=prepared.entry_times)
        _write_feed(store, feed, status_before, poll_round)
        outcome = "new" if result.new else "updated" if result.updated else "not_modified"
        outcomes.append(
            (PollReport(feed.id, outcome, new=result.new, updated=result.updated), result.page_ids)
        )
    return outcomes


class FeedWriter:
    """Writes prepared feed bodies on the writer thread in groups, one transaction per group.

    While one group is written the next gathers, so a busy round commits many
    feeds at once and a quiet one writes each feed at once. If a group fails,
    its feeds are written one by one, and a feed that fails alone (say, deleted
    during the round) is reported failed without stopping the others.
    """

    def __init__(self, ctx: Context, max_group: int = 32) -> None:
        self.ctx = ctx
        self.max_group = max_group
        self._waiting: list[tuple[PreparedFeed, asyncio.Future[Outcome]]] = []
        self._writing: asyncio.Task[None] | None = None

    async def write(self, body: PreparedFeed) -> Outcome:
        """Queue ``body`` and return its report and page ids once it is written."""
        written: asyncio.Future[Outcome] = asyncio.get_running_loop().create_future()
        self._waiting.append((body, written))
        if self._writing is None or self._writing.done():
            self._writing = asyncio.create_task(self._write_waiting())
        return await written

    async def _write_waiting(self) -> None:
        while self._waiting:
            group, self._waiting = self._waiting[: self.max_group], self._waiting[self.max_group :]
            try:
                outcomes = await self._stored([body for body, _ in group])
            except Exception:
                log.warning(
                    "writing %d feeds together failed; writing them one by one", len(group), exc_info=True
                )
                await self._write_one_by_one(group)
                continue
            for (_, written), outcome in zip(group, outcomes, strict=True):
                written.set_result(outcome)

    async def _write_one_by_one(self, group: list[tuple[PreparedFeed, asyncio.Future[Outcome]]]) -> None:
        for body, written in group:
            try:
                outcome = (await self._stored([body]))[0]
            except Exception as exc:
                log.exception("storing the entries of feed %s failed", body.feed.id)
                outcome = (
                    PollReport(body.feed.id or 0, "failed", error=f"could not store its entries: {exc}"),
                    (),
                )
            written.set_result(outcome)

    async def _stored(self, bodies: list[PreparedFeed]) -> list[Outcome]:
        return await _off_loop(
            self.ctx, partial(store_feed_bodies, self.ctx.store, bodies, poll_round=self.ctx.poll_round)
        )


def _write_feed(store: Store, feed: Feed, status_before: FeedStatus, poll_round: PollRound | None) -> None:
    if poll_round is None:
        store.save_feed(feed)
    elif poll_round.save(feed, status_before):
        poll_round.flush()


def _changed_entries(entries: Sequence[ParsedEntry], known: dict[str, str]) -> list[ParsedEntry]:
    """The entries to clean and store: new keys, or known keys whose content changed (first of each key)."""
    firsts: dict[str, ParsedEntry] = {}
    for entry in entries:
        firsts.setdefault(entry.key, entry)
    return [entry for entry in firsts.values() if known.get(entry.key) != _content_hash(entry)]


def _parse_or_discover(content: bytes, url: str, content_type: str | None) -> ParsedFeed:
    try:
        return parse_feed(content, url=url, content_type=content_type)
    except FeedParseError:
        found = discover_feeds(content, url)
        if found:
            hint = ", ".join(candidate.url for candidate in found[:3])
            raise FeedParseError(f"this is a web page, not a feed; feeds it links to: {hint}") from None
        raise


def _source_of(parsed: ParsedFeed, feed: Feed) -> Source:
    site = parsed.site_url or feed.site_url or feed.url
    key = source_key(site)
    name = parsed.title or feed.title or (urlsplit(site).hostname or site)
    return Source(key=key, name=name, site_url=site, favicon_url=urljoin(site, "/favicon.ico"))


def _article_from_entry(entry: ParsedEntry, parsed: ParsedFeed, feed: Feed, now: datetime) -> Article:
    link = entry.canonical_url or entry.link
    canonical = entry.canonical_url or _synthetic_url(feed, entry.key)
    content = entry.content_html if entry.has_full_content and entry.content_html else entry.summary
    html = sanitize_html(content or "", base_url=entry.link or parsed.site_url or feed.url)
    text = html_to_text(html)
    published = clamp_date(entry.published, now) if entry.published else now
    fetchable = bool(link) and urlsplit(link or "").scheme in {"http", "https"}
    return Article(
        url=entry.link or canonical,
        canonical_url=canonical,
        title=entry.title or _untitled(text),
        feed_id=feed.id,
        guid=entry.guid,
        author=_plain(entry.author) if entry.author else None,
        published=published,
        updated=clamp_date(entry.updated, now) if entry.updated else None,
        fetched=now,
        summary=_plain(entry.summary)[:1000] if entry.summary else None,
        text=text,
        html=html,
        image=entry.image,
        content_hash=_content_hash(entry),
        partial=not entry.has_full_content,
        needs_page=not entry.has_full_content and fetchable,
    )


def _plain(value: str) -> str:
    """``plain_text(value)``, without parsing a value that holds no markup (most authors and summaries).

    Without ``<``, ``&``, NUL or a leading BOM, the parse changes nothing but whitespace.
    """
    if "<" in value or "&" in value or "\x00" in value or value.startswith("\ufeff"):
        return plain_text(value)
    return " ".join(value.split())


def _synthetic_url(feed: Feed, key: str) -> str:
    digest = hashlib.sha1(f"{feed.url}\n{key}".encode(), usedforsecurity=False).hexdigest()
    return f"urn:gazette:entry:{digest}"


def _untitled(text: str) -> str:
    return (text[:80] + "…") if len(text) > 80 else (text or "(untitled)")


def _content_hash(entry: ParsedEntry) -> str:
    material = "\n".join((entry.title, entry.summary or "", entry.content_html or ""))
    return hashlib.sha256(material.encode("utf-8", "replace")).hexdigest()


def _note_success(feed: Feed, result: FetchResult, now: datetime, entry_times: list[datetime] | None) -> None:
    if entry_times:
        feed.interval_seconds = adaptive_interval(entry_times)
    feed.status = FeedStatus.OK
    feed.error = None
    feed.error_count = 0
    feed.failing_since = None
    feed.etag = result.etag or feed.etag
    feed.last_modified = result.last_modified or feed.last_modified
    feed.last_fetched = now
    feed.next_poll = next_poll_after_success(now, feed.interval_seconds, result.headers)


def _note_failure(feed: Feed, exc: Exception, now: datetime) -> None:
    feed.error = str(exc) or type(exc).__name__
    feed.error_count += 1
    feed.failing_since = feed.failing_since or now
    feed.last_fetched = now
    status = exc.status if isinstance(exc, HTTPStatusError) else None
    retry_after = exc.retry_after if isinstance(exc, HTTPStatusError) else None
    if status == 410:
        feed.status = FeedStatus.GONE
        feed.next_poll = None
    elif should_pause(feed.failing_since, now):
        feed.status = FeedStatus.PAUSED
        feed.paused_by = PausedBy.AUTO
        feed.next_poll = None
    else:
        feed.status = FeedStatus.FAILED
        delay = backoff_delay(feed.error_count, feed.interval_seconds, retry_after, now)
        feed.next_poll = now + timedelta(seconds=delay)


async def fetch_page(ctx: Context, article_id: int) -> bool:
    """Fetch an article's page, keep the raw HTML, and extract it. False when the page failed."""
    article = ctx.store.get_article(article_id)
    if article is None or not article.needs_page:
        return False
    try:
        result = await ctx.fetcher.get(article.url, accept="text/html,application/xhtml+xml;q=0.9,*/*;q=0.5")
    except FetchError as exc:
        log.info("page of article %s failed: %s", article_id, exc)
        ctx.store.give_up_page(article_id)
        return False
    ctx.store.save_page(article_id, decoded_text(result), result.url)
    await _off_loop(ctx, process_article, ctx.store, article_id)
    return True


def process_article(store: Store, article_id: int) -> None:
    """Extract clean text and metadata from the stored page into the article."""
    article = store.get_article(article_id)
    page = store.page_html(article_id)
    if article is None or page is None:
        return
    extracted = extract_article(page, article.url)
    if len(extracted.text) >= len(article.text):
        article.text = extracted.text
        article.html = sanitize_html(extracted.html, base_url=article.url)
        article.partial = extracted.partial
    article.title = article.title or extracted.title or article.title
    article.author = article.author or extracted.author
    article.published = article.published or extracted.published
    article.image = article.image or extracted.image
    article.language = extracted.language or article.language
    article.extracted = True
    store.save_article(article)


def enrich_articles(store: Store, article_ids: Sequence[int]) -> int:
    """Enrich articles in batches; one that fails is recorded and skipped. Returns how many succeeded."""
    from gazette.enrich.pipeline import ENRICHMENT_VERSION, enrich_many

    done = 0
    articles = [article for article in map(store.get_article, article_ids) if article is not None]
    items = [(article.title, article.text) for article in articles]
    try:
        results = list(enrich_many(items))
    except Exception:
        log.exception("batch enrichment failed; retrying one article at a time")
        results = []
    if len(results) != len(articles):
        return sum(_enrich_one(store, article) for article in articles)
    for article, enrichment in zip(articles, results, strict=True):
        assert article.id is not None
        _save_enrichment(store, article.id, enrichment, ENRICHMENT_VERSION)
        done += 1
    return done


def _enrich_one(store: Store, article: Article) -> bool:
    from gazette.enrich.pipeline import ENRICHMENT_VERSION, enrich

    assert article.id is not None
    try:
        enrichment = enrich(article.title, article.text)
    except Exception as exc:
        log.exception("enrichment of article %s failed", article.id)
        store.mark_enrichment_error(article.id, ENRICHMENT_VERSION, f"{type(exc).__name__}: {exc}")
        return False
    _save_enrichment(store, article.id, enrichment, ENRICHMENT_VERSION)
    return True


def _save_enrichment(store: Store, article_id: int, enrichment: Enrichment, version: int) -> None:
    from gazette.enrich.embed import to_bytes
    from gazette.enrich.entities import canonical_key

    data = enrichment.to_json(str(article_id))
    del data["id"]
    counts = Counter((mention.canonical, mention.type) for mention in enrichment.entities)
    mentions = [
        EntityMention(canonical_key(name, kind), name, kind, count) for (name, kind), count in counts.items()
    ]
    quotes = [
        Quote(
            article_id=article_id,
            text=quote.text,
            start=quote.start,
            end=quote.end,
            kind=QuoteKind(quote.kind),
            speaker=quote.speaker,
            speaker_span=quote.speaker_span,
            cue=quote.cue,
        )
        for quote in enrichment.quotes
    ]
    vector = to_bytes(enrichment.vector) if enrichment.vector is not None else None
    store.save_enrichment(article_id, version, data, vector, mentions, quotes)


RELATED_PER_ARTICLE = 6


def assign_stories(store: Store, article_ids: Sequence[int]) -> int:
    """Place enriched articles into stories, in publication order, and store related articles.

    The clustering is online: each article joins a story or starts one; stories merge when
    they converge. Stories that have gone quiet then leave the index (their rows stay), and
    its state is kept in the store after every batch.
    """
    from gazette.stories.index import StoryIndex

    snapshot = store.load_story_index()
    index = StoryIndex.restore(snapshot) if snapshot else StoryIndex()
    features = _story_features(store, article_ids)
    touched: set[str] = set()
    for item in features:
        assignment = index.assign(item)
        story_id = _story_row(store, index, assignment.story_id)
        for gone in assignment.merged:
            merged_id = store.story_ids_by_key([gone]).get(gone)
            if merged_id is not None and merged_id != story_id:
                store.merge_stories(story_id, merged_id)
        for new_key, moved in assignment.split.items():
            new_id = _story_row(store, index, new_key)
            for member in moved:
                copied = index.duplicate_of(member)
                store.assign_story(int(member), new_id, int(copied) if copied else None)
            touched.update({new_key, assignment.split_from or new_key})
        duplicate_of = int(assignment.duplicate_of) if assignment.duplicate_of else None
        store.assign_story(int(item.id), story_id, duplicate_of)
        touched.add(assignment.story_id)
    for item in features:
        related = [(int(r.id), r.score) for r in index.related(item, k=RELATED_PER_ARTICLE)]
        store.save_related(int(item.id), related)
    for key in touched:
        _describe_story(store, index, key)
    index.retire(datetime.now(UTC))
    store.save_story_index(index.snapshot())
    return len(features)


def _story_features(store: Store, article_ids: Sequence[int]) -> list[ArticleFeatures]:
    from gazette.enrich.embed import from_bytes
    from gazette.stories.features import features_for

    sources = {source.id: source.name for source in store.list_sources()}
    vectors = store.enrichment_vectors(article_ids)
    found = []
    for article_id in article_ids:
        article = store.get_article(article_id)
        if article is None or article_id not in vectors:
            continue
        names = [entity.name for entity in store.article_entities(article_id)]
        found.append(
            features_for(
                str(article_id),
                article.text,
                from_bytes(vectors[article_id]),
                title=article.title,
                published=article.published,
                source=sources.get(article.source_id),
                entities=names,
            )
        )
    epoch = datetime.min.replace(tzinfo=UTC)
    return sorted(found, key=lambda item: (item.published or epoch, int(item.id)))


def _story_row(store: Store, index: StoryIndex, key: str) -> int:
    known = store.story_ids_by_key([key]).get(key)
    if known is not None:
        return known
    return store.create_story(index.story(key).title, index_key=key)


def _describe_story(store: Store, index: StoryIndex, key: str) -> None:
    story_id = store.story_ids_by_key([key]).get(key)
    if story_id is None or key not in index.story_ids():
        return
    digest = index.story(key)
    differences = _differences(store, story_id) if len(digest.outlets) > 1 else []
    store.update_story(
        story_id, title=digest.title, summary=" ".join(digest.summary), differences=differences
    )


def _differences(store: Store, story_id: int) -> list[dict[str, object]]:
    """Where the outlets' accounts of the story disagree (numbers, quotes, attributions)."""
    from gazette.stories.differences import Account, find_differences

    sources = {source.id: source.name for source in store.list_sources()}
    accounts = []
    for article in store.story_articles(story_id):
        enrichment = store.enrichment(article.id or 0)
        if enrichment is None or article.duplicate_of is not None:
            continue
        source = sources.get(article.source_id) or "unknown"
        accounts.append(Account(article.id or 0, source, article.text, enrichment.data))
    return find_differences(accounts)
