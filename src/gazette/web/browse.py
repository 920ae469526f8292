"""Source, entity, feeds and search pages."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response

from gazette.models import SearchHit
from gazette.store import Store
from gazette.store.views import ArticleBrief, ArticleFilter
from gazette.web.deps import (
    PAGE_SIZE,
    DateFilter,
    LanguageFilter,
    PageNumber,
    SourceFilter,
    StoreDep,
    TemplatesDep,
    optional_date,
    optional_id,
    sources_by_id,
)
from gazette.web.pages import memo

router = APIRouter()
SEARCH_PAGE = 20
SEMANTIC_MAX = 100
"""Semantic search ranks every article; only this many nearest are offered."""
MAX_QUERY = 500
SearchMode = Literal["text", "semantic"]
SearchText = Annotated[str, Query(max_length=MAX_QUERY)]


@router.get("/sources/{source_id}", response_class=HTMLResponse)
def source_page(
    source_id: int, request: Request, store: StoreDep, templates: TemplatesDep, page: PageNumber = 1
) -> Response:
    source = store.get_source(source_id) if 0 < source_id < 2**63 else None
    if source is None:
        raise HTTPException(status_code=404, detail="No such source")
    where = ArticleFilter(source_id=source_id)
    articles = store.latest_briefs(limit=PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE, where=where)
    shown = articles[:PAGE_SIZE]
    context = {
        "source": source,
        "articles": shown,
        "comment_counts": store.comment_counts([article.id for article in shown]),
        "has_next": len(articles) > PAGE_SIZE,
        "page": page,
        "total": store.count_articles(where),
        "feeds": store.source_feeds(source_id),
        "entry_counts": store.feed_entry_counts(),
    }
    return templates.TemplateResponse(request, "source.html", context)


@router.get("/entities/{entity_id}", response_class=HTMLResponse)
def entity_page(entity_id: int, request: Request, store: StoreDep, templates: TemplatesDep) -> Response:
    entity = store.get_entity(entity_id) if 0 < entity_id < 2**63 else None
    if entity is None:
        raise HTTPException(status_code=404, detail="No such entity")
    context = {
        "entity": entity,
        "quotes": store.quotes_in_context(entity_id=entity_id, limit=50),
        "stories": store.entity_stories(entity_id),
        "articles": store.entity_articles(entity_id, limit=30),
        "related": store.co_occurring_entities(entity_id),
        "sources": memo(request, "sources", lambda: sources_by_id(store)),
    }
    return templates.TemplateResponse(request, "entity.html", context)


@router.get("/feeds", response_class=HTMLResponse)
def feeds_page(request: Request, store: StoreDep, templates: TemplatesDep) -> Response:
    context = {
        "feeds": store.list_feeds(),
        "counts": store.feed_entry_counts(),
        "sources": memo(request, "sources", lambda: sources_by_id(store)),
    }
    return templates.TemplateResponse(request, "feeds.html", context)


def search_filter(
    source: str | None, lang: str | None, since: str | None, until: str | None
) -> ArticleFilter:
    """The search filters; ``until`` is inclusive (the whole day)."""
    start = optional_date(since, "from")
    end = optional_date(until, "to")
    return ArticleFilter(
        source_id=optional_id(source),
        language=lang or None,
        since=datetime.combine(start, time(), UTC) if start else None,
        until=datetime.combine(end, time(), UTC) + timedelta(days=1) if end else None,
    )


def semantic_results(
    store: Store, text: str, limit: int, offset: int, where: ArticleFilter
) -> tuple[list[tuple[ArticleBrief, float]], int]:
    """Articles nearest in meaning to ``text`` (the embedding model loads on first use)."""
    from gazette.enrich.embed import embed_texts

    vector = embed_texts([text])[0]
    found, ranked = store.semantic_page(
        vector, limit=min(limit, SEMANTIC_MAX - offset), offset=offset, where=where
    )
    return found, min(ranked, SEMANTIC_MAX)


@router.get("/search", response_class=HTMLResponse)
def search_page(
    request: Request,
    store: StoreDep,
    templates: TemplatesDep,
    q: SearchText = "",
    mode: SearchMode = "text",
    source: SourceFilter = None,
    lang: LanguageFilter = None,
    since: Annotated[DateFilter, Query(alias="from")] = None,
    until: Annotated[DateFilter, Query(alias="to")] = None,
    page: Annotated[int, Query(ge=1, le=500)] = 1,
) -> Response:
    where = search_filter(source, lang, since, until)
    offset = (page - 1) * SEARCH_PAGE
    hits: list[SearchHit] = []
    similar: list[tuple[ArticleBrief, float]] = []
    total = 0
    if q.strip() and mode == "semantic":
        similar, total = semantic_results(store, q.strip(), SEARCH_PAGE, offset, where)
    elif q.strip():
        hits, total = store.search_page(q, limit=SEARCH_PAGE, offset=offset, where=where)
    context = {
        "q": q,
        "mode": mode,
        "hits": hits,
        "similar": similar,
        "total": total,
        "page": page,
        "has_next": offset + SEARCH_PAGE < total,
        "params": {"q": q, "mode": mode, "source": source, "lang": lang, "from": since, "to": until},
        "source_id": where.source_id,
        "lang": where.language,
        "sources": memo(request, "sources", lambda: sources_by_id(store)),
        "languages": memo(request, "languages", store.article_languages),
    }
    return templates.TemplateResponse(request, "search.html", context)
