"""Sources (publishers) and feeds."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Engine, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from gazette.models import Feed, FeedStatus, PausedBy, Source
from gazette.store.db import explain_errors
from gazette.store.schema import feed_entries, feeds, sources
from gazette.store.util import utcnow

ACTIVE = (FeedStatus.NEW.value, FeedStatus.OK.value, FeedStatus.FAILED.value)


def _source(row: Any) -> Source:
    return Source(id=row.id, key=row.key, name=row.name, site_url=row.site_url, favicon_url=row.favicon_url)


def _feed(row: Any) -> Feed:
    return Feed(
        id=row.id,
        url=row.url,
        source_id=row.source_id,
        title=row.title,
        site_url=row.site_url,
        category=row.category,
        etag=row.etag,
        last_modified=row.last_modified,
        status=FeedStatus(row.status),
        paused_by=PausedBy(row.paused_by) if row.paused_by else None,
        error=row.error,
        failing_since=row.failing_since,
        error_count=row.error_count,
        last_fetched=row.last_fetched,
        next_poll=row.next_poll,
        interval_seconds=row.interval_seconds,
    )


def _feed_values(feed: Feed) -> dict[str, Any]:
    return {
        "url": feed.url,
        "source_id": feed.source_id,
        "title": feed.title,
        "site_url": feed.site_url,
        "category": feed.category,
        "etag": feed.etag,
        "last_modified": feed.last_modified,
        "status": feed.status.value,
        "paused_by": feed.paused_by.value if feed.paused_by else None,
        "error": feed.error,
        "failing_since": feed.failing_since,
        "error_count": feed.error_count,
        "last_fetched": feed.last_fetched,
        "next_poll": feed.next_poll,
        "interval_seconds": feed.interval_seconds,
    }


class FeedStore:
    engine: Engine

    def source_for(self, source: Source) -> Source:
        """The stored source with ``source.key``, created from ``source`` when new.

        Safe against another writer creating the same source at the same moment
        (a second process, or a worker thread): the loser reads the winner's row.
        """
        found = self._source_by_key(source.key)
        if found is not None:
            return found
        new_id = None
        with explain_errors(self.engine):
            try:
                with self.engine.begin() as conn:
                    new_id = conn.execute(
                        insert(sources).values(
                            key=source.key,
                            name=source.name,
                            site_url=source.site_url,
                            favicon_url=source.favicon_url,
                            created=utcnow(),
                        )
                    ).inserted_primary_key
            except IntegrityError:
                found = self._source_by_key(source.key)
                if found is None:
                    raise
                return found
        assert new_id is not None
        return Source(
            id=new_id[0],
            key=source.key,
            name=source.name,
            site_url=source.site_url,
            favicon_url=source.favicon_url,
        )

    def _source_by_key(self, key: str) -> Source | None:
        with explain_errors(self.engine), self.engine.connect() as conn:
            row = conn.execute(select(sources).where(sources.c.key == key)).first()
        return _source(row) if row else None

    def update_source(self, source: Source) -> None:
        with explain_errors(self.engine), self.engine.begin() as conn:
            conn.execute(
                update(sources)
                .where(sources.c.id == source.id)
                .values(name=source.name, site_url=source.site_url, favicon_url=source.favicon_url)
            )

    def get_source(self, source_id: int) -> Source | None:
        with explain_errors(self.engine), self.engine.connect() as conn:
            row = conn.execute(select(sources).where(sources.c.id == source_id)).first()
        return _source(row) if row else None

    def list_sources(self) -> list[Source]:
        with explain_errors(self.engine), self.engine.connect() as conn:
            return [_source(r) for r in conn.execute(select(sources).order_by(sources.c.name))]

    def add_feed(self, feed: Feed) -> tuple[Feed, bool]:
        """Store ``feed`` unless its URL is known; returns the stored feed and whether it was new."""
        with explain_errors(self.engine), self.engine.begin() as conn:
            row = conn.execute(select(feeds).where(feeds.c.url == feed.url)).first()
            if row is not None:
                return _feed(row), False
            values = _feed_values(feed) | {"created": utcnow()}
            key = conn.execute(insert(feeds).values(**values)).inserted_primary_key
            assert key is not None
            row = conn.execute(select(feeds).where(feeds.c.id == key[0])).one()
            return _feed(row), True

    def get_feed(self, feed_id: int) -> Feed | None:
        with explain_errors(self.engine), self.engine.connect() as conn:
            row = conn.execute(select(feeds).where(feeds.c.id == feed_id)).first()
        return _feed(row) if row else None

    def list_feeds(self) -> list[Feed]:
        with explain_errors(self.engine), self.engine.connect() as conn:
            return [_feed(r) for r in conn.execute(select(feeds).order_by(feeds.c.id))]

    def save_feed(self, feed: Feed) -> None:
        assert feed.id is not None
        with explain_errors(self.engine), self.engine.begin() as conn:
            conn.execute(update(feeds).where(feeds.c.id == feed.id).values(**_feed_values(feed)))

    def due_feeds(self, now: datetime | None = None, limit: int | None = None) -> list[Feed]:
        """Active feeds whose next poll time has come (or was never set), soonest first."""
        now = now or utcnow()
        query = (
            select(feeds)
            .where(feeds.c.status.in_(ACTIVE))
            .where(or_(feeds.c.next_poll.is_(None), feeds.c.next_poll <= now))
            .order_by(feeds.c.next_poll.is_(None).desc(), feeds.c.next_poll)
        )
        if limit is not None:
            query = query.limit(limit)
        with explain_errors(self.engine), self.engine.connect() as conn:
            return [_feed(r) for r in conn.execute(query)]

    def active_feeds(self) -> list[Feed]:
        with explain_errors(self.engine), self.engine.connect() as conn:
            rows = conn.execute(select(feeds).where(feeds.c.status.in_(ACTIVE)).order_by(feeds.c.id))
            return [_feed(r) for r in rows]

    def article_counts_by_feed(self) -> dict[int, int]:
        query = select(feed_entries.c.feed_id, func.count()).group_by(feed_entries.c.feed_id)
        with explain_errors(self.engine), self.engine.connect() as conn:
            return {feed_id: count for feed_id, count in conn.execute(query)}
