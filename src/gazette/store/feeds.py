"""Sources (publishers) and feeds."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, bindparam, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from gazette.models import Feed, FeedStatus, PausedBy, Source
from gazette.store.db import explain_errors
from gazette.store.schema import articles, feed_entries, feeds, sources
from gazette.store.util import chunks, utcnow

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


POLLED_COLUMNS = (
    "source_id",
    "site_url",
    "etag",
    "last_modified",
    "status",
    "paused_by",
    "error",
    "failing_since",
    "error_count",
    "last_fetched",
    "next_poll",
    "interval_seconds",
)
_SAVE_POLLED = (
    update(feeds)
    .where(
        feeds.c.id == bindparam("p_id"),
        feeds.c.status == bindparam("p_status_before", type_=feeds.c.status.type),
    )
    .values(
        {name: bindparam(f"p_{name}", type_=feeds.c[name].type) for name in POLLED_COLUMNS}
        | {"title": func.coalesce(feeds.c.title, bindparam("p_title", type_=feeds.c.title.type))}
    )
)
_RECENT_HASHES = (
    select(feed_entries.c.entry_key, articles.c.content_hash)
    .join(articles, articles.c.id == feed_entries.c.article_id)
    .where(feed_entries.c.feed_id == bindparam("feed_id"))
    .order_by(feed_entries.c.article_id.desc())
    .limit(bindparam("limit"))
)
ID_BATCH = 500


class PolledFeedStore:
    """Bulk reads and writes for a polling round: building one statement per feed costs more
    than the fetch itself (~1 ms to read a feed row, ~2 ms to write one)."""

    engine: Engine

    def get_feeds(self, feed_ids: Sequence[int]) -> list[Feed]:
        """The stored feeds among ``feed_ids``, in that order (unknown ids are left out)."""
        ids = list(dict.fromkeys(feed_ids))
        found: dict[int, Feed] = {}
        with explain_errors(self.engine), self.engine.connect() as conn:
            for chunk in chunks(ids, ID_BATCH):
                rows = conn.execute(select(feeds).where(feeds.c.id.in_(chunk)))
                found.update((row.id, _feed(row)) for row in rows)
        return [found[feed_id] for feed_id in ids if feed_id in found]

    def save_polled_feeds(self, polled: Sequence[tuple[Feed, FeedStatus]]) -> None:
        """Write what polling changed, in one executemany.

        Only the columns polling owns are written (the title only when it was empty), and
        only while a feed's status is still the one it was read with: a feed paused or
        resumed by someone else meanwhile keeps their change.
        """
        rows = []
        for feed, status_before in polled:
            values = _feed_values(feed)
            row = {f"p_{name}": values[name] for name in POLLED_COLUMNS}
            row.update(p_id=feed.id, p_title=values["title"], p_status_before=status_before.value)
            rows.append(row)
        if rows:
            with explain_errors(self.engine), self.engine.begin() as conn:
                conn.execute(_SAVE_POLLED, rows)

    def recent_entry_hashes(self, feed_id: int, limit: int) -> dict[str, str]:
        """Content hashes of the feed's ``limit`` newest stored entries, by entry key."""
        with explain_errors(self.engine), self.engine.connect() as conn:
            rows = conn.execute(_RECENT_HASHES, {"feed_id": feed_id, "limit": limit})
            return {key: content_hash for key, content_hash in rows if content_hash is not None}
