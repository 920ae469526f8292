"""GET /api/search?q=."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from gazette.store.search import snippet_html
from gazette.web.api.schemas import SearchHitOut, SearchOut, rfc3339
from gazette.web.browse import SearchMode, SearchText, search_filter, semantic_results
from gazette.web.deps import DateFilter, LanguageFilter, SourceFilter, StoreDep, sources_by_id

router = APIRouter(tags=["search"])


@router.get("/search", response_model=SearchOut)
def search(
    store: StoreDep,
    q: SearchText,
    mode: SearchMode = "text",
    source: SourceFilter = None,
    lang: LanguageFilter = None,
    since: Annotated[DateFilter, Query(alias="from")] = None,
    until: Annotated[DateFilter, Query(alias="to")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=10_000)] = 0,
) -> SearchOut:
    where = search_filter(source, lang, since, until)
    text = q.strip()
    if not text:
        return SearchOut(query=q, mode=mode, total=0, offset=offset, hits=[])
    if mode == "semantic":
        similar, total = semantic_results(store, text, limit, offset, where)
        sources = sources_by_id(store)
        hits = [
            SearchHitOut(
                id=str(brief.id),
                title=brief.title,
                snippet_html="",
                source=sources[brief.source_id].name if brief.source_id in sources else None,
                published=rfc3339(brief.when),
            )
            for brief, _score in similar
        ]
        return SearchOut(query=q, mode=mode, total=total, offset=offset, hits=hits)
    found, total = store.search_page(text, limit=limit, offset=offset, where=where)
    hits = [
        SearchHitOut(
            id=str(hit.article_id),
            title=hit.title,
            snippet_html=snippet_html(hit.snippet),
            source=hit.source_name,
            published=rfc3339(hit.published),
        )
        for hit in found
    ]
    return SearchOut(query=q, mode=mode, total=total, offset=offset, hits=hits)
