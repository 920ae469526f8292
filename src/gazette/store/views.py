"""Read-only queries shaped for the web pages: light article rows, counts, filtered and semantic search.

Listing pages never need an article's text or HTML, so these queries select
only the columns a list shows (:class:`ArticleBrief`); a front page of 50
articles then reads a few kilobytes instead of megabytes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, Select, column, desc, func, literal_column, or_, select, table
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from gazette.models import Entity, SearchHit, Story
from gazette.store.db import explain_errors
from gazette.store.schema import (
    article_entities,
    articles,
    enrichments,
    entities,
    feed_entries,
    feeds,
    quotes,
    sources,
    stories,
)
from gazette.store.search import MARK_END, MARK_START, Query, fts5_match, parse_query, tsquery_parts
from gazette.store.stories import story_from_row

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
BRIEF_COLUMNS = (
    articles.c.id,
    articles.c.title,
    articles.c.url,
    articles.c.source_id,
    articles.c.author,
    articles.c.published,
    articles.c.fetched,
    articles.c.image,
    articles.c.language,
    articles.c.story_id,
    articles.c.duplicate_of,
)


@dataclass(slots=True)
class ArticleBrief:
    """What a list of articles shows: no text, no HTML."""

    id: int
    title: str
    url: str
    source_id: int | None
    author: str | None
    published: datetime | None
    fetched: datetime | None
    image: str | None
    language: str | None
    story_id: int | None
    duplicate_of: int | None

    @property
    def when(self) -> datetime | None:
        return self.published or self.fetched


@dataclass(slots=True)
class ArticleFilter:
    source_id: int | None = None
    language: str | None = None
    since: datetime | None = None
    until: datetime | None = None


@dataclass(slots=True)
class StoryCard:
    """A story as the front page shows it: outlets, lead image and recent pace."""

    story: Story
    outlets: list[int] = field(default_factory=list)
    image: str | None = None
    recent_articles: int = 0
    score: float = 0.0


@dataclass(slots=True)
class QuoteInContext:
    text: str
    speaker: str | None
    kind: str
    article_id: int
    article_title: str
    source_id: int | None
    entity_id: int | None


def brief_from_row(row: Any) -> ArticleBrief:
    return ArticleBrief(
        id=row.id,
        title=row.title,
        url=row.url,
        source_id=row.source_id,
        author=row.author,
        published=row.published,
        fetched=row.fetched,
        image=row.image,
        language=row.language,
        story_id=row.story_id,
        duplicate_of=row.duplicate_of,
    )


def _when() -> ColumnElement[Any]:
    return func.coalesce(articles.c.published, articles.c.fetched)


def _filtered(statement: Select[Any], where: ArticleFilter) -> Select[Any]:
    if where.source_id is not None:
        statement = statement.where(articles.c.source_id == where.source_id)
    if where.language:
        statement = statement.where(articles.c.language == where.language)
    if where.since is not None:
        statement = statement.where(_when() >= where.since)
    if where.until is not None:
        statement = statement.where(_when() < where.until)
    return statement


@dataclass(frozen=True, slots=True)
class ArticleDigest:
    """What a syndication entry shows beyond an :class:`ArticleBrief` (not the whole text)."""

    updated: datetime | None
    feed_summary: str | None
    lead: str | None
    enrichment: str | None
    enrichment_error: str | None


class ViewStore:
    engine: Engine

    def latest_briefs(
        self, limit: int = 50, offset: int = 0, where: ArticleFilter | None = None
    ) -> list[ArticleBrief]:
        """Newest articles first (by published, else fetched time), as light rows, optionally filtered.

        Sorting on ``coalesce(published, fetched)`` has no index and sorts the
        whole table (~350 ms at 100,000 articles); instead this takes the newest
        dated articles through the ``published`` index and the newest undated
        ones (usually none) separately, and merges the two.
        """
        want = offset + limit
        where = where or ArticleFilter()
        dated = (
            select(*BRIEF_COLUMNS)
            .where(articles.c.published.is_not(None))
            .order_by(desc(articles.c.published), desc(articles.c.id))
            .limit(want)
        )
        undated = (
            select(*BRIEF_COLUMNS)
            .where(articles.c.published.is_(None))
            .order_by(desc(articles.c.fetched), desc(articles.c.id))
            .limit(want)
        )
        with explain_errors(self.engine), self.engine.connect() as conn:
            rows = [brief_from_row(row) for row in conn.execute(_filtered(dated, where))]
            rows += [brief_from_row(row) for row in conn.execute(_filtered(undated, where))]
        rows.sort(key=lambda brief: (brief.when or EPOCH, brief.id), reverse=True)
        return rows[offset:want]

    def article_languages(self, recent: int = 5000) -> list[str]:
        """Languages among the ``recent`` newest articles (the language column has no index)."""
        newest = select(articles.c.language).order_by(desc(articles.c.published)).limit(recent).subquery()
        query = select(newest.c.language).where(newest.c.language.is_not(None)).distinct()
        with explain_errors(self.engine), self.engine.connect() as conn:
            return sorted(str(row[0]) for row in conn.execute(query) if row[0])

    def briefs_by_id(self, article_ids: Sequence[int]) -> dict[int, ArticleBrief]:
        if not article_ids:
            return {}
        query = select(*BRIEF_COLUMNS).where(articles.c.id.in_(list(set(article_ids))))
        with explain_errors(self.engine), self.engine.connect() as conn:
            return {row.id: brief_from_row(row) for row in conn.execute(query)}

    def article_digests(self, article_ids: Sequence[int], lead_chars: int) -> dict[int, ArticleDigest]:
        """Update time, feed summary, first ``lead_chars`` of the text and enrichment JSON, in one query."""
        if not article_ids:
            return {}
        query = (
            select(
                articles.c.id,
                articles.c.updated,
                articles.c.summary,
                func.substr(articles.c.text, 1, lead_chars).label("lead"),
                enrichments.c.data,
                enrichments.c.error,
            )
            .outerjoin(enrichments, enrichments.c.article_id == articles.c.id)
            .where(articles.c.id.in_(list(set(article_ids))))
        )
        with explain_errors(self.engine), self.engine.connect() as conn:
            return {
                row.id: ArticleDigest(row.updated, row.summary, row.lead, row.data, row.error)
                for row in conn.execute(query)
            }

    def story_briefs(self, story_id: int) -> list[ArticleBrief]:
        query = select(*BRIEF_COLUMNS).where(articles.c.story_id == story_id).order_by(_when(), articles.c.id)
        with explain_errors(self.engine), self.engine.connect() as conn:
            return [brief_from_row(row) for row in conn.execute(query)]

    def count_articles(self, where: ArticleFilter | None = None) -> int:
        query = _filtered(select(func.count()).select_from(articles), where or ArticleFilter())
        with explain_errors(self.engine), self.engine.connect() as conn:
            return int(conn.execute(query).scalar_one())

    def article_counts_by_source(self) -> dict[int, int]:
        query = (
            select(articles.c.source_id, func.count())
            .where(articles.c.source_id.is_not(None))
            .group_by(articles.c.source_id)
        )
        with explain_errors(self.engine), self.engine.connect() as conn:
            return {int(source_id): int(count) for source_id, count in conn.execute(query)}

    def source_feeds(self, source_id: int) -> list[tuple[int, str, str | None, str]]:
        """``(id, url, title, status)`` of the source's feeds."""
        query = (
            select(feeds.c.id, feeds.c.url, feeds.c.title, feeds.c.status)
            .where(feeds.c.source_id == source_id)
            .order_by(feeds.c.id)
        )
        with explain_errors(self.engine), self.engine.connect() as conn:
            return [(row.id, row.url, row.title, row.status) for row in conn.execute(query)]

    def feed_entry_counts(self) -> dict[int, int]:
        query = select(feed_entries.c.feed_id, func.count()).group_by(feed_entries.c.feed_id)
        with explain_errors(self.engine), self.engine.connect() as conn:
            return {int(feed_id): int(count) for feed_id, count in conn.execute(query)}

    def story_cards(self, limit: int = 12, now: datetime | None = None, pool: int = 60) -> list[StoryCard]:
        """Top stories ranked by outlets covering, recency and velocity (articles in the last 6 hours).

        The store's ``top_stories`` orders by outlets then recency; this takes a
        wider pool of those and re-ranks it with a score that lets a fast-moving
        story with fewer outlets overtake a stale one with more.
        """
        with explain_errors(self.engine), self.engine.connect() as conn:
            rows = conn.execute(
                select(stories)
                .where(stories.c.article_count > 0)
                .order_by(desc(stories.c.source_count), desc(stories.c.updated), desc(stories.c.id))
                .limit(pool)
            ).all()
            cards = {row.id: StoryCard(story_from_row(row)) for row in rows}
            if not cards:
                return []
            members = conn.execute(
                select(articles.c.story_id, articles.c.source_id, articles.c.image, _when().label("when"))
                .where(articles.c.story_id.in_(list(cards)))
                .order_by(_when(), articles.c.id)
            ).all()
        return rank_story_cards(list(cards.values()), members, now)[:limit]

    def story_outlets(self, story_id: int) -> list[tuple[int | None, int]]:
        """``(source_id, articles)`` for the story, most articles first."""
        count = func.count().label("n")
        query = (
            select(articles.c.source_id, count)
            .where(articles.c.story_id == story_id)
            .group_by(articles.c.source_id)
            .order_by(desc(count))
        )
        with explain_errors(self.engine), self.engine.connect() as conn:
            return [(row.source_id, int(row.n)) for row in conn.execute(query)]

    def entity_stories(self, entity_id: int, limit: int = 20) -> list[Story]:
        mine = (
            select(articles.c.story_id)
            .join(article_entities, article_entities.c.article_id == articles.c.id)
            .where(article_entities.c.entity_id == entity_id, articles.c.story_id.is_not(None))
        )
        query = select(stories).where(stories.c.id.in_(mine)).order_by(desc(stories.c.updated)).limit(limit)
        with explain_errors(self.engine), self.engine.connect() as conn:
            return [story_from_row(row) for row in conn.execute(query)]

    def quotes_in_context(
        self, *, entity_id: int | None = None, story_id: int | None = None, limit: int = 100
    ) -> list[QuoteInContext]:
        """Quotes with the title and outlet of the article they come from."""
        query = (
            select(
                quotes.c.text,
                quotes.c.speaker,
                quotes.c.kind,
                quotes.c.article_id,
                quotes.c.entity_id,
                articles.c.title,
                articles.c.source_id,
            )
            .join(articles, articles.c.id == quotes.c.article_id)
            .order_by(desc(_when()), quotes.c.article_id, quotes.c.start)
            .limit(limit)
        )
        if entity_id is not None:
            query = query.where(quotes.c.entity_id == entity_id)
        if story_id is not None:
            query = query.where(articles.c.story_id == story_id)
        with explain_errors(self.engine), self.engine.connect() as conn:
            return [
                QuoteInContext(
                    text=row.text,
                    speaker=row.speaker,
                    kind=row.kind,
                    article_id=row.article_id,
                    article_title=row.title,
                    source_id=row.source_id,
                    entity_id=row.entity_id,
                )
                for row in conn.execute(query)
            ]

    def entities_by_name(self, article_id: int) -> dict[str, Entity]:
        query = (
            select(entities)
            .join(article_entities, article_entities.c.entity_id == entities.c.id)
            .where(article_entities.c.article_id == article_id)
        )
        with explain_errors(self.engine), self.engine.connect() as conn:
            return {row.name: Entity(id=row.id, name=row.name, type=row.type) for row in conn.execute(query)}

    def search(self, query_text: str, limit: int = 20, offset: int = 0) -> list[SearchHit]:
        """Ranked full-text hits with highlighted snippets (syntax in ``store/search.py``)."""
        return self.search_page(query_text, limit, offset)[0]

    def search_page(
        self, query_text: str, limit: int = 20, offset: int = 0, where: ArticleFilter | None = None
    ) -> tuple[list[SearchHit], int]:
        """Full-text hits (highlighted snippets) within the filters, and the total number of matches."""
        query = parse_query(query_text)
        if query.is_empty:
            return [], 0
        where = where or ArticleFilter()
        with explain_errors(self.engine), self.engine.connect() as conn:
            if self.engine.dialect.name == "sqlite":
                rows, total = _search_sqlite(conn, query, where, limit, offset)
            else:
                rows, total = _search_postgres(conn, query, where, limit, offset)
        hits = [
            SearchHit(
                article_id=row.id,
                title=row.title,
                snippet=row.snippet or "",
                source_name=row.source_name,
                published=row.published,
                rank=float(row.rank),
            )
            for row in rows
        ]
        return hits, total

    def semantic_page(
        self, query_vector: Any, limit: int = 20, offset: int = 0, where: ArticleFilter | None = None
    ) -> tuple[list[tuple[ArticleBrief, float]], int]:
        """Articles nearest to a normalized 384-d query vector (cosine), within the filters."""
        import numpy as np

        statement = _filtered(
            select(enrichments.c.article_id, enrichments.c.vector)
            .join(articles, articles.c.id == enrichments.c.article_id)
            .where(enrichments.c.vector.is_not(None)),
            where or ArticleFilter(),
        )
        with explain_errors(self.engine), self.engine.connect() as conn:
            rows = conn.execute(statement).all()
        if not rows:
            return [], 0
        ids = np.array([row[0] for row in rows])
        matrix = np.frombuffer(b"".join(row[1] for row in rows), dtype=np.float16).reshape(len(rows), -1)
        scores = matrix.astype(np.float32) @ np.asarray(query_vector, dtype=np.float32).reshape(-1)
        order = np.argsort(-scores, kind="stable")[offset : offset + limit]
        briefs = self.briefs_by_id([int(ids[i]) for i in order])
        found = [(briefs[int(ids[i])], float(scores[i])) for i in order if int(ids[i]) in briefs]
        return found, len(rows)


