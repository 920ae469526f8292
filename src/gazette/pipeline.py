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
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
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

    ``worker`` runs the CPU-heavy steps (parse, clean, extract, store) off the
    event loop. Give it one thread: SQLite in WAL mode refuses (rather than
    waits for) a transaction that read before another thread's write, so store
    writers must not overlap. ``None`` runs those steps inline.
    """

    store: Store
    fetcher: Fetcher
    enqueue_page: Callable[[int], None] = field(default=lambda _article_id: None)
    worker: Executor | None = None


async def _off_loop(ctx: Context, job: Callable[..., T], *args: Any) -> T:
    if ctx.worker is None:
        return job(*args)
    return await asyncio.get_running_loop().run_in_executor(ctx.worker, job, *args)


@dataclass(slots=True)
class PollReport:
    feed_id: int
    outcome: str
    """One of: new, updated, not_modified, failed."""
    new: int = 0
    updated: int = 0
    error: str | None = None


async def poll_feed(ctx: Context, feed_id: int, now: datetime | None = None) -> PollReport:
    """Fetch one feed (conditional GET), store its entries, schedule the next poll. Never raises for
    a bad feed: the reason is recorded on the feed and returned.

    Parsing, cleaning and storing a new body run on ``ctx.worker``: a 10,000-entry
    feed takes seconds of CPU, and on the event loop it would stall every other
    fetch past its deadline.
    """
    now = now or datetime.now(UTC)
    feed = ctx.store.get_feed(feed_id)
    if feed is None:
        return PollReport(feed_id, "failed", error="no such feed")
    try:
        result = await ctx.fetcher.get(
            feed.url, etag=feed.etag, last_modified=feed.last_modified, accept=FEED_ACCEPT
        )
    except FetchError as exc:
        _record_failure(ctx.store, feed, exc, now)
        return PollReport(feed_id, "failed", error=str(exc))
    if result.not_modified:
        _record_success(ctx.store, feed, result, now, entry_times=None)
        return PollReport(feed_id, "not_modified")
    report, page_ids = await _off_loop(ctx, ingest_feed_body, ctx.store, feed, result, now)
    for article_id in page_ids:
        ctx.enqueue_page(article_id)
    return report


def ingest_feed_body(
    store: Store, feed: Feed, result: FetchResult, now: datetime
) -> tuple[PollReport, tuple[int, ...]]:
    """Parse a fetched feed body and store its entries; the report and the ids whose pages to fetch."""
    assert feed.id is not None
    try:
        parsed = _parse_or_discover(result, feed)
    except FeedParseError as exc:
        _record_failure(store, feed, exc, now)
        return PollReport(feed.id, "failed", error=str(exc)), ()
    source = store.source_for(_source_of(parsed, feed))
    articles = [
        (entry.key, _article_from_entry(entry, parsed, feed, source, now)) for entry in parsed.entries
    ]
    saved = store.save_entries(feed.id, articles)
    feed.title = feed.title or parsed.title
    feed.site_url = parsed.site_url or feed.site_url
    feed.source_id = source.id
    entry_times = [article.published for _, article in articles if article.published is not None]
    _record_success(store, feed, result, now, entry_times=entry_times)
    outcome = "new" if saved.new else "updated" if saved.updated else "not_modified"
    return PollReport(feed.id, outcome, new=saved.new, updated=saved.updated), saved.page_ids


def _parse_or_discover(result: FetchResult, feed: Feed) -> ParsedFeed:
    try:
        return parse_feed(result.content, url=result.url, content_type=result.content_type)
    except FeedParseError:
        found = discover_feeds(result.content, result.url)
        if found:
            hint = ", ".join(candidate.url for candidate in found[:3])
            raise FeedParseError(f"this is a web page, not a feed; feeds it links to: {hint}") from None
        raise


def _source_of(parsed: ParsedFeed, feed: Feed) -> Source:
    site = parsed.site_url or feed.site_url or feed.url
    key = source_key(site)
    name = parsed.title or feed.title or (urlsplit(site).hostname or site)
    return Source(key=key, name=name, site_url=site, favicon_url=urljoin(site, "/favicon.ico"))


def _article_from_entry(
    entry: ParsedEntry, parsed: ParsedFeed, feed: Feed, source: Source, now: datetime
) -> Article:
    link = entry.canonical_url or entry.link
    canonical = entry.canonical_url or _synthetic_url(feed, entry.key)
    content = entry.content_html if entry.has_full_content and entry.content_html else entry.summary
    html = sanitize_html(content or "", base_url=entry.link or parsed.site_url or feed.url)
    published = clamp_date(entry.published, now) if entry.published else now
    fetchable = bool(link) and urlsplit(link or "").scheme in {"http", "https"}
    return Article(
        url=entry.link or canonical,
        canonical_url=canonical,
        title=entry.title or _untitled(html),
        source_id=source.id,
        feed_id=feed.id,
        guid=entry.guid,
        author=plain_text(entry.author) if entry.author else None,
        published=published,
        updated=clamp_date(entry.updated, now) if entry.updated else None,
        fetched=now,
        summary=plain_text(entry.summary)[:1000] if entry.summary else None,
        text=html_to_text(html),
        html=html,
        image=entry.image,
        content_hash=_content_hash(entry),
        partial=not entry.has_full_content,
        needs_page=not entry.has_full_content and fetchable,
    )


def _synthetic_url(feed: Feed, key: str) -> str:
    digest = hashlib.sha1(f"{feed.url}\n{key}".encode(), usedforsecurity=False).hexdigest()
    return f"urn:gazette:entry:{digest}"


def _untitled(html: str) -> str:
    text = html_to_text(html)
    return (text[:80] + "…") if len(text) > 80 else (text or "(untitled)")


def _content_hash(entry: ParsedEntry) -> str:
    material = "\n".join((entry.title, entry.summary or "", entry.content_html or ""))
    return hashlib.sha256(material.encode("utf-8", "replace")).hexdigest()


def _record_success(
    store: Store, feed: Feed, result: FetchResult, now: datetime, entry_times: list[datetime] | None
) -> None:
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
    store.save_feed(feed)


def _record_failure(store: Store, feed: Feed, exc: Exception, now: datetime) -> None:
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
    store.save_feed(feed)


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
    they converge. Its state is kept in the store after every batch.
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
        duplicate_of = int(assignment.duplicate_of) if assignment.duplicate_of else None
        store.assign_story(int(item.id), story_id, duplicate_of)
        touched.add(assignment.story_id)
    for item in features:
        related = [(int(r.id), r.score) for r in index.related(item, k=RELATED_PER_ARTICLE)]
        store.save_related(int(item.id), related)
    for key in touched:
        _describe_story(store, index, key)
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
    store.update_story(story_id, title=digest.title, summary=" ".join(digest.summary))
