"""Server-rendered front, article and story pages, and the health check."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from gazette.models import Article, Entity, Quote, Source
from gazette.store import Store, StoreError
from gazette.store.views import ArticleBrief, ArticleFilter
from gazette.web import charts
from gazette.web.ai_routes import ai_panel
from gazette.web.comments import comments_context
from gazette.web.deps import (
    PAGE_SIZE,
    LanguageFilter,
    PageNumber,
    SourceFilter,
    StoreDep,
    TemplatesDep,
    optional_id,
    sources_by_id,
)
from gazette.web.me import mark_read_on_open

router = APIRouter()
T = TypeVar("T")
FACET_SECONDS = 60.0
TOP_STORIES = 10
ENGLISH = "en"


def memo(request: Request, name: str, compute: Callable[[], T], seconds: float = FACET_SECONDS) -> T:
    """``compute()``, remembered on the app for ``seconds``: for facets that change slowly."""
    cache: dict[str, tuple[float, Any]] = request.app.state.__dict__.setdefault("memo", {})
    now = time.monotonic()
    hit = cache.get(name)
    if hit is not None and hit[0] > now:
        value: T = hit[1]
        return value
    fresh = compute()
    cache[name] = (now + seconds, fresh)
    return fresh


@router.get("/health")
def health(store: StoreDep) -> JSONResponse:
    try:
        store.ping()
    except StoreError as exc:
        return JSONResponse({"status": "error", "database": str(exc)}, status_code=503)
    return JSONResponse({"status": "ok", "database": store.backend})


@router.get("/", response_class=HTMLResponse)
def front_page(
    request: Request,
    store: StoreDep,
    templates: TemplatesDep,
    page: PageNumber = 1,
    source: SourceFilter = None,
    lang: LanguageFilter = None,
) -> Response:
    where = ArticleFilter(source_id=optional_id(source), language=lang or None)
    filtered = where.source_id is not None or where.language is not None
    cards = store.story_cards(limit=TOP_STORIES) if page == 1 and not filtered else []
    articles = store.latest_briefs(limit=PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE, where=where)
    shown = articles[:PAGE_SIZE]
    context = {
        "cards": cards,
        "story_comments": store.story_comment_counts([card.story.id for card in cards if card.story.id]),
        "articles": shown,
        "comment_counts": store.comment_counts([article.id for article in shown]),
        "has_next": len(articles) > PAGE_SIZE,
        "sources": memo(request, "sources", lambda: sources_by_id(store)),
        "languages": memo(request, "languages", store.article_languages),
        "page": page,
        "source_id": where.source_id,
        "lang": where.language,
    }
    return templates.TemplateResponse(request, "front.html", context)


@dataclass(slots=True)
class Panel:
    """The article page's AI panel."""

    summary: list[str] = field(default_factory=list)
    key_points: list[str] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    entities: list[Entity] = field(default_factory=list)
    quotes: list[tuple[Quote, Entity | None]] = field(default_factory=list)
    language: str | None = None
    reading_minutes: int | None = None

    @property
    def english_only_note(self) -> bool:
        return bool(self.language) and self.language != ENGLISH

    @property
    def is_empty(self) -> bool:
        return not (self.summary or self.key_points or self.keywords or self.entities or self.quotes)


def _strings(value: object) -> list[str]:
    if not isinstance(value, list):
        return []
    return [item for item in value if isinstance(item, str) and item.strip()]


def article_panel(store: Store, article: Article) -> Panel | None:
    """Summary, key points, entities, quotes and keywords; None before enrichment ran."""
    assert article.id is not None
    stored = store.enrichment(article.id)
    if stored is None or stored.error:
        return None
    data = stored.data if isinstance(stored.data, dict) else {}
    entities = store.article_entities(article.id)
    people = {entity.name: entity for entity in entities if entity.type == "PERSON"}
    minutes = data.get("reading_minutes")
    return Panel(
        summary=_strings(data.get("summary")),
        key_points=_strings(data.get("key_points")),
        keywords=_strings(data.get("keywords")),
        entities=entities,
        quotes=[(quote, people.get(quote.speaker or "")) for quote in store.article_quotes(article.id)],
        language=str(data.get("language") or article.language or "") or None,
        reading_minutes=minutes if isinstance(minutes, int) and minutes > 0 else None,
    )


