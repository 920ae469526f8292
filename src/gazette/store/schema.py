"""Tables, as SQLAlchemy Core metadata shared by both backends.

The migrations in ``store/migrations`` create exactly these tables; the
full-text index (FTS5 on SQLite, a tsvector column on PostgreSQL) is
backend-specific and lives only in the migrations and ``store/search.py``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in and out, on SQLite (naive storage) and PostgreSQL (timestamptz)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; use aware UTC times")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING)

sources = Table(
    "sources",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("key", String(300), nullable=False, unique=True),
    Column("name", String(300), nullable=False),
    Column("site_url", Text, nullable=False),
    Column("favicon_url", Text),
    Column("created", UTCDateTime, nullable=False),
)

feeds = Table(
    "feeds",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("url", Text, nullable=False, unique=True),
    Column("source_id", Integer, ForeignKey("sources.id", ondelete="SET NULL")),
    Column("title", Text),
    Column("site_url", Text),
    Column("category", String(200)),
    Column("etag", Text),
    Column("last_modified", Text),
    Column("status", String(16), nullable=False, default="new"),
    Column("paused_by", String(8)),
    Column("error", Text),
    Column("failing_since", UTCDateTime),
    Column("error_count", Integer, nullable=False, default=0),
    Column("last_fetched", UTCDateTime),
    Column("next_poll", UTCDateTime),
    Column("interval_seconds", Integer, nullable=False, default=3600),
    Column("created", UTCDateTime, nullable=False),
    Index(None, "next_poll"),
)

stories = Table(
    "stories",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("title", Text, nullable=False),
    Column("summary", Text, nullable=False, default=""),
    Column("created", UTCDateTime, nullable=False),
    Column("updated", UTCDateTime, nullable=False),
    Column("article_count", Integer, nullable=False, default=0),
    Column("centroid", LargeBinary),
    Column("differences", Text, nullable=False, default="[]", server_default="[]"),
    Column("source_count", Integer, nullable=False, default=0, server_default="0"),
    Column("index_key", String(64)),
    Index(None, "updated"),
    Index(None, "index_key", unique=True),
)

story_index_state = Table(
    "story_index_state",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("snapshot", LargeBinary, nullable=False),
    Column("updated", UTCDateTime, nullable=False),
)

articles = Table(
    "articles",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("url", Text, nullable=False),
    Column("canonical_url", Text, nullable=False, unique=True),
    Column("source_id", Integer, ForeignKey("sources.id", ondelete="SET NULL")),
    Column("feed_id", Integer, ForeignKey("feeds.id", ondelete="SET NULL")),
    Column("guid", Text),
    Column("title", Text, nullable=False),
    Column("author", Text),
    Column("published", UTCDateTime),
    Column("updated", UTCDateTime),
    Column("fetched", UTCDateTime, nullable=False),
    Column("language", String(16)),
    Column("summary", Text),
    Column("text", Text, nullable=False, default=""),
    Column("html", Text, nullable=False, default=""),
    Column("image", Text),
    Column("content_hash", String(64)),
    Column("partial", Boolean, nullable=False, default=False),
    Column("needs_page", Boolean, nullable=False, default=False),
    Column("extracted", Boolean, nullable=False, default=False),
    Column("story_id", Integer, ForeignKey("stories.id", ondelete="SET NULL")),
    Column("duplicate_of", Integer, ForeignKey("articles.id", ondelete="SET NULL")),
    Index(None, "published"),
    Index(None, "source_id", "published"),
    Index(None, "story_id"),
    Index(None, "needs_page"),
    Index(None, "language"),
)

# Article lists sort by publication time, falling back to fetch time.
ARTICLE_TIME = func.coalesce(articles.c.published, articles.c.fetched)
Index("ix_articles_when", ARTICLE_TIME.desc(), articles.c.id.desc())

feed_entries = Table(
    "feed_entries",
    metadata,
    Column("feed_id", Integer, ForeignKey("feeds.id", ondelete="CASCADE"), primary_key=True),
    Column("entry_key", String(512), primary_key=True),
    Column("article_id", Integer, ForeignKey("articles.id", ondelete="CASCADE"), nullable=False),
    Index(None, "article_id"),
)

article_pages = Table(
    "article_pages",
    metadata,
    Column("article_id", Integer, ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
    Column("raw_html", Text, nullable=False),
    Column("final_url", Text),
    Column("fetched", UTCDateTime, nullable=False),
)

entities = Table(
    "entities",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("key", String(300), nullable=False),
    Column("name", String(300), nullable=False),
    Column("type", String(16), nullable=False),
    UniqueConstraint("key", "type"),
)

article_entities = Table(
    "article_entities",
    metadata,
    Column("article_id", Integer, ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
    Column("entity_id", Integer, ForeignKey("entities.id", ondelete="CASCADE"), primary_key=True),
    Column("mentions", Integer, nullable=False, default=1),
    Index(None, "entity_id"),
)

quotes = Table(
    "quotes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("article_id", Integer, ForeignKey("articles.id", ondelete="CASCADE"), nullable=False),
    Column("text", Text, nullable=False),
    Column("start", Integer, nullable=False),
    Column("end", Integer, nullable=False),
    Column("kind", String(10), nullable=False),
    Column("speaker", String(300)),
    Column("speaker_start", Integer),
    Column("speaker_end", Integer),
    Column("cue", String(60)),
    Column("entity_id", Integer, ForeignKey("entities.id", ondelete="SET NULL")),
    Index(None, "article_id"),
    Index(None, "entity_id"),
)

related_articles = Table(
    "related_articles",
    metadata,
    Column("article_id", Integer, ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
    Column("related_id", Integer, ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
    Column("score", Float, nullable=False),
    Column("rank", Integer, nullable=False),
)

enrichments = Table(
    "enrichments",
    metadata,
    Column("article_id", Integer, ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("data", Text, nullable=False, default="{}"),
    Column("vector", LargeBinary),
    Column("error", Text),
    Column("updated", UTCDateTime, nullable=False),
)

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("email", String(320)),
    Column("password_hash", Text, nullable=False),
    Column("role", String(16), nullable=False, default="reader"),
    Column("created", UTCDateTime, nullable=False),
    Column("suspended", Boolean, nullable=False, default=False),
)

subscriptions = Table(
    "subscriptions",
    metadata,
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("feed_id", Integer, ForeignKey("feeds.id", ondelete="CASCADE"), primary_key=True),
    Column("category", String(200)),
    Column("title", Text),
)

article_states = Table(
    "article_states",
    metadata,
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("article_id", Integer, ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
    Column("read", Boolean, nullable=False, default=False),
    Column("starred", Boolean, nullable=False, default=False),
    Column("updated", UTCDateTime, nullable=False),
    Index(None, "user_id", "starred"),
)

comments = Table(
    "comments",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("article_id", Integer, ForeignKey("articles.id", ondelete="CASCADE")),
    Column("story_id", Integer, ForeignKey("stories.id", ondelete="CASCADE")),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="SET NULL")),
    Column("parent_id", Integer, ForeignKey("comments.id", ondelete="CASCADE")),
    Column("body", Text, nullable=False),
    Column("body_html", Text, nullable=False),
    Column("status", String(10), nullable=False, default="visible"),
    Column("score", Float, nullable=False, default=0.0),
    Column("created", UTCDateTime, nullable=False),
    Column("edited", UTCDateTime),
    Index(None, "article_id", "created"),
    Index(None, "story_id", "created"),
)

# Reader accounts, comments and moderation (migration 0004).

sessions = Table(
    "sessions",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("created", UTCDateTime, nullable=False),
    Column("expires", UTCDateTime, nullable=False),
    Index(None, "user_id"),
)
"""Server-side sessions; ``id`` is the SHA-256 of the cookie's token, never the token itself."""

