"""Engines, migrations and the errors a user can act on.

Every failure here becomes a :class:`StoreError` whose message names the
problem and the fix in one line; the CLI prints it without a traceback.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DatabaseError, OperationalError
from sqlalchemy.pool import NullPool


class StoreError(Exception):
    """A database problem with a one-line explanation and fix."""


class UnmigratedDatabase(StoreError):
    pass


SUPPORTED = ("sqlite", "postgresql")
SQLITE_BUSY_TIMEOUT_MS = 5000


def create_store_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite gets WAL, foreign keys and a busy timeout on every connection."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise StoreError(f"database URL {url!r} is not a valid URL (e.g. sqlite:///gazette.db)") from None
    backend = parsed.get_backend_name()
    if backend not in SUPPORTED:
        raise StoreError(
            f"database URL scheme {parsed.drivername!r} is not supported; use sqlite:///PATH or postgresql://..."
        )
    if backend == "postgresql":
        if parsed.drivername == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg")
        return create_engine(parsed, pool_pre_ping=True, pool_size=10, max_overflow=20)
    return _sqlite_engine(url, parsed.database)


def _sqlite_engine(url: str, database: str | None) -> Engine:
    if database and database != ":memory:":
        directory = Path(database).expanduser().resolve().parent
        if not directory.is_dir():
            raise StoreError(f"directory {directory} for the SQLite database does not exist; create it first")
    engine = create_engine(url, poolclass=NullPool if not database else None)

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    return engine


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", "gazette.store:migrations")
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    return config


def head_revision(engine: Engine) -> str:
    head = ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    with explain_errors(engine), engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def migrate(engine: Engine) -> tuple[str | None, str]:
    """Upgrade the database in place; returns (revision before, revision after)."""
    before = current_revision(engine)
    config = alembic_config(engine)
    with explain_errors(engine), engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    return before, head_revision(engine)


def check_migrated(engine: Engine) -> None:
    current, head = current_revision(engine), head_revision(engine)
    if current != head:
        state = "not initialised" if current is None else f"at revision {current}, not {head}"
        raise UnmigratedDatabase(
            f"database {safe_url(engine)} is {state}; run `gazette migrate --db {safe_url(engine)}`"
        )


def safe_url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=True)


class explain_errors:
    """Turn driver errors into StoreError with a hint."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, _tb: object) -> None:
        if exc is None or isinstance(exc, StoreError) or not isinstance(exc, DatabaseError):
            return
        raise StoreError(_explain(self.engine, exc)) from exc


def _explain(engine: Engine, exc: DatabaseError) -> str:
    where = safe_url(engine)
    message = str(exc.orig) if exc.orig is not None else str(exc)
    first_line = message.strip().splitlines()[0] if message.strip() else type(exc).__name__
    lowered = message.lower()
    if "file is not a database" in lowered or "malformed" in lowered:
        return (
            f"{where} is not a valid SQLite database (corrupted?); restore a backup or point --db elsewhere"
        )
    if "readonly" in lowered or "read-only" in lowered:
        return f"{where} is read-only; make the data directory writable or set GAZETTE_DATA_DIR"
    if "unable to open database" in lowered:
        return f"cannot open {where}; check that the directory exists and is writable"
    if isinstance(exc, OperationalError) and engine.dialect.name == "postgresql":
        return f"cannot reach PostgreSQL at {where}: {first_line}; is the server running and the URL right?"
    return f"database error on {where}: {first_line}"