@router.get("/articles/{article_id}", response_class=HTMLResponse)
def article_page(article_id: int, request: Request, store: StoreDep, templates: TemplatesDep) -> Response:
    article = store.get_article(article_id) if 0 < article_id < 2**63 else None
    if article is None:
        raise HTTPException(status_code=404, detail="No such article")
    sources = memo(request, "sources", lambda: sources_by_id(store))
    story = store.get_story(article.story_id) if article.story_id else None
    related = [
        item
        for item in store.related_articles(article_id, limit=12)
        if item.article.source_id is None or item.article.source_id != article.source_id
    ][:6]
    mark_read_on_open(request, article_id)
    context = {
        "article": article,
        "source": sources.get(article.source_id) if article.source_id else None,
        "sources": sources,
        "panel": article_panel(store, article),
        "ai": ai_panel(request, article),
        "story": story,
        "related": related,
        "comments": comments_context(request, article_id=article_id),
    }
    return templates.TemplateResponse(request, "article.html", context)


@dataclass(slots=True)
class OutletGroup:
    """One outlet's articles in a story, each with the near-duplicates folded under it."""

    source: Source | None
    articles: list[tuple[ArticleBrief, list[ArticleBrief]]] = field(default_factory=list)


def outlet_groups(briefs: list[ArticleBrief], sources: dict[int, Source]) -> list[OutletGroup]:
    """Group originals by outlet; an article whose ``duplicate_of`` is in the story is folded under it."""
    ids = {brief.id for brief in briefs}
    copies: dict[int, list[ArticleBrief]] = {}
    for brief in briefs:
        if brief.duplicate_of is not None and brief.duplicate_of in ids:
            copies.setdefault(brief.duplicate_of, []).append(brief)
    groups: dict[int | None, OutletGroup] = {}
    for brief in briefs:
        if brief.duplicate_of is not None and brief.duplicate_of in ids:
            continue
        group = groups.setdefault(
            brief.source_id, OutletGroup(sources.get(brief.source_id) if brief.source_id else None)
        )
        group.articles.append((brief, copies.get(brief.id, [])))
    return sorted(groups.values(), key=lambda g: (-len(g.articles), g.source.name if g.source else "~"))


def differences(raw: list[dict[str, object]]) -> list[dict[str, Any]]:
    """The story's differences, reduced to what renders safely: kind, what, and accounts with text."""
    shown = []
    for item in raw:
        if not isinstance(item, dict):
            continue
        accounts = item.get("accounts")
        kept = [
            {
                "article_id": account.get("article_id")
                if isinstance(account.get("article_id"), int)
                else None,
                "source": str(account.get("source") or ""),
                "value": str(account.get("value") or ""),
                "sentence": str(account.get("sentence") or ""),
            }
            for account in (accounts if isinstance(accounts, list) else [])
            if isinstance(account, dict)
        ]
        if kept:
            shown.append(
                {"kind": str(item.get("kind") or ""), "what": str(item.get("what") or ""), "accounts": kept}
            )
    return shown


@router.get("/stories/{story_id}", response_class=HTMLResponse)
def story_page(story_id: int, request: Request, store: StoreDep, templates: TemplatesDep) -> Response:
    story = store.get_story(story_id) if 0 < story_id < 2**63 else None
    if story is None:
        raise HTTPException(status_code=404, detail="No such story")
    sources = memo(request, "sources", lambda: sources_by_id(store))
    briefs = store.story_briefs(story_id)
    outlets = [
        (sources[source_id].name if source_id in sources else "Unknown outlet", count)
        for source_id, count in store.story_outlets(story_id)
    ]
    context = {
        "story": story,
        "sources": sources,
        "groups": outlet_groups(briefs, sources),
        "timeline": charts.timeline([brief.when for brief in briefs]),
        "coverage": charts.coverage(outlets),
        "differences": differences(story.differences),
        "quotes": store.quotes_in_context(story_id=story_id),
        "entities": store.story_entities(story_id),
        "image": next((brief.image for brief in briefs if brief.image), None),
        "comments": comments_context(request, story_id=story_id),
    }
    return templates.TemplateResponse(request, "story.html", context)
