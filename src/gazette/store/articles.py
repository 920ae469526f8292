"""Articles, the feed entries that point at them, raw pages, and full-text search."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, delete, func, insert, select, update
from sqlalchemy.engine import Connection

from gazette.models import Article
from gazette.store.db import explain_errors
from gazette.store.schema import article_pages, article_states, articles, feed_entries
from gazette.store.util import chunks, utcnow

BATCH = 500
ARTICLE_FIELDS = (
    "url",
    "canonical_url",
    "source_id",
    "feed_id",
    "guid",
    "title",
    "author",
    "published",
    "updated",
    "fetched",
    "language",
    "summary",
    "text",
    "html",
    "image",
    "content_hash",
    "partial",
    "needs_page",
    "extracted",
    "story_id",
    "duplicate_of",
)


@dataclass(slots=True)
class SaveResult:
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    new_ids: tuple[int, ...] = ()
    page_ids: tuple[int, ...] = ()
    """Ids of new articles that need their page fetched."""


def article_from_row(row: Any) -> Article:
    return Article(id=row.id, **{name: getattr(row, name) for name in ARTICLE_FIELDS})


def _values(article: Article) -> dict[str, Any]:
    return {name: getattr(article, name) for name in ARTICLE_FIELDS}


def _inserted_ids(conn: Connection, new: list[Article]) -> dict[str, int]:
    """Insert ``new`` in one executemany; their ids by canonical URL."""
    if not new:
        return {}
    statement = insert(articles).returning(articles.c.canonical_url, articles.c.id)
    rows = conn.execute(statement, [_values(article) for article in new]).all()
    return {url: int(article_id) for url, article_id in rows}


class ArticleStore:
    engine: Engine

    def save_entries(self, feed_id: int, entries: list[tuple[str, Article]]) -> SaveResult:
        """Store a feed's entries, keyed by entry key within the feed and unique by canonical URL.

        Runs in batches of short transactions so a 10,000-entry feed neither
        holds a long write lock nor builds one huge statement.
        """
        result = SaveResult()
        new_ids: list[int] = []
        page_ids: list[int] = []
        for batch in chunks(entries, BATCH):
            with explain_errors(self.engine), self.engine.begin() as conn:
                self._save_batch(conn, feed_id, batch, result, new_ids, page_ids)
        result.new_ids, result.page_ids = tuple(new_ids), tuple(page_ids)
        return result

    def save_entries_of_feeds(
        self, feeds: Sequence[tuple[int, list[tuple[str, Article]]]]
    ) -> list[SaveResult]:
        """Store several feeds' entries in one transaction: a polling round's group commit.

        A commit costs about as much as writing a feed's 20 entries, so the poller
        writes the feeds that are ready together. A feed with more than one batch of
        entries is written on its own, in short transactions (:meth:`save_entries`).
        """
        if len(feeds) == 1 or any(len(entries) > BATCH for _, entries in feeds):
            return [self.save_entries(feed_id, entries) for feed_id, entries in feeds]
        results: list[SaveResult] = []
        with explain_errors(self.engine), self.engine.begin() as conn:
            for feed_id, entries in feeds:
                result = SaveResult()
                new_ids: list[int] = []
                page_ids: list[int] = []
                self._save_batch(conn, feed_id, entries, result, new_ids, page_ids)
                result.new_ids, result.page_ids = tuple(new_ids), tuple(page_ids)
                results.append(result)
        return results

    def _save_batch(
        self,
        conn: Connection,
        feed_id: int,
        batch: Sequence[tuple[str, Article]],
        result: SaveResult,
        new_ids: list[int],
        page_ids: list[int],
    ) -> None:
        """Three lookups, one multi-row insert of the new articles, one of the entry links.

        Per-row inserts cost a statement compile each (~1 ms in SQLAlchemy), far
        more than SQLite's own work; the batch runs as one executemany.
        """
        keys = [key for key, _ in batch]
        known = dict(
            conn.execute(
                select(feed_entries.c.entry_key, feed_entries.c.article_id).where(
                    feed_entries.c.feed_id == feed_id, feed_entries.c.entry_key.in_(keys)
                )
            ).all()
        )
        urls = [article.canonical_url for key, article in batch if key not in known]
        by_url: dict[str, int] = dict(
            conn.execute(
                select(articles.c.canonical_url, articles.c.id).where(articles.c.canonical_url.in_(urls))
            ).all()
        )
        hashes = dict(
            conn.execute(
                select(articles.c.id, articles.c.content_hash).where(articles.c.id.in_(list(known.values())))
            ).all()
        )
        fresh: dict[str, Article] = {}
        linked: dict[str, str] = {}
        for key, article in batch:
            if key in linked:  # a key repeated within the batch: the first one stands
                result.unchanged += 1
                continue
            article_id = known.get(key)
            if article_id is not None:
                if hashes.get(article_id) != article.content_hash:
                    self._update_from_feed(conn, article_id, article)
                    result.updated += 1
                else:
                    result.unchanged += 1
                continue
            url = article.canonical_url
            if url in by_url or url in fresh:
                result.unchanged += 1
            else:
                fresh[url] = article
                result.new += 1
            linked[key] = url
        by_url.update(_inserted_ids(conn, list(fresh.values())))
        for url, article in fresh.items():
            new_ids.append(by_url[url])
            if article.needs_page:
                page_ids.append(by_url[url])
        links = [
            {"feed_id": feed_id, "entry_key": key, "article_id": by_url[url]} for key, url in linked.items()
        ]
        if links:
            conn.execute(insert(feed_entries), links)

    def _update_from_feed(self, conn: Connection, article_id: int, article: Article) -> None:
        """Refresh what the feed owns; text from an extracted page is kept."""
        values: dict[str, Any] = {
            "title": article.title,
            "author": article.author,
            "updated": article.updated,
            "summary": article.summary,
            "content_hash": article.content_hash,
            "image": article.image,
        }
        conn.execute(update(articles).where(articles.c.id == article_id).values(**values))
        conn.execute(
            update(articles)
            .where(articles.c.id == article_id, articles.c.extracted.is_(False))
            .values(text=article.text, html=article.html)
        )

    def get_article(self, article_id: int) -> Article | None:
        with explain_errors(self.engine), self.engine.connect() as conn:
            row = conn.execute(select(articles).where(articles.c.id == article_id)).first()
        return article_from_row(row) if row else None

    def recent_articles(
        self, limit: int = 50, offset: int = 0, source_id: int | None = None
    ) -> list[Article]:
        order = func.coalesce(articles.c.published, articles.c.fetched).desc()
        query = select(articles).order_by(order, articles.c.id.desc()).limit(limit).offset(offset)
        if source_id is not None:
            query = query.where(articles.c.source_id == source_id)
        with explain_errors(self.engine), self.engine.connect() as conn:
            return [article_from_row(r) for r in conn.execute(query)]

    def articles_needing_page(self, limit: int = 100) -> list[Article]:
        query = select(articles).where(articles.c.needs_page.is_(True)).order_by(articles.c.id).limit(limit)
        with explain_errors(self.engine), self.engine.connect() as conn:
            return [article_from_row(r) for r in conn.execute(query)]

    def save_page(self, article_id: int, raw_html: str, final_url: str | None) -> None:
        """Keep a fetched article page and take the article off the page queue."""
        with explain_errors(self.engine), self.engine.begin() as conn:
            conn.execute(delete(article_pages).where(article_pages.c.article_id == article_id))
            conn.execute(
                insert(article_pages).values(
                    article_id=article_id, raw_html=raw_html, final_url=final_url, fetched=utcnow()
                )
            )
            conn.execute(update(articles).where(articles.c.id == article_id).values(needs_page=False))

    def page_html(self, article_id: int) -> str | None:
        with explain_errors(self.engine), self.engine.connect() as conn:
            return conn.execute(
                select(article_pages.c.raw_html).where(article_pages.c.article_id == article_id)
            ).scalar()

    def give_up_page(self, article_id: int) -> None:
        with explain_errors(self.engine), self.engine.begin() as conn:
            conn.execute(update(articles).where(articles.c.id == article_id).values(needs_page=False))

    def save_article(self, article: Article) -> None:
        assert article.id is not None
        with explain_errors(self.engine), self.engine.begin() as conn:
            conn.execute(update(articles).where(articles.c.id == article.id).values(**_values(article)))

    def purge_articles(self, older_than_days: int, now: datetime | None = None) -> int:
        """Delete articles older than the retention period that no user starred."""
        cutoff = (now or utcnow()) - timedelta(days=older_than_days)
        starred = select(article_states.c.article_id).where(article_states.c.starred.is_(True))
        when = func.coalesce(articles.c.published, articles.c.fetched)
        with explain_errors(self.engine), self.engine.begin() as conn:
            result = conn.execute(delete(articles).where(when < cutoff, articles.c.id.not_in(starred)))
            return result.rowcount or 0
