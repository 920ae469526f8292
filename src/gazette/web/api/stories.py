"""GET /api/stories/{id}."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Path

from gazette.web.api.schemas import StoryArticleOut, StoryOut, rfc3339
from gazette.web.deps import StoreDep, sources_by_id
from gazette.web.pages import differences

router = APIRouter(tags=["stories"])


@router.get("/stories/{story_id}", response_model=StoryOut)
def get_story(store: StoreDep, story_id: int = Path(ge=1, le=2**63 - 1)) -> StoryOut:
    story = store.get_story(story_id)
    if story is None:
        raise HTTPException(status_code=404, detail="No such story")
    sources = sources_by_id(store)
    articles = [
        StoryArticleOut(
            id=str(brief.id),
            title=brief.title,
            source=sources[brief.source_id].name if brief.source_id in sources else None,
            published=rfc3339(brief.when),
            duplicate_of=str(brief.duplicate_of) if brief.duplicate_of is not None else None,
        )
        for brief in store.story_briefs(story_id)
    ]
    return StoryOut(
        id=str(story_id),
        title=story.title,
        summary=story.summary,
        created=rfc3339(story.created),
        updated=rfc3339(story.updated),
        article_count=story.article_count,
        source_count=story.source_count,
        differences=differences(story.differences),
        articles=articles,
    )
