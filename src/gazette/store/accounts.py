"""Users, their subscriptions and reading state, and comments."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, insert, select

from gazette.models import Role, User
from gazette.store.db import StoreError, explain_errors
from gazette.store.schema import users
from gazette.store.util import utcnow


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


class AccountStore:
    engine: Engine

    def add_user(self, user: User) -> User:
        with explain_errors(self.engine), self.engine.begin() as conn:
            taken = conn.execute(select(users.c.id).where(users.c.username == user.username)).first()
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
        with explain_errors(self.engine), self.engine.connect() as conn:
            row = conn.execute(select(users).where(users.c.username == username)).first()
        return _user(row) if row else None
