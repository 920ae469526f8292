"""Atom and RSS feeds of the front page, latest articles, a source, a story, an entity and a search.

Each route takes ``.atom`` or ``.rss`` as its extension, reuses the query of the
page it follows, and answers with an ETag (a hash of the body) and a
Last-Modified (the newest entry), so a reader polling with If-None-Match or
If-Modified-Since gets a 304 while nothing changed. Feeds are the same for
every visitor, so they are marked ``public``. Links are absolute, built from
``settings.base_url``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import Annotated, Literal, TypeVar

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import Response

from gazette.ingest.feeds import plain_text
from gazette.models import Article, Source
from gazette.store import Store
from gazette.store.views import ArticleBrief, ArticleFilter, StoryCard
from gazette.web.browse import SearchText, search_filter
from gazette.web.deps import DateFilter, LanguageFilter, SourceFilter, StoreDep, optional_id, sources_by_id
from gazette.web.feeds_out import EPOCH, FeedDocument, FeedEntry, Outlet, atom_feed, rss_feed, utc
from gazette.web.pages import memo
from gazette.web.render import query_string

router = APIRouter(tags=["feeds"])
FeedKind = Literal["atom", "rss"]
FEED_LIMIT = 50
FEED_MAX_AGE = 10
"""Seconds a reader or proxy may reuse a feed: the pages' micro-cache lifetime."""
LEAD_CHARS = 2000
"""How much of an article's text is read to find its lead paragraph."""
SUMMARY_CHARS = 500
MEDIA_TYPES: dict[str, str] = {
    "atom": "application/atom+xml; charset=utf-8",
    "rss": "application/rss+xml; charset=utf-8",
}
MAX_ID = 2**63


Endpoint = TypeVar("Endpoint", bound=Callable[..., Response])


def feed_route(path: str) -> Callable[[Endpoint], Endpoint]:
    """GET (in the OpenAPI schema) and HEAD (left out of it: one operation per route there)."""

    def register(endpoint: Endpoint) -> Endpoint:
        router.head(path, include_in_schema=False)(endpoint)
        return router.get(path)(endpoint)

    return register


@dataclass(slots=True)
class ArticleDetails:
    """What an entry needs beyond an :class:`ArticleBrief`: its update time and a summary."""

    updated: datetime | None
    summary: str


def base_url(request: Request) -> str:
    url: str = request.app.state.settings.base_url
    return url


def article_details(store: Store, article_ids: Sequence[int]) -> dict[int, ArticleDetails]:
    """Update times and summaries of the articles, in one query (not the whole text of each)."""
    return {
        article_id: ArticleDetails(
            digest.updated,
            entry_summary(digest.enrichment, digest.enrichment_error, digest.lead, digest.feed_summary),
        )
        for article_id, digest in store.article_digests(article_ids, LEAD_CHARS).items()
    }


def enrichment_summary(data: str | None, error: str | None) -> str:
    """The enrichment's summary sentences joined, or "" (none yet, failed, or malformed)."""
    if not data or error:
        return ""
    try:
        parsed = json.loads(data)
    except ValueError:
        return ""
    sentences = parsed.get("summary") if isinstance(parsed, dict) else None
    if not isinstance(sentences, list):
        return ""
    return " ".join(item.strip() for item in sentences if isinstance(item, str) and item.strip())


def lead_paragraph(text: str | None) -> str:
    """The first non-empty paragraph of the extracted text, cut at a word near SUMMARY_CHARS."""
    for block in (text or "").split("\n"):
        lead = " ".join(block.split())
        if lead:
            return shortened(lead)
    return ""


def shortened(text: str, limit: int = SUMMARY_CHARS) -> str:
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0] or text[:limit]
    return cut.rstrip(" ,;:") + "…"


def entry_summary(data: str | None, error: str | None, lead: str | None, feed_summary: str | None) -> str:
    """Plain text: the enrichment summary, else the extracted lead, else the feed's own summary."""
    return (
        enrichment_summary(data, error)
        or lead_paragraph(lead)
        or shortened(plain_text(feed_summary, limit=None))
    )


def outlet_for(base: str, source: Source | None) -> Outlet | None:
    if source is None or source.id is None:
        return None
    page = f"{base}/sources/{source.id}"
    return Outlet(name=source.name, page_url=page, feed_url=f"{page}/feed.rss", site_url=source.site_url)


