"""The JSON API's response shapes, separate from the tables and the records.

Ids are strings and times RFC 3339 UTC strings, as in the CLI's JSON output.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from gazette.web.render import iso_time


def rfc3339(when: datetime | None) -> str | None:
    return iso_time(when) or None


class SourceOut(BaseModel):
    id: str
    name: str
    site_url: str


class EntityOut(BaseModel):
    id: str
    name: str
    type: str


class QuoteOut(BaseModel):
    text: str
    speaker: str | None
    kind: str


class RelatedOut(BaseModel):
    id: str
    title: str
    source: str | None
    published: str | None
    score: float


class EnrichmentOut(BaseModel):
    language: str | None
    summary: list[str]
    key_points: list[str]
    keywords: list[str]
    reading_minutes: int | None
    entities: list[EntityOut]
    quotes: list[QuoteOut]


class ArticleOut(BaseModel):
    id: str
    url: str
    title: str
    author: str | None
    source: SourceOut | None
    published: str | None
    language: str | None
    image: str | None
    html: str
    text: str
    story_id: str | None
    duplicate_of: str | None
    enrichment: EnrichmentOut | None
    related: list[RelatedOut]


class StoryArticleOut(BaseModel):
    id: str
    title: str
    source: str | None
    published: str | None
    duplicate_of: str | None


class StoryOut(BaseModel):
    id: str
    title: str
    summary: str
    created: str | None
    updated: str | None
    article_count: int
    source_count: int
    differences: list[dict[str, object]]
    articles: list[StoryArticleOut]


class SearchHitOut(BaseModel):
    id: str
    title: str
    snippet_html: str
    source: str | None
    published: str | None


class SearchOut(BaseModel):
    query: str
    mode: str
    total: int
    offset: int
    hits: list[SearchHitOut]
