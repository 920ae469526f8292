"""Storage: one interface over SQLite (WAL, FTS5) and PostgreSQL (tsvector).

Callers use :func:`open_store`; the table groups (feeds, articles, accounts)
are implemented in their own modules and combined in :class:`Store`.
"""

from __future__ import annotations

from sqlalchemy import func, select, text

from gazette.models import Stats
from gazette.store import schema
from gazette.store.accounts import AccountStore
from gazette.store.articles import ArticleStore, SaveResult
from gazette.store.comments import CommentStore
from gazette.store.db import (
    StoreError,
    UnmigratedDatabase,
    check_migrated,
    create_store_engine,
    explain_errors,
    migrate,
    safe_url,
)
from gazette.store.enrichment import EnrichmentStore, EntityMention, StoredEnrichment
from gazette.store.feeds import FeedStore, PolledFeedStore
from gazette.store.readers import ReaderStore
from gazette.store.stories import EntityCount, RelatedArticle, StoryStore
from gazette.store.views import ViewStore

__all__ = [
    "EntityCount",
    "EntityMention",
    "RelatedArticle",
    "SaveResult",
    "Store",
    "StoreError",
    "StoredEnrichment",
    "UnmigratedDatabase",
    "open_store",
]

COUNTED = {
    "sources": schema.sources,
    "feeds": schema.feeds,
    "articles": schema.articles,
    "stories": schema.stories,
    "entities": schema.entities,
    "quotes": schema.quotes,
    "users": schema.users,
    "comments": schema.comments,
}


class Store(
    FeedStore,
    PolledFeedStore,
    ArticleStore,
    EnrichmentStore,
    StoryStore,
    ReaderStore,
    AccountStore,
    CommentStore,
    ViewStore,
):
    def __init__(self, url: str) -> None:
        self.engine = create_store_engine(url)

    @property
    def url(self) -> str:
        return safe_url(self.engine)

    @property
    def backend(self) -> str:
        return self.engine.dialect.name

    def migrate(self) -> tuple[str | None, str]:
        return migrate(self.engine)

    def check(self) -> None:
        """Raise UnmigratedDatabase (with the fix) unless the schema is current."""
        check_migrated(self.engine)

    def ping(self) -> bool:
        with explain_errors(self.engine), self.engine.connect() as conn:
            return conn.execute(text("SELECT 1")).scalar() == 1

    def stats(self) -> Stats:
        with explain_errors(self.engine), self.engine.connect() as conn:
            counts = {
                name: int(conn.execute(select(func.count()).select_from(table)).scalar_one())
                for name, table in COUNTED.items()
            }
        return Stats(**counts)

    def close(self) -> None:
        self.engine.dispose()


def open_store(url: str, *, migrated: bool = True) -> Store:
    """Open the store at ``url``; by default refuse a database that is not migrated."""
    store = Store(url)
    if migrated:
        store.check()
    return store
