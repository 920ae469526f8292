"""GET /api/articles/{id}."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Path

from gazette.models import Article
from gazette.store import Store
from gazette.web.api.schemas import (
    ArticleOut,
    EnrichmentOut,
    EntityOut,
    QuoteOut,
    RelatedOut,
    SourceOut,
    rfc3339,
)
from gazette.web.deps import StoreDep, sources_by_id
from gazette.web.pages import article_panel

router = APIRouter(tags=["articles"])
ApiId = Path(ge=1, le=2**63 - 1)


def optional_str(value: int | None) -> str | None:
    return str(value) if value is not None else None


def enrichment_out(store: Store, article: Article) -> EnrichmentOut | None:
    panel = article_panel(store, article)
    if panel is None:
        return None
    return EnrichmentOut(
        language=panel.language,
        summary=panel.summary,
        key_points=panel.key_points,
        keywords=panel.keywords,
        reading_minutes=panel.reading_minutes,
        entities=[EntityOut(id=str(e.id), name=e.name, type=e.type) for e in panel.entities],
        quotes=[QuoteOut(text=q.text, speaker=q.speaker, kind=q.kind.value) for q, _ in panel.quotes],
    )


@router.get("/articles/{article_id}", response_model=ArticleOut)
def get_article(store: StoreDep, article_id: int = ApiId) -> ArticleOut:
    article = store.get_article(article_id)
    if article is None:
        raise HTTPException(status_code=404, detail="No such article")
    sources = sources_by_id(store)
    source = sources.get(article.source_id) if article.source_id else None
    related = [
        RelatedOut(
            id=str(item.article.id),
            title=item.article.title,
            source=sources[item.article.source_id].name if item.article.source_id in sources else None,
            published=rfc3339(item.article.published or item.article.fetched),
            score=item.score,
        )
        for item in store.related_articles(article_id)
    ]
    return ArticleOut(
        id=str(article_id),
        url=article.url,
        title=article.title,
        author=article.author,
        source=SourceOut(id=str(source.id), name=source.name, site_url=source.site_url) if source else None,
        published=rfc3339(article.published or article.fetched),
        language=article.language,
        image=article.image,
        html=article.html,
        text=article.text,
        story_id=optional_str(article.story_id),
        duplicate_of=optional_str(article.duplicate_of),
        enrichment=enrichment_out(store, article),
        related=related,
    )
