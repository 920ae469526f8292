"""The typed records every stage reads and writes.

Plain dataclasses, no behaviour beyond small derived values: stages pass these
between each other and the store maps them to and from tables. Times are
timezone-aware UTC ``datetime`` objects throughout.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class FeedStatus(StrEnum):
    NEW = "new"
    OK = "ok"
    FAILED = "failed"
    PAUSED = "paused"
    GONE = "gone"


class PausedBy(StrEnum):
    USER = "user"
    AUTO = "auto"


class Role(StrEnum):
    READER = "reader"
    MODERATOR = "moderator"
    ADMIN = "admin"


class CommentStatus(StrEnum):
    VISIBLE = "visible"
    HELD = "held"
    HIDDEN = "hidden"
    DELETED = "deleted"


class QuoteKind(StrEnum):
    DIRECT = "direct"
    PARTIAL = "partial"
    INDIRECT = "indirect"


@dataclass(slots=True)
class Source:
    """A publisher, keyed by scheme + host + port of its site (``https://example.com:443``)."""

    key: str
    name: str
    site_url: str
    favicon_url: str | None = None
    id: int | None = None


@dataclass(slots=True)
class Feed:
    url: str
    source_id: int | None = None
    title: str | None = None
    site_url: str | None = None
    category: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    status: FeedStatus = FeedStatus.NEW
    paused_by: PausedBy | None = None
    error: str | None = None
    failing_since: datetime | None = None
    error_count: int = 0
    last_fetched: datetime | None = None
    next_poll: datetime | None = None
    interval_seconds: int = 3600
    id: int | None = None


@dataclass(slots=True)
class Article:
    url: str
    canonical_url: str
    title: str
    source_id: int | None = None
    feed_id: int | None = None
    guid: str | None = None
    author: str | None = None
    published: datetime | None = None
    updated: datetime | None = None
    fetched: datetime | None = None
    language: str | None = None
    summary: str | None = None
    text: str = ""
    html: str = ""
    image: str | None = None
    content_hash: str | None = None
    partial: bool = False
    needs_page: bool = False
    extracted: bool = False
    story_id: int | None = None
    duplicate_of: int | None = None
    id: int | None = None


@dataclass(slots=True)
class Story:
    title: str
    summary: str = ""
    created: datetime | None = None
    updated: datetime | None = None
    article_count: int = 0
    source_count: int = 0
    differences: list[dict[str, object]] = field(default_factory=list)
    id: int | None = None


@dataclass(slots=True)
class Entity:
    name: str
    type: str
    id: int | None = None


@dataclass(slots=True)
class Quote:
    article_id: int
    text: str
    start: int
    end: int
    kind: QuoteKind
    speaker: str | None = None
    speaker_span: tuple[int, int] | None = None
    cue: str | None = None
    id: int | None = None


@dataclass(slots=True)
class User:
    username: str
    password_hash: str
    role: Role = Role.READER
    email: str | None = None
    created: datetime | None = None
    suspended: bool = False
    id: int | None = None


@dataclass(slots=True)
class Subscription:
    user_id: int
    feed_id: int
    category: str | None = None
    title: str | None = None


@dataclass(slots=True)
class ArticleState:
    """Per-user reading state of one article."""

    user_id: int
    article_id: int
    read: bool = False
    starred: bool = False


@dataclass(slots=True)
class Comment:
    user_id: int | None
    body: str
    body_html: str
    article_id: int | None = None
    story_id: int | None = None
    parent_id: int | None = None
    status: CommentStatus = CommentStatus.VISIBLE
    created: datetime | None = None
    edited: datetime | None = None
    id: int | None = None


@dataclass(slots=True)
class SearchHit:
    article_id: int
    title: str
    snippet: str
    source_name: str | None
    published: datetime | None
    rank: float = 0.0


@dataclass(slots=True)
class Stats:
    sources: int = 0
    feeds: int = 0
    articles: int = 0
    stories: int = 0
    entities: int = 0
    quotes: int = 0
    users: int = 0
    comments: int = 0
