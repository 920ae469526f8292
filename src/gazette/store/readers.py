"""Queries behind the reader-app APIs (Google Reader, Fever): credentials, streams, states, folders.

Everything here acts on one user's own subscriptions and reading state;
articles themselves are public, their read/starred marks are not.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import (
    ColumnElement,
    Engine,
    and_,
    asc,
    delete,
    desc,
    exists,
    func,
    insert,
    or_,
    select,
    type_coerce,
    update,
)

from gazette.models import Role, User
from gazette.store.accounts import AccountStore
from gazette.store.db import explain_errors
from gazette.store.schema import (
    ARTICLE_TIME,
    UTCDateTime,
    article_labels,
    article_states,
    articles,
    feed_entries,
    feeds,
    reader_credentials,
    subscriptions,
    users,
)
from gazette.store.util import chunks, utcnow

StreamKind = Literal["reading-list", "read", "starred", "kept-unread", "label", "feed"]
StateName = Literal["read", "unread", "starred"]
article_when = type_coerce(ARTICLE_TIME, UTCDateTime)
BATCH = 500


@dataclass(frozen=True, slots=True)
class Stream:
    """What a stream id names: a state, a folder (``label``) or one feed (``feed_id``)."""

    kind: StreamKind
    label: str | None = None
    feed_id: int | None = None


@dataclass(frozen=True, slots=True)
class StreamFilter:
    """Which items of a stream, in which order, and which page of them."""

    exclude: tuple[StateName, ...] = ()
    include: tuple[StateName, ...] = ()
    newer_than: datetime | None = None
    older_than: datetime | None = None
    oldest_first: bool = False
    offset: int = 0
    limit: int = 20


@dataclass(slots=True)
class ReaderFeed:
    feed_id: int
    url: str
    title: str
    site_url: str | None
    category: str | None


@dataclass(slots=True)
class ReaderItem:
    id: int
    feed_id: int | None
    title: str
    url: str
    author: str | None
    when: datetime
    fetched: datetime
    html: str
    summary: str | None
    read: bool
    starred: bool
    labels: tuple[str, ...] = ()


def _user(row: Any) -> User:
    return User(
        id=row.id,
        username=row.username,
        email=row.email,
        password_hash=row.password_hash,
        role=Role(row.role),
        created=row.created,
        suspended=row.suspended,
    )


def _state_is(user_id: int, column: Any) -> ColumnElement[bool]:
    return exists().where(
        article_states.c.user_id == user_id,
        article_states.c.article_id == articles.c.id,
        column.is_(True),
    )


def _has_state(user_id: int, state: StateName) -> ColumnElement[bool]:
    if state == "starred":
        return _state_is(user_id, article_states.c.starred)
    read = _state_is(user_id, article_states.c.read)
    return read if state == "read" else ~read


def _in_feeds(feed_ids: Any) -> ColumnElement[bool]:
    """Articles of these feeds: their own feed, or an entry of the feed that pointed at them."""
    via_entry = exists().where(
        feed_entries.c.article_id == articles.c.id, feed_entries.c.feed_id.in_(feed_ids)
    )
    return or_(articles.c.feed_id.in_(feed_ids), via_entry)


def _labelled(user_id: int, label: str | None) -> ColumnElement[bool]:
    return exists().where(
        article_labels.c.user_id == user_id,
        article_labels.c.label == label,
        article_labels.c.article_id == articles.c.id,
    )


def _subscribed_pairs(user_id: int) -> Any:
    """(feed_id, article_id) for every article of the user's subscribed feeds, each pair once.

    An article belongs to its own feed and to every feed with an entry pointing at it,
    as in :func:`_in_feeds`; grouping these pairs counts all feeds in one query.
    """
    subscribed = select(subscriptions.c.feed_id).where(subscriptions.c.user_id == user_id)
    own = select(articles.c.feed_id.label("feed_id"), articles.c.id.label("article_id")).where(
        articles.c.feed_id.in_(subscribed)
    )
    entries = select(feed_entries.c.feed_id, feed_entries.c.article_id).where(
        feed_entries.c.feed_id.in_(subscribed)
    )
    return own.union(entries).subquery("subscribed_pairs")


def _unread_of(user_id: int, pairs: Any) -> Any:
    """``select`` over ``pairs`` joined to their unread articles (add columns and grouping)."""
    return (
        select()
        .select_from(pairs.join(articles, articles.c.id == pairs.c.article_id))
        .where(_has_state(user_id, "unread"))
    )


class ReaderStore(AccountStore):
    """Reader-app queries: credentials, subscriptions with folders, streams and item states."""

    engine: Engine

    # credentials

    def set_reader_password(self, user_id: int, clientlogin_hash: str, fever_hash: str) -> datetime:
        """Replace the user's reader-app password (both digests); returns when it was set."""
        created = utcnow()
        with explain_errors(self.engine), self.engine.begin() as conn:
            conn.execute(delete(reader_credentials).where(reader_credentials.c.user_id == user_id))
            conn.execute(
                insert(reader_credentials).values(
                    user_id=user_id, clientlogin_hash=clientlogin_hash, fever_hash=fever_hash, created=created
                )
            )
        return created

    def revoke_reader_password(self, user_id: int) -> bool:
        with explain_errors(self.engine), self.engine.begin() as conn:
            gone = conn.execute(delete(reader_credentials).where(reader_credentials.c.user_id == user_id))
        return gone.rowcount > 0

    def reader_password_created(self, user_id: int) -> datetime | None:
        query = select(reader_credentials.c.created).where(reader_credentials.c.user_id == user_id)
        with explain_errors(self.engine), self.engine.connect() as conn:
            value = conn.execute(query).scalar()
        return value if isinstance(value, datetime) else None

    def reader_digest(self, user_id: int) -> str | None:
        """The stored ClientLogin digest; auth tokens are derived from it, so replacing it revokes them."""
        query = select(reader_credentials.c.clientlogin_hash).where(reader_credentials.c.user_id == user_id)
        with explain_errors(self.engine), self.engine.connect() as conn:
            value = conn.execute(query).scalar()
        return str(value) if value is not None else None

    def user_for_clientlogin(self, username: str, clientlogin_hash: str) -> User | None:
        """The unsuspended user called ``username`` (any case) whose reader-app password has this digest."""
        query = (
            select(users)
            .join(reader_credentials, reader_credentials.c.user_id == users.c.id)
            .where(func.lower(users.c.username) == username.lower())
            .where(reader_credentials.c.clientlogin_hash == clientlogin_hash, users.c.suspended.is_(False))
        )
        with explain_errors(self.engine), self.engine.connect() as conn:
            row = conn.execute(query).first()
        return _user(row) if row else None

    def user_for_fever_key(self, fever_hash: str) -> User | None:
        query = (
            select(users)
            .join(reader_credentials, reader_credentials.c.user_id == users.c.id)
            .where(reader_credentials.c.fever_hash == fever_hash, users.c.suspended.is_(False))
        )
        with explain_errors(self.engine), self.engine.connect() as conn:
            row = conn.execute(query).first()
        return _user(row) if row else None

    def active_user(self, user_id: int) -> User | None:
        query = select(users).where(users.c.id == user_id, users.c.suspended.is_(False))
        with explain_errors(self.engine), self.engine.connect() as conn:
            row = conn.execute(query).first()
        return _user(row) if row else None

    # subscriptions and folders

    def reader_feeds(self, user_id: int) -> list[ReaderFeed]:
        """The user's subscriptions with their feeds, by title."""
        query = (
            select(
                feeds.c.id,
                feeds.c.url,
                feeds.c.title.label("feed_title"),
                feeds.c.site_url,
                subscriptions.c.title,
                subscriptions.c.category,
            )
            .join(subscriptions, subscriptions.c.feed_id == feeds.c.id)
            .where(subscriptions.c.user_id == user_id)
            .order_by(feeds.c.id)
        )
        with explain_errors(self.engine), self.engine.connect() as conn:
            rows = conn.execute(query).all()
        found = [
            ReaderFeed(
                feed_id=row.id,
                url=row.url,
                title=row.title or row.feed_title or row.url,
                site_url=row.site_url,
                category=row.category,
            )
            for row in rows
        ]
        return sorted(found, key=lambda feed: (feed.title.lower(), feed.feed_id))

    def feed_id_for_url(self, url: str) -> int | None:
        with explain_errors(self.engine), self.engine.connect() as conn:
            value = conn.execute(select(feeds.c.id).where(feeds.c.url == url)).scalar()
        return int(value) if value is not None else None

    def feed_ids_for_urls(self, urls: Sequence[str]) -> dict[str, int]:
        """The ids of the feeds polled at any of ``urls`` (exact URLs), in batched queries."""
        found: dict[str, int] = {}
        with explain_errors(self.engine), self.engine.connect() as conn:
            for batch in chunks(list(dict.fromkeys(urls)), BATCH):
                query = select(feeds.c.url, feeds.c.id).where(feeds.c.url.in_(batch))
                found.update({str(row.url): int(row.id) for row in conn.execute(query)})
        return found

    def feed_exists(self, feed_id: int) -> bool:
        with explain_errors(self.engine), self.engine.connect() as conn:
            return conn.execute(select(feeds.c.id).where(feeds.c.id == feed_id)).first() is not None

    def edit_subscription(
        self,
        user_id: int,
        feed_id: int,
        *,
        title: str | None = None,
        category: str | Literal[False] | None = False,
    ) -> bool:
        """Rename and/or move (``category=None`` takes it out of its folder); False when not subscribed."""
        values: dict[str, Any] = {}
        if title is not None:
            values["title"] = title
        if category is not False:
            values["category"] = category
        where = and_(subscriptions.c.user_id == user_id, subscriptions.c.feed_id == feed_id)
        with explain_errors(self.engine), self.engine.begin() as conn:
            if conn.execute(select(subscriptions.c.feed_id).where(where)).first() is None:
                return False
            if values:
                conn.execute(update(subscriptions).where(where).values(**values))
        return True

    def rename_folder(self, user_id: int, old: str, new: str | None) -> int:
        """Rename a label, as folder and item label (``new=None`` removes it); returns subscriptions moved."""
        query = (
            update(subscriptions)
            .where(subscriptions.c.user_id == user_id, subscriptions.c.category == old)
            .values(category=new)
        )
        mine = and_(article_labels.c.user_id == user_id, article_labels.c.label == old)
        with explain_errors(self.engine), self.engine.begin() as conn:
            moved = conn.execute(query).rowcount
            if new is not None and new != old:
                already = select(article_labels.c.article_id).where(
                    article_labels.c.user_id == user_id, article_labels.c.label == new
                )
                conn.execute(delete(article_labels).where(mine, article_labels.c.article_id.in_(already)))
                conn.execute(update(article_labels).where(mine).values(label=new))
            elif new is None:
                conn.execute(delete(article_labels).where(mine))
        return moved

    def item_labels(self, user_id: int) -> list[str]:
        """The labels the user put on single articles (``edit-tag``), by name."""
        query = select(article_labels.c.label).where(article_labels.c.user_id == user_id).distinct()
        with explain_errors(self.engine), self.engine.connect() as conn:
            return sorted(str(row.label) for row in conn.execute(query))

    def set_labels(
        self, user_id: int, article_ids: Sequence[int], *, add: Sequence[str] = (), remove: Sequence[str] = ()
    ) -> int:
        """Put labels on / take them off existing articles; returns how many of the ids exist."""
        found = self.existing_ids(article_ids)
        with explain_errors(self.engine), self.engine.begin() as conn:
            for batch in chunks(found, BATCH):
                mine = and_(article_labels.c.user_id == user_id, article_labels.c.article_id.in_(batch))
                if remove:
                    conn.execute(delete(article_labels).where(mine, article_labels.c.label.in_(list(remove))))
                for label in dict.fromkeys(add):
                    present = {
                        int(row.article_id)
                        for row in conn.execute(
                            select(article_labels.c.article_id).where(mine, article_labels.c.label == label)
                        )
                    }
                    missing = [i for i in batch if i not in present]
                    if missing:
                        rows = [{"user_id": user_id, "article_id": i, "label": label} for i in missing]
                        conn.execute(insert(article_labels), rows)
        return len(found)

    def folders(self, user_id: int) -> list[str]:
        query = (
            select(subscriptions.c.category)
            .where(subscriptions.c.user_id == user_id, subscriptions.c.category.is_not(None))
            .distinct()
        )
        with explain_errors(self.engine), self.engine.connect() as conn:
            return sorted(str(row.category) for row in conn.execute(query) if row.category)

    # streams

    def _scope(self, user_id: int, stream: Stream) -> ColumnElement[bool]:
        """Which articles a stream holds for this user."""
        subscribed = select(subscriptions.c.feed_id).where(subscriptions.c.user_id == user_id)
        if stream.kind == "read":
            return _has_state(user_id, "read")
        if stream.kind == "starred":
            return _has_state(user_id, "starred")
        if stream.kind == "feed":
            return _in_feeds([stream.feed_id if stream.feed_id is not None else -1])
        if stream.kind == "label":
            folder = _in_feeds(subscribed.where(subscriptions.c.category == stream.label))
            return or_(folder, _labelled(user_id, stream.label))
        if stream.kind == "kept-unread":
            return and_(_in_feeds(subscribed), _has_state(user_id, "unread"))
        return _in_feeds(subscribed)

    def _stream_query(self, user_id: int, stream: Stream, chosen: StreamFilter) -> Any:
        conditions = [self._scope(user_id, stream)]
        conditions += [~_has_state(user_id, state) for state in chosen.exclude]
        conditions += [_has_state(user_id, state) for state in chosen.include]
        if chosen.newer_than is not None:
            conditions.append(article_when >= chosen.newer_than)
        if chosen.older_than is not None:
            conditions.append(article_when < chosen.older_than)
        return and_(*conditions)

    def stream_ids(self, user_id: int, stream: Stream, chosen: StreamFilter) -> list[int]:
        """One page of article ids, newest first (or oldest first)."""
        order = asc if chosen.oldest_first else desc
        query = (
            select(articles.c.id)
            .where(self._stream_query(user_id, stream, chosen))
            .order_by(order(article_when), order(articles.c.id))
            .limit(chosen.limit)
            .offset(chosen.offset)
        )
        with explain_errors(self.engine), self.engine.connect() as conn:
            return [int(row.id) for row in conn.execute(query)]

    def ids_by_article_id(
        self, user_id: int, stream: Stream, *, since_id: int = 0, max_id: int | None = None, limit: int = 50
    ) -> list[int]:
        """Ids above ``since_id`` ascending, or below ``max_id`` descending (Fever pages by id, not time)."""
        scope = self._scope(user_id, stream)
        if max_id is not None:
            query = select(articles.c.id).where(scope, articles.c.id < max_id).order_by(desc(articles.c.id))
        else:
            query = select(articles.c.id).where(scope, articles.c.id > since_id).order_by(asc(articles.c.id))
        with explain_errors(self.engine), self.engine.connect() as conn:
            return [int(row.id) for row in conn.execute(query.limit(limit))]

    def stream_count(self, user_id: int, stream: Stream) -> int:
        query = select(func.count()).select_from(articles).where(self._scope(user_id, stream))
        with explain_errors(self.engine), self.engine.connect() as conn:
            return int(conn.execute(query).scalar_one())

    def items(self, user_id: int, article_ids: Sequence[int]) -> list[ReaderItem]:
        """The articles with these ids and this user's marks on them, in the order asked."""
        found: dict[int, ReaderItem] = {}
        with explain_errors(self.engine), self.engine.connect() as conn:
            for batch in chunks(list(dict.fromkeys(article_ids)), BATCH):
                query = (
                    select(
                        articles.c.id,
                        articles.c.feed_id,
                        articles.c.title,
                        articles.c.url,
                        articles.c.author,
                        article_when.label("when"),
                        articles.c.fetched,
                        articles.c.html,
                        articles.c.summary,
                        article_states.c.read,
                        article_states.c.starred,
                    )
                    .outerjoin(
                        article_states,
                        and_(
                            article_states.c.article_id == articles.c.id, article_states.c.user_id == user_id
                        ),
                    )
                    .where(articles.c.id.in_(batch))
                )
                labels: dict[int, list[str]] = {}
                label_query = (
                    select(article_labels.c.article_id, article_labels.c.label)
                    .where(article_labels.c.user_id == user_id, article_labels.c.article_id.in_(batch))
                    .order_by(article_labels.c.label)
                )
                for row in conn.execute(label_query):
                    labels.setdefault(int(row.article_id), []).append(str(row.label))
                for row in conn.execute(query):
                    found[row.id] = ReaderItem(
                        id=row.id,
                        feed_id=row.feed_id,
                        title=row.title,
                        url=row.url,
                        author=row.author,
                        when=row.when,
                        fetched=row.fetched,
                        html=row.html,
                        summary=row.summary,
                        read=bool(row.read),
                        starred=bool(row.starred),
                        labels=tuple(labels.get(row.id, ())),
                    )
        return [found[i] for i in article_ids if i in found]

    def unread_counts(self, user_id: int) -> dict[int, tuple[int, datetime | None]]:
        """For each subscribed feed with unread articles: (unread articles, newest unread article time).

        One grouped query for all feeds (it used to be one query per subscribed feed).
        """
        pairs = _subscribed_pairs(user_id)
        query = (
            _unread_of(user_id, pairs)
            .add_columns(pairs.c.feed_id, func.count(), func.max(article_when))
            .group_by(pairs.c.feed_id)
        )
        with explain_errors(self.engine), self.engine.connect() as conn:
            return {int(row[0]): (int(row[1]), row[2]) for row in conn.execute(query)}

    def label_unread_counts(self, user_id: int) -> dict[str, tuple[int, datetime | None]]:
        """For each label (folder or item label) with unread articles: (unread, newest), in one query."""
        pairs = _subscribed_pairs(user_id)
        in_folders = (
            select(subscriptions.c.category.label("label"), pairs.c.article_id)
            .join(pairs, pairs.c.feed_id == subscriptions.c.feed_id)
            .where(subscriptions.c.user_id == user_id, subscriptions.c.category.is_not(None))
        )
        on_items = select(article_labels.c.label, article_labels.c.article_id).where(
            article_labels.c.user_id == user_id
        )
        labelled = in_folders.union(on_items).subquery("labelled")
        query = (
            _unread_of(user_id, labelled)
            .add_columns(labelled.c.label, func.count(), func.max(article_when))
            .group_by(labelled.c.label)
        )
        with explain_errors(self.engine), self.engine.connect() as conn:
            return {str(row[0]): (int(row[1]), row[2]) for row in conn.execute(query)}

    def unread_total(self, user_id: int) -> tuple[int, datetime | None]:
        """Unread articles in the reading list (each once, even when two feeds carry it) and the newest."""
        pairs = _subscribed_pairs(user_id)
        query = _unread_of(user_id, pairs).add_columns(
            func.count(func.distinct(pairs.c.article_id)), func.max(article_when)
        )
        with explain_errors(self.engine), self.engine.connect() as conn:
            row = conn.execute(query).one()
        return int(row[0]), row[1]

    # reading state

    def existing_ids(self, article_ids: Sequence[int]) -> list[int]:
        found: list[int] = []
        with explain_errors(self.engine), self.engine.connect() as conn:
            for batch in chunks(list(dict.fromkeys(article_ids)), BATCH):
                found += [
                    int(row.id) for row in conn.execute(select(articles.c.id).where(articles.c.id.in_(batch)))
                ]
        return found

    def mark_stream_read(self, user_id: int, stream: Stream, older_than: datetime | None = None) -> int:
        """Mark every unread article of a stream read (those before ``older_than`` when given)."""
        chosen = StreamFilter(exclude=("read",), older_than=older_than)
        query = select(articles.c.id).where(self._stream_query(user_id, stream, chosen))
        with explain_errors(self.engine), self.engine.connect() as conn:
            ids = [int(row.id) for row in conn.execute(query)]
        return self.set_article_state(user_id, ids, read=True)

    def state_ids(self, user_id: int, state: StateName, limit: int = 100_000) -> list[int]:
        """Ids of the user's subscribed articles in ``state`` (starred: any article), newest first."""
        stream = Stream("starred") if state == "starred" else Stream("reading-list")
        chosen = StreamFilter(include=(state,) if state != "starred" else (), limit=limit)
        return self.stream_ids(user_id, stream, chosen)