def article_entry(
    base: str, brief: ArticleBrief, details: ArticleDetails | None, sources: dict[int, Source]
) -> FeedEntry:
    page = f"{base}/articles/{brief.id}"
    source = sources.get(brief.source_id) if brief.source_id is not None else None
    when = utc(brief.when or EPOCH)
    return FeedEntry(
        id=page,
        title=brief.title,
        link=page,
        updated=max(when, utc(details.updated)) if details and details.updated else when,
        published=brief.published,
        summary=details.summary if details else "",
        original=brief.url,
        author=brief.author,
        outlet=outlet_for(base, source),
    )


def article_entries(request: Request, store: Store, briefs: Sequence[ArticleBrief]) -> list[FeedEntry]:
    base = base_url(request)
    shown = list(briefs)[:FEED_LIMIT]
    details = article_details(store, [brief.id for brief in shown])
    sources = memo(request, "sources", lambda: sources_by_id(store))
    return [article_entry(base, brief, details.get(brief.id), sources) for brief in shown]


def story_entry(base: str, card: StoryCard, sources: dict[int, Source]) -> FeedEntry:
    story = card.story
    page = f"{base}/stories/{story.id}"
    outlets = [sources[source_id].name for source_id in card.outlets if source_id in sources]
    summary = story.summary.strip()
    if outlets:
        summary = f"{summary}\n\nCovered by {', '.join(outlets)}.".strip()
    when = story.updated or story.created or EPOCH
    return FeedEntry(
        id=page,
        title=story.title,
        link=page,
        updated=when,
        published=story.created,
        summary=summary,
        contributors=outlets,
    )


def brief_of(article: Article) -> ArticleBrief:
    assert article.id is not None
    return ArticleBrief(
        id=article.id,
        title=article.title,
        url=article.url,
        source_id=article.source_id,
        author=article.author,
        published=article.published,
        fetched=article.fetched,
        image=article.image,
        language=article.language,
        story_id=article.story_id,
        duplicate_of=article.duplicate_of,
    )


def entity_tag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def matches_etag(header: str, etag: str) -> bool:
    """If-None-Match against our tag, compared weakly (RFC 9110 13.1.2)."""
    tags = [tag.strip().removeprefix("W/") for tag in header.split(",")]
    return "*" in tags or etag in tags


def not_modified_since(header: str, last_modified: datetime) -> bool:
    try:
        since = parsedate_to_datetime(header)
    except (TypeError, ValueError, IndexError):
        return False
    if since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    return utc(last_modified).replace(microsecond=0) <= since


def is_not_modified(request: Request, etag: str, last_modified: datetime) -> bool:
    """If-None-Match decides when sent; If-Modified-Since only without it (RFC 9110 13.2.2)."""
    if_none_match = request.headers.get("if-none-match")
    if if_none_match is not None:
        return matches_etag(if_none_match, etag)
    if_modified_since = request.headers.get("if-modified-since")
    return if_modified_since is not None and not_modified_since(if_modified_since, last_modified)


def feed_response(request: Request, document: FeedDocument, kind: FeedKind) -> Response:
    body = atom_feed(document) if kind == "atom" else rss_feed(document)
    etag = entity_tag(body)
    updated = document.updated
    headers = {
        "ETag": etag,
        "Last-Modified": format_datetime(updated.replace(microsecond=0), usegmt=True),
        "Cache-Control": f"public, max-age={FEED_MAX_AGE}",
    }
    if is_not_modified(request, etag, updated):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=MEDIA_TYPES[kind], headers=headers)


def feed_url(request: Request, path: str, kind: FeedKind, params: dict[str, object] | None = None) -> str:
    return f"{base_url(request)}{path}.{kind}{query_string(params or {})}"


@feed_route("/feed.{kind}")
def front_feed(request: Request, store: StoreDep, kind: FeedKind) -> Response:
    """The front page's top stories: one entry per story."""
    base = base_url(request)
    sources = memo(request, "sources", lambda: sources_by_id(store))
    cards = store.story_cards(limit=FEED_LIMIT)
    document = FeedDocument(
        title="Gazette: top stories",
        subtitle="The stories most outlets are covering",
        self_url=feed_url(request, "/feed", kind),
        page_url=f"{base}/",
        entries=[story_entry(base, card, sources) for card in cards],
    )
    return feed_response(request, document, kind)


