"""Users, sessions, throttling events, API tokens, saved searches, reading state and the audit log."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, and_, delete, desc, exists, func, insert, or_, select, update
from sqlalchemy.engine import Connection

from gazette.models import Role, Subscription, User
from gazette.store.db import StoreError, explain_errors
from gazette.store.schema import (
    api_tokens,
    article_states,
    articles,
    audit_log,
    feed_entries,
    feeds,
    rate_events,
    saved_searches,
    sessions,
    subscriptions,
    users,
)
from gazette.store.util import chunks, utcnow
from gazette.store.views import BRIEF_COLUMNS, ArticleBrief, brief_from_row

STATE_BATCH = 500


@dataclass(slots=True)
class ApiToken:
    id: int
    user_id: int
    name: str
    created: datetime
    last_used: datetime | None
    revoked: bool


@dataclass(slots=True)
class SavedSearch:
    id: int
    user_id: int
    name: str
    query: str
    created: datetime


@dataclass(slots=True)
class AuditEntry:
    id: int
    actor_id: int | None
    actor_name: str | None
    action: str
    target_type: str
    target_id: int | None
    detail: str
    created: datetime


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


def _token(row: Any) -> ApiToken:
    return ApiToken(
        id=row.id,
        user_id=row.user_id,
        name=row.name,
        created=row.created,
        last_used=row.last_used,
        revoked=row.revoked,
    )


class AccountStore:
    engine: Engine

    # users

    def add_user(self, user: User) -> User:
        with explain_errors(self.engine), self.engine.begin() as conn:
            taken = conn.execute(
                select(users.c.id).where(func.lower(users.c.username) == user.username.lower())
            ).first()
            if taken is not None:
                raise StoreError(f"username {user.username!r} is taken")
            created = utcnow()
            key = conn.execute(
                insert(users).values(
                    username=user.username,
                    email=user.email,
                    password_hash=user.password_hash,
                    role=user.role.value,
                    created=created,
                    suspended=user.suspended,
                )
            ).inserted_primary_key
        assert key is not None
        return User(
            id=key[0],
            username=user.username,
            email=user.email,
            password_hash=user.password_hash,
            role=user.role,
            created=created,
            suspended=user.suspended,
        )

    def user_by_name(self, username: str) -> User | None:
        """The user called ``username``, compared case-insensitively (``Alice`` is ``alice``)."""
        with explain_errors(self.engine), self.engine.connect() as conn:
            row = conn.execute(select(users).where(func.lower(users.c.username) == username.lower())).first()
        return _user(row) if row else None

    def get_user(self, user_id: int) -> User | None:
        with explain_errors(self.engine), self.engine.connect() as conn:
            row = conn.execute(select(users).where(users.c.id == user_id)).first()
        return _user(row) if row else None

    def list_users(self, limit: int = 200, offset: int = 0) -> list[User]:
        with explain_errors(self.engine), self.engine.connect() as conn:
            rows = conn.execute(select(users).order_by(users.c.id).limit(limit).offset(offset)).all()
        return [_user(row) for row in rows]

    def count_users(self) -> int:
        with explain_errors(self.engine), self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(users)).scalar_one())

    def set_password_hash(self, user_id: int, password_hash: str) -> None:
        with explain_errors(self.engine), self.engine.begin() as conn:
            conn.execute(update(users).where(users.c.id == user_id).values(password_hash=password_hash))

    def set_role(self, user_id: int, role: Role) -> None:
        with explain_errors(self.engine), self.engine.begin() as conn:
            conn.execute(update(users).where(users.c.id == user_id).values(role=role.value))

    def set_suspended(self, user_id: int, suspended: bool) -> None:
        """Suspend (ending every session of the user at once) or reinstate a user."""
        with explain_errors(self.engine), self.engine.begin() as conn:
            conn.execute(update(users).where(users.c.id == user_id).values(suspended=suspended))
            if suspended:
                conn.execute(delete(sessions).where(sessions.c.user_id == user_id))

    def delete_user(self, user_id: int) -> None:
        """Remove the user; their comments stay, shown as by a deleted user (``user_id`` becomes NULL)."""
        with explain_errors(self.engine), self.engine.begin() as conn:
            conn.execute(delete(users).where(users.c.id == user_id))

    # sessions

    def add_session(self, session_id: str, user_id: int, expires: datetime) -> None:
        with explain_errors(self.engine), self.engine.begin() as conn:
            conn.execute(
                insert(sessions).values(id=session_id, user_id=user_id, created=utcnow(), expires=expires)
            )

    def session_user(self, session_id: str, now: datetime | None = None) -> User | None:
        """The active, unsuspended user of an unexpired session, else None."""
        query = (
            select(users)
            .join(sessions, sessions.c.user_id == users.c.id)
            .where(sessions.c.id == session_id, sessions.c.expires > (now or utcnow()))
            .where(users.c.suspended.is_(False))
        )
        with explain_errors(self.engine), self.engine.connect() as conn:
            row = conn.execute(query).first()
        return _user(row) if row else None

    def delete_session(self, session_id: str) -> None:
        with explain_errors(self.engine), self.engine.begin() as conn:
            conn.execute(delete(sessions).where(sessions.c.id == session_id))

    def delete_user_sessions(self, user_id: int) -> int:
        with explain_errors(self.engine), self.engine.begin() as conn:
            return conn.execute(delete(sessions).where(sessions.c.user_id == user_id)).rowcount

    def purge_expired_sessions(self, now: datetime | None = None) -> int:
        with explain_errors(self.engine), self.engine.begin() as conn:
            return conn.execute(delete(sessions).where(sessions.c.expires <= (now or utcnow()))).rowcount

    # throttling

    def record_event(self, kind: str, key: str, when: datetime | None = None) -> None:
        with explain_errors(self.engine), self.engine.begin() as conn:
            conn.execute(insert(rate_events).values(kind=kind, key=key[:200], created=when or utcnow()))

    def count_events(self, kind: str, key: str, since: datetime) -> int:
        query = (
            select(func.count())
            .select_from(rate_events)
            .where(rate_events.c.kind == kind, rate_events.c.key == key[:200], rate_events.c.created > since)
        )
        with explain_errors(self.engine), self.engine.connect() as conn:
            return int(conn.execute(query).scalar_one())

    def clear_events(self, kind: str, key: str) -> None:
        with explain_errors(self.engine), self.engine.begin() as conn:
            conn.execute(
                delete(rate_events).where(rate_events.c.kind == kind, rate_events.c.key == key[:200])
            )

    def purge_events(self, before: datetime) -> int:
        with explain_errors(self.engine), self.engine.begin() as conn:
            return conn.execute(delete(rate_events).where(rate_events.c.created <= before)).rowcount

    # API tokens

    def add_api_token(self, user_id: int, name: str, token_hash: str) -> ApiToken:
        created = utcnow()
        with explain_errors(self.engine), self.engine.begin() as conn:
            key = conn.execute(
                insert(api_tokens).values(
                    user_id=user_id, name=name, token_hash=token_hash, created=created, revoked=False
                )
            ).inserted_primary_key
        assert key is not None
        return ApiToken(id=key[0], user_id=user_id, name=name, created=created, last_used=None, revoked=False)

    def api_tokens(self, user_id: int) -> list[ApiToken]:
        query = select(api_tokens).where(api_tokens.c.user_id == user_id).order_by(api_tokens.c.id)
        with explain_errors(self.engine), self.engine.connect() as conn:
            return [_token(row) for row in conn.execute(query)]

    def revoke_api_token(self, user_id: int, token_id: int) -> bool:
        """Revoke one of ``user_id``'s own tokens; False when it is not theirs or does not exist."""
        with explain_errors(self.engine), self.engine.begin() as conn:
            changed = conn.execute(
                update(api_tokens)
                .where(api_tokens.c.id == token_id, api_tokens.c.user_id == user_id)
                .values(revoked=True)
            ).rowcount
        return changed > 0

    def user_for_token_hash(self, token_hash: str) -> User | None:
        """The unsuspended owner of an unrevoked token (and note that it was used), else None."""
        query = (
            select(users, api_tokens.c.id.label("token_id"))
            .join(api_tokens, api_tokens.c.user_id == users.c.id)
            .where(api_tokens.c.token_hash == token_hash, api_tokens.c.revoked.is_(False))
            .where(users.c.suspended.is_(False))
        )
        with explain_errors(self.engine), self.engine.begin() as conn:
            row = conn.execute(query).first()
            if row is None:
                return None
            conn.execute(update(api_tokens).where(api_tokens.c.id == row.token_id).values(last_used=utcnow()))
        return _user(row)

    # saved searches

    def add_saved_search(self, user_id: int, name: str, query_text: str) -> SavedSearch:
        created = utcnow()
        with explain_errors(self.engine), self.engine.begin() as conn:
            key = conn.execute(
                insert(saved_searches).values(user_id=user_id, name=name, query=query_text, created=created)
            ).inserted_primary_key
        assert key is not None
        return SavedSearch(id=key[0], user_id=user_id, name=name, query=query_text, created=created)

    def saved_searches(self, user_id: int) -> list[SavedSearch]:
        query = (
            select(saved_searches).where(saved_searches.c.user_id == user_id).order_by(saved_searches.c.id)
        )
        with explain_errors(self.engine), self.engine.connect() as conn:
            return [
                SavedSearch(id=r.id, user_id=r.user_id, name=r.name, query=r.query, created=r.created)
                for r in conn.execute(query)
            ]

    def delete_saved_search(self, user_id: int, search_id: int) -> bool:
        with explain_errors(self.engine), self.engine.begin() as conn:
            gone = conn.execute(
                delete(saved_searches).where(
                    saved_searches.c.id == search_id, saved_searches.c.user_id == user_id
                )
            ).rowcount
        return gone > 0

    # subscriptions and reading state

    def subscribe_user(self, user_id: int, feed_id: int) -> bool:
        """Subscribe ``user_id`` to a feed; False when already subscribed or the feed does not exist."""
        with explain_errors(self.engine), self.engine.begin() as conn:
            if conn.execute(select(feeds.c.id).where(feeds.c.id == feed_id)).first() is None:
                return False
            present = conn.execute(
                select(subscriptions.c.feed_id).where(
                    subscriptions.c.user_id == user_id, subscriptions.c.feed_id == feed_id
                )
            ).first()
            if present is not None:
                return False
            conn.execute(insert(subscriptions).values(user_id=user_id, feed_id=feed_id))
        return True

    def unsubscribe_user(self, user_id: int, feed_id: int) -> bool:
        with explain_errors(self.engine), self.engine.begin() as conn:
            gone = conn.execute(
                delete(subscriptions).where(
                    subscriptions.c.user_id == user_id, subscriptions.c.feed_id == feed_id
                )
            ).rowcount
        return gone > 0

    def user_subscriptions(self, user_id: int) -> list[Subscription]:
        query = (
            select(subscriptions).where(subscriptions.c.user_id == user_id).order_by(subscriptions.c.feed_id)
        )
        with explain_errors(self.engine), self.engine.connect() as conn:
            return [
                Subscription(user_id=r.user_id, feed_id=r.feed_id, category=r.category, title=r.title)
                for r in conn.execute(query)
            ]

    def set_article_state(
        self,
        user_id: int,
        article_ids: Sequence[int],
        *,
        read: bool | None = None,
        starred: bool | None = None,
    ) -> int:
        """Set read and/or starred on existing articles for one user, in bulk; returns how many exist."""
        changes = {name: value for name, value in (("read", read), ("starred", starred)) if value is not None}
        now = utcnow()
        found = 0
        with explain_errors(self.engine), self.engine.begin() as conn:
            for batch in chunks(list(dict.fromkeys(article_ids)), STATE_BATCH):
                existing = [
                    int(row.id) for row in conn.execute(select(articles.c.id).where(articles.c.id.in_(batch)))
                ]
                found += len(existing)
                if changes and existing:
                    _upsert_states(conn, user_id, existing, changes, now)
        return found

    def article_state(self, user_id: int, article_id: int) -> tuple[bool, bool]:
        """(read, starred) of one article for one user."""
        query = select(article_states.c.read, article_states.c.starred).where(
            article_states.c.user_id == user_id, article_states.c.article_id == article_id
        )
        with explain_errors(self.engine), self.engine.connect() as conn:
            row = conn.execute(query).first()
        return (bool(row.read), bool(row.starred)) if row else (False, False)

    def starred_briefs(self, user_id: int, limit: int = 50, offset: int = 0) -> list[ArticleBrief]:
        query = (
            select(*BRIEF_COLUMNS)
            .join(article_states, article_states.c.article_id == articles.c.id)
            .where(article_states.c.user_id == user_id, article_states.c.starred.is_(True))
            .order_by(desc(article_states.c.updated), desc(articles.c.id))
            .limit(limit)
            .offset(offset)
        )
        with explain_errors(self.engine), self.engine.connect() as conn:
            return [brief_from_row(row) for row in conn.execute(query)]

    def unread_briefs(self, user_id: int, limit: int = 50, offset: int = 0) -> list[ArticleBrief]:
        """Newest articles the user has not read, from their subscribed feeds (all feeds when none)."""
        read = exists().where(
            article_states.c.user_id == user_id,
            article_states.c.article_id == articles.c.id,
            article_states.c.read.is_(True),
        )
        query = select(*BRIEF_COLUMNS).where(~read, articles.c.duplicate_of.is_(None))
        subscribed = select(subscriptions.c.feed_id).where(subscriptions.c.user_id == user_id)
        with explain_errors(self.engine), self.engine.connect() as conn:
            if conn.execute(subscribed.limit(1)).first() is not None:
                in_feeds = exists().where(
                    feed_entries.c.article_id == articles.c.id, feed_entries.c.feed_id.in_(subscribed)
                )
                query = query.where(or_(articles.c.feed_id.in_(subscribed), in_feeds))
            when = func.coalesce(articles.c.published, articles.c.fetched)
            rows = conn.execute(query.order_by(desc(when), desc(articles.c.id)).limit(limit).offset(offset))
            return [brief_from_row(row) for row in rows]

    # audit log

    def add_audit(
        self, actor_id: int | None, action: str, target_type: str, target_id: int | None, detail: str = ""
    ) -> None:
        with explain_errors(self.engine), self.engine.begin() as conn:
            conn.execute(
                insert(audit_log).values(
                    actor_id=actor_id,
                    action=action,
                    target_type=target_type,
                    target_id=target_id,
                    detail=detail,
                    created=utcnow(),
                )
            )

    def audit_entries(self, limit: int = 100) -> list[AuditEntry]:
        query = (
            select(audit_log, users.c.username)
            .outerjoin(users, users.c.id == audit_log.c.actor_id)
            .order_by(desc(audit_log.c.id))
            .limit(limit)
        )
        with explain_errors(self.engine), self.engine.connect() as conn:
            return [
                AuditEntry(
                    id=r.id,
                    actor_id=r.actor_id,
                    actor_name=r.username,
                    action=r.action,
                    target_type=r.target_type,
                    target_id=r.target_id,
                    detail=r.detail,
                    created=r.created,
                )
                for r in conn.execute(query)
            ]


def _upsert_states(
    conn: Connection, user_id: int, batch: Sequence[int], changes: dict[str, bool], now: datetime
) -> None:
    """Update the user's state rows of ``batch`` and insert the missing ones (unset marks False)."""
    mine = and_(article_states.c.user_id == user_id, article_states.c.article_id.in_(batch))
    conn.execute(update(article_states).where(mine).values(updated=now, **changes))
    present = {int(row.article_id) for row in conn.execute(select(article_states.c.article_id).where(mine))}
    missing = [i for i in batch if i not in present]
    if missing:
        values = {"read": False, "starred": False, **changes}
        conn.execute(
            insert(article_states),
            [{"user_id": user_id, "article_id": i, "updated": now, **values} for i in missing],
        )