def rank_story_cards(cards: list[StoryCard], members: Sequence[Any], now: datetime | None) -> list[StoryCard]:
    """Score = outlets + recency (halves every 12 h) + velocity (articles in the 6 h before the latest)."""
    by_id = {card.story.id: card for card in cards}
    latest: dict[int, datetime] = {}
    for row in members:
        card = by_id.get(row.story_id)
        if card is None:
            continue
        if row.source_id is not None and row.source_id not in card.outlets:
            card.outlets.append(row.source_id)
        if card.image is None and row.image:
            card.image = row.image
        if row.when is not None:
            latest[row.story_id] = row.when
    newest = max(latest.values(), default=None)
    reference = now or newest
    for row in members:
        end = latest.get(row.story_id)
        if row.when is not None and end is not None and (end - row.when).total_seconds() <= 6 * 3600:
            by_id[row.story_id].recent_articles += 1
    for card in cards:
        end = latest.get(card.story.id or 0) or card.story.updated
        age_hours = max(0.0, (reference - end).total_seconds() / 3600) if reference and end else 0.0
        card.score = len(card.outlets) * 1.0 + 2.0 * 0.5 ** (age_hours / 12) + 0.25 * card.recent_articles
    return sorted(cards, key=lambda c: (-c.score, -(c.story.id or 0)))


