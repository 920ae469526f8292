"""Stories, related articles, and the entity views built on enrichment."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, delete, desc, func, insert, select, text, update
from sqlalchemy.engine import Connection

from gazette.models import Article, Entity, Quote, Story
from gazette.store.articles import article_from_row
from gazette.store.db import explain_errors
from gazette.store.enrichment import quote_from_row
from gazette.store.schema import (
    article_entities,
    articles,
    enrichments,
    entities,
    quotes,
    related_articles,
    stories,
    story_index_state,
)
from gazette.store.util import utcnow

log = logging.getLogger(__name__)

STORY_INDEX_LOCK = 0x67617A_0001
"""PostgreSQL advisory lock key for the story index (any constant unique within the database)."""


@dataclass(slots=True)
class RelatedArticle:
    article: Article
    score: float


@dataclass(slots=True)
class EntityCount:
    entity: Entity
    count: int


def story_from_row(row: Any) -> Story:
    return Story(
        id=row.id,
        title=row.title,
        summary=row.summary,
        created=row.created,
        updated=row.updated,
        article_count=row.article_count,
        source_count=row.source_count,
        differences=json.loads(row.differences or "[]"),
    )


class StoryStore:
    engine: Engine

    def create_story(
        self,
        title: str,
        created: datetime | None = None,
        centroid: bytes | None = None,
        index_key: str | None = None,
    ) -> int:
        now = created or utcnow()
        values = {"title": title, "summary": "", "created": now, "updated": now, "centroid": centroid}
        with explain_errors(self.engine), self.engine.begin() as conn:
            key = conn.execute(insert(stories).values(**values, index_key=index_key)).inserted_primary_key
        assert key is not None
        return int(key[0])

    def assign_story(self, article_id: int, story_id: int | None, duplicate_of: int | None = None) -> None:
        with explain_errors(self.engine), self.engine.begin() as conn:
            conn.execute(
                update(articles)
                .where(articles.c.id == article_id)
                .values(story_id=story_id, duplicate_of=duplicate_of)
            )

    def update_story(
        self,
        story_id: int,
        *,
        title: str | None = None,
        summary: str | None = None,
        centroid: bytes | None = None,
        differences: list[dict[str, Any]] | None = None,
    ) -> None:
        """Set the given fields and recount the story's articles, outlets and last update."""
        values: dict[str, Any] = {}
        if title is not None:
            values["title"] = title
        if summary is not None:
            values["summary"] = summary
        if centroid is not None:
            values["centroid"] = centroid
        if differences is not None:
            values["differences"] = json.dumps(differences, ensure_ascii=False)
        members = select(articles.c.source_id, articles.c.published, articles.c.fetched).where(
            articles.c.story_id == story_id
        )
        with explain_errors(self.engine), self.engine.begin() as conn:
            rows = conn.execute(members).all()
            latest = max((row.published or row.fetched for row in rows), default=None)
            values["article_count"] = len(rows)
            values["source_count"] = len({row.source_id for row in rows})
            if latest is not None:
                values["updated"] = latest
            conn.execute(update(stories).where(stories.c.id == story_id).values(**values))

    def articles_to_cluster(self, limit: int = 500) -> list[int]:
        """Enriched articles (with a vector) not yet placed in a story, oldest first."""
        query = (
            select(articles.c.id)
            .join(enrichments, enrichments.c.article_id == articles.c.id)
            .where(articles.c.story_id.is_(None), enrichments.c.vector.is_not(None))
            .order_by(articles.c.id)
            .limit(limit)
        )
        with explain_errors(self.engine), self.engine.connect() as conn:
            return [row[0] for row in conn.execute(query)]

    def story_ids_by_key(self, keys: Sequence[str]) -> dict[str, int]:
        query = select(stories.c.index_key, stories.c.id).where(stories.c.index_key.in_(list(keys)))
        with explain_errors(self.engine), self.engine.connect() as conn:
            return {row.index_key: row.id for row in conn.execute(query)}

    def load_story_index(self) -> bytes | None:
        with explain_errors(self.engine), self.engine.connect() as conn:
            return conn.execute(
                select(story_index_state.c.snapshot).where(story_index_state.c.id == 1)
            ).scalar()

    @contextmanager
    def story_index_lock(self) -> Iterator[None]:
        """Hold the story-index lock for the block, waiting as long as another process has it.

        Story assignment loads the index, changes it in memory and saves it back: two
        processes at once would each save their own copy and lose the other's stories.
        On PostgreSQL this is a session-level advisory lock on a connection of its own, so
        the server frees it if the holder dies; SQLite has one process, nobody to exclude.
        """
        if self.engine.dialect.name != "postgresql":
            yield
            return
        with self.engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": STORY_INDEX_LOCK})
            conn.commit()
            try:
                yield
            finally:
                _unlock(conn)

    def save_story_index(self, snapshot: bytes) -> None:
        """Keep the online clustering state, so a restarted process continues where it stopped."""
        with explain_errors(self.engine), self.engine.begin() as conn:
            conn.execute(delete(story_index_state))
            conn.execute(insert(story_index_state).values(id=1, snapshot=snapshot, updated=utcnow()))

    def merge_stories(self, keep_id: int, drop_id: int) -> None:
        with explain_errors(self.engine), self.engine.begin() as conn:
            conn.execute(update(articles).where(articles.c.story_id == drop_id).values(story_id=keep_id))
            conn.execute(delete(stories).where(stories.c.id == drop_id))
        self.update_story(keep_id)

    def get_story(self, story_id: int) -> Story | None:
        with explain_errors(self.engine), self.engine.connect() as conn:
            row = conn.execute(select(stories).where(stories.c.id == story_id)).first()
        return story_from_row(row) if row else None

    def story_centroids(self, since: datetime | None = None) -> list[tuple[int, bytes, datetime]]:
        query = select(stories.c.id, stories.c.centroid, stories.c.updated).where(
            stories.c.centroid.is_not(None)
        )
        if since is not None:
            query = query.where(stories.c.updated >= since)
        with explain_errors(self.engine), self.engine.connect() as conn:
            return [(row.id, row.centroid, row.updated) for row in conn.execute(query)]

    def story_articles(self, story_id: int) -> list[Article]:
        query = (
            select(articles)
            .where(articles.c.story_id == story_id)
            .order_by(func.coalesce(articles.c.published, articles.c.fetched), articles.c.id)
        )
        with explain_errors(self.engine), self.engine.connect() as conn:
            return [article_from_row(row) for row in conn.execute(query)]

    def top_stories(
        self, limit: int = 20, since: datetime | None = None, min_sources: int = 1
    ) -> list[Story]:
        """Stories covered by the most outlets, most recently updated first among equals."""
        query = (
            select(stories)
            .where(stories.c.source_count >= min_sources)
            .order_by(desc(stories.c.source_count), desc(stories.c.updated), desc(stories.c.id))
            .limit(limit)
        )
        if since is not None:
            query = query.where(stories.c.updated >= since)
        with explain_errors(self.engine), self.engine.connect() as conn:
            return [story_from_row(row) for row in conn.execute(query)]

    def save_related(self, article_id: int, related: Sequence[tuple[int, float]]) -> None:
        with explain_errors(self.engine), self.engine.begin() as conn:
            conn.execute(delete(related_articles).where(related_articles.c.article_id == article_id))
            if related:
                conn.execute(
                    insert(related_articles),
                    [
                        {"article_id": article_id, "related_id": other, "score": score, "rank": rank}
                        for rank, (other, score) in enumerate(related)
                        if other != article_id
                    ],
                )

    def related_articles(self, article_id: int, limit: int = 6) -> list[RelatedArticle]:
        query = (
            select(articles, related_articles.c.score)
            .join(related_articles, related_articles.c.related_id == articles.c.id)
            .where(related_articles.c.article_id == article_id)
            .order_by(related_articles.c.rank)
            .limit(limit)
        )
        with explain_errors(self.engine), self.engine.connect() as conn:
            return [RelatedArticle(article_from_row(row), float(row.score)) for row in conn.execute(query)]

    def get_entity(self, entity_id: int) -> Entity | None:
        with explain_errors(self.engine), self.engine.connect() as conn:
            row = conn.execute(select(entities).where(entities.c.id == entity_id)).first()
        return Entity(id=row.id, name=row.name, type=row.type) if row else None

    def entity_articles(self, entity_id: int, limit: int = 50) -> list[Article]:
        query = (
            select(articles)
            .join(article_entities, article_entities.c.article_id == articles.c.id)
            .where(article_entities.c.entity_id == entity_id)
            .order_by(desc(func.coalesce(articles.c.published, articles.c.fetched)), desc(articles.c.id))
            .limit(limit)
        )
        with explain_errors(self.engine), self.engine.connect() as conn:
            return [article_from_row(row) for row in conn.execute(query)]

    def entity_quotes(self, entity_id: int, limit: int = 50) -> list[Quote]:
        query = select(quotes).where(quotes.c.entity_id == entity_id).order_by(desc(quotes.c.id)).limit(limit)
        with explain_errors(self.engine), self.engine.connect() as conn:
            return [quote_from_row(row) for row in conn.execute(query)]

    def co_occurring_entities(self, entity_id: int, limit: int = 12) -> list[EntityCount]:
        mine = select(article_entities.c.article_id).where(article_entities.c.entity_id == entity_id)
        return self._entity_counts(mine, limit, leave_out=entity_id)

    def story_entities(self, story_id: int, limit: int = 15) -> list[EntityCount]:
        members = select(articles.c.id).where(articles.c.story_id == story_id)
        return self._entity_counts(members, limit)

    def _entity_counts(self, article_ids: Any, limit: int, leave_out: int | None = None) -> list[EntityCount]:
        """Entities of the given articles, by how many of them mention each."""
        count = func.count().label("n")
        query = (
            select(entities, count)
            .join(article_entities, article_entities.c.entity_id == entities.c.id)
            .where(article_entities.c.article_id.in_(article_ids))
            .group_by(entities.c.id, entities.c.name, entities.c.type, entities.c.key)
            .order_by(desc(count), entities.c.name)
            .limit(limit)
        )
        if leave_out is not None:
            query = query.where(entities.c.id != leave_out)
        with explain_errors(self.engine), self.engine.connect() as conn:
            return [
                EntityCount(Entity(id=row.id, name=row.name, type=row.type), int(row.n))
                for row in conn.execute(query)
            ]

    def story_quotes(self, story_id: int) -> list[Quote]:
        members = select(articles.c.id).where(articles.c.story_id == story_id)
        query = (
            select(quotes)
            .where(quotes.c.article_id.in_(members))
            .order_by(quotes.c.article_id, quotes.c.start)
        )
        with explain_errors(self.engine), self.engine.connect() as conn:
            return [quote_from_row(row) for row in conn.execute(query)]


def _unlock(conn: Connection) -> None:
    try:
        conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": STORY_INDEX_LOCK})
        conn.commit()
    except Exception:
        log.warning("could not release the story-index lock; closing its connection instead", exc_info=True)
        conn.invalidate()