rate_events = Table(
    "rate_events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(32), nullable=False),
    Column("key", String(200), nullable=False),
    Column("created", UTCDateTime, nullable=False),
    Index(None, "kind", "key", "created"),
)
"""Timestamps of throttled actions (failed logins, comment posts) per account or IP."""

comment_reports = Table(
    "comment_reports",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("comment_id", Integer, ForeignKey("comments.id", ondelete="CASCADE"), nullable=False),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="SET NULL")),
    Column("reason", Text, nullable=False, default=""),
    Column("created", UTCDateTime, nullable=False),
    Column("resolved", Boolean, nullable=False, default=False),
    UniqueConstraint("comment_id", "user_id"),
    Index(None, "resolved"),
)

comment_votes = Table(
    "comment_votes",
    metadata,
    Column("comment_id", Integer, ForeignKey("comments.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("created", UTCDateTime, nullable=False),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("actor_id", Integer, ForeignKey("users.id", ondelete="SET NULL")),
    Column("action", String(32), nullable=False),
    Column("target_type", String(16), nullable=False),
    Column("target_id", Integer),
    Column("detail", Text, nullable=False, default=""),
    Column("created", UTCDateTime, nullable=False),
    Index(None, "created"),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(100), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created", UTCDateTime, nullable=False),
    Column("last_used", UTCDateTime),
    Column("revoked", Boolean, nullable=False, default=False),
    Index(None, "user_id"),
)
"""Tokens for the JSON API; only the SHA-256 of each token is stored."""

saved_searches = Table(
    "saved_searches",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(200), nullable=False),
    Column("query", Text, nullable=False),
    Column("created", UTCDateTime, nullable=False),
    Index(None, "user_id"),
)

Index("ix_comments_user_id_created", comments.c.user_id, comments.c.created)
Index("ix_comments_parent_id", comments.c.parent_id)

reader_credentials = Table(
    "reader_credentials",
    metadata,
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("clientlogin_hash", String(64), nullable=False, unique=True),
    Column("fever_hash", String(64), nullable=False, unique=True),
    Column("created", UTCDateTime, nullable=False),
)
"""Reader-app passwords (migration 0006): SHA-256 of the password, and of the Fever key md5("user:pass")."""

article_labels = Table(
    "article_labels",
    metadata,
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("article_id", Integer, ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
    Column("label", String(200), primary_key=True),
    Index(None, "user_id", "label"),
)
"""A user's labels on single articles (migration 0007): Google Reader ``user/-/label/<name>`` on items."""