@feed_route("/latest.{kind}")
def latest_feed(
    request: Request,
    store: StoreDep,
    kind: FeedKind,
    source: SourceFilter = None,
    lang: LanguageFilter = None,
) -> Response:
    """The newest articles, optionally of one source or language (the front page's filters)."""
    where = ArticleFilter(source_id=optional_id(source), language=lang or None)
    params: dict[str, object] = {"source": where.source_id, "lang": where.language}
    document = FeedDocument(
        title="Gazette: latest articles",
        subtitle="The newest articles from every feed",
        self_url=feed_url(request, "/latest", kind, params),
        page_url=f"{base_url(request)}/{query_string(params)}",
        entries=article_entries(request, store, store.latest_briefs(limit=FEED_LIMIT, where=where)),
    )
    return feed_response(request, document, kind)


@feed_route("/sources/{source_id}/feed.{kind}")
def source_feed(request: Request, store: StoreDep, source_id: int, kind: FeedKind) -> Response:
    source = store.get_source(source_id) if 0 < source_id < MAX_ID else None
    if source is None:
        raise HTTPException(status_code=404, detail="No such source")
    where = ArticleFilter(source_id=source_id)
    document = FeedDocument(
        title=f"{source.name} on Gazette",
        subtitle=f"The newest articles from {source.name}",
        self_url=feed_url(request, f"/sources/{source_id}/feed", kind),
        page_url=f"{base_url(request)}/sources/{source_id}",
        entries=article_entries(request, store, store.latest_briefs(limit=FEED_LIMIT, where=where)),
    )
    return feed_response(request, document, kind)


@feed_route("/stories/{story_id}/feed.{kind}")
def story_feed(request: Request, store: StoreDep, story_id: int, kind: FeedKind) -> Response:
    """A story's articles, newest first."""
    story = store.get_story(story_id) if 0 < story_id < MAX_ID else None
    if story is None:
        raise HTTPException(status_code=404, detail="No such story")
    briefs = store.story_briefs(story_id)[::-1]
    document = FeedDocument(
        title=f"{story.title}: a story on Gazette",
        subtitle=story.summary or f"Every article in the story {story.title}",
        self_url=feed_url(request, f"/stories/{story_id}/feed", kind),
        page_url=f"{base_url(request)}/stories/{story_id}",
        entries=article_entries(request, store, briefs),
        empty_updated=story.updated or story.created or EPOCH,
    )
    return feed_response(request, document, kind)


@feed_route("/entities/{entity_id}/feed.{kind}")
def entity_feed(request: Request, store: StoreDep, entity_id: int, kind: FeedKind) -> Response:
    """The newest articles mentioning a person, organisation or place."""
    entity = store.get_entity(entity_id) if 0 < entity_id < MAX_ID else None
    if entity is None:
        raise HTTPException(status_code=404, detail="No such entity")
    briefs = [brief_of(article) for article in store.entity_articles(entity_id, limit=FEED_LIMIT)]
    document = FeedDocument(
        title=f"{entity.name} on Gazette",
        subtitle=f"The newest articles mentioning {entity.name}",
        self_url=feed_url(request, f"/entities/{entity_id}/feed", kind),
        page_url=f"{base_url(request)}/entities/{entity_id}",
        entries=article_entries(request, store, briefs),
    )
    return feed_response(request, document, kind)


@feed_route("/search/feed.{kind}")
def search_feed(
    request: Request,
    store: StoreDep,
    kind: FeedKind,
    q: SearchText,
    source: SourceFilter = None,
    lang: LanguageFilter = None,
    since: Annotated[DateFilter, Query(alias="from")] = None,
    until: Annotated[DateFilter, Query(alias="to")] = None,
) -> Response:
    """Full-text search results (best match first) as a feed: a saved search a reader can follow."""
    text = q.strip()
    if not text:
        raise HTTPException(status_code=422, detail="q must not be empty")
    where = search_filter(source, lang, since, until)
    hits, _total = store.search_page(text, limit=FEED_LIMIT, where=where)
    found = store.briefs_by_id([hit.article_id for hit in hits])
    briefs = [found[hit.article_id] for hit in hits if hit.article_id in found]
    params: dict[str, object] = {"q": text, "source": source, "lang": lang, "from": since, "to": until}
    document = FeedDocument(
        title=f"Gazette search: {text}",
        subtitle=f"Articles matching {text}",
        self_url=feed_url(request, "/search/feed", kind, params),
        page_url=f"{base_url(request)}/search{query_string(params)}",
        entries=article_entries(request, store, briefs),
    )
    return feed_response(request, document, kind)