def _search_sqlite(
    conn: Connection, query: Query, where: ArticleFilter, limit: int, offset: int
) -> tuple[list[Any], int]:
    fts = table("article_fts", column("rowid"))
    rank: ColumnElement[Any] = literal_column("bm25(article_fts, 10.0, 1.0)")
    snippet = func.snippet(literal_column("article_fts"), -1, MARK_START, MARK_END, "…", 24)
    match = literal_column("article_fts").op("MATCH")(fts5_match(query))
    base = (
        select(articles.c.id)
        .select_from(fts)
        .join(articles, articles.c.id == fts.c.rowid)
        .outerjoin(sources, sources.c.id == articles.c.source_id)
        .where(match)
    )
    base = _with_source_names(_filtered(base, where), query)
    total = int(conn.execute(select(func.count()).select_from(base.subquery())).scalar_one())
    statement = base.add_columns(
        articles.c.title,
        articles.c.published,
        sources.c.name.label("source_name"),
        snippet.label("snippet"),
        rank.label("rank"),
    )
    statement = statement.order_by(rank, articles.c.id).limit(limit).offset(offset)
    return list(conn.execute(statement)), total


def _search_postgres(
    conn: Connection, query: Query, where: ArticleFilter, limit: int, offset: int
) -> tuple[list[Any], int]:
    include, exclude = tsquery_parts(query)
    parts = [func.phraseto_tsquery("english", phrase) for phrase in include]
    parts += [func.tsquery_not(func.phraseto_tsquery("english", phrase)) for phrase in exclude]
    tsquery = parts[0]
    for part in parts[1:]:
        tsquery = func.tsquery_and(tsquery, part)
    search_col: ColumnElement[Any] = literal_column("articles.search")
    rank = func.ts_rank_cd(search_col, tsquery)
    base = (
        select(articles.c.id)
        .outerjoin(sources, sources.c.id == articles.c.source_id)
        .where(search_col.op("@@")(tsquery))
    )
    base = _with_source_names(_filtered(base, where), query)
    total = int(conn.execute(select(func.count()).select_from(base.subquery())).scalar_one())
    top = (
        base.add_columns(rank.label("rank")).order_by(rank.desc(), articles.c.id).limit(limit).offset(offset)
    )
    ranked = top.subquery()
    options = f"StartSel={MARK_START}, StopSel={MARK_END}, MaxWords=30, MinWords=12, MaxFragments=1"
    headline = func.ts_headline("english", articles.c.text, tsquery, options)
    statement = (
        select(
            articles.c.id,
            articles.c.title,
            articles.c.published,
            sources.c.name.label("source_name"),
            headline.label("snippet"),
            ranked.c.rank,
        )
        .join(ranked, ranked.c.id == articles.c.id)
        .outerjoin(sources, sources.c.id == articles.c.source_id)
        .order_by(ranked.c.rank.desc(), articles.c.id)
    )
    return list(conn.execute(statement)), total


def _with_source_names(statement: Select[Any], query: Query) -> Select[Any]:
    """Apply the query's ``source:name`` filters (substring of the outlet's name or key)."""

    if not query.sources:
        return statement
    clauses = []
    for name in query.sources:
        pattern = "%" + name.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        clauses.append(func.lower(sources.c.name).like(pattern, escape="\\"))
        clauses.append(func.lower(sources.c.key).like(pattern, escape="\\"))
    return statement.where(or_(*clauses))
