"""The storage suite runs every test on SQLite and on PostgreSQL."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from gazette.store import Store

_counter = itertools.count()


@pytest.fixture(scope="session")
def postgres_template(postgres_url: str) -> str:
    """A migrated template database; each test gets a fresh copy of it."""
    engine = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("DROP DATABASE IF EXISTS gazette_template"))
        conn.execute(text("CREATE DATABASE gazette_template"))
    engine.dispose()
    template_url = postgres_url.rsplit("/", 1)[0] + "/gazette_template"
    store = Store(template_url)
    store.migrate()
    store.close()
    return template_url


def fresh_postgres_url(postgres_url: str, template_url: str) -> str:
    name = f"gazette_test_{next(_counter)}"
    engine = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name}"))
        conn.execute(text(f"CREATE DATABASE {name} TEMPLATE gazette_template"))
    engine.dispose()
    return template_url.rsplit("/", 1)[0] + "/" + name


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "sqlite":
        instance = Store(f"sqlite:///{tmp_path / 'gazette.db'}")
        instance.migrate()
    else:
        postgres_url = request.getfixturevalue("postgres_url")
        template = request.getfixturevalue("postgres_template")
        instance = Store(fresh_postgres_url(postgres_url, template))
    yield instance
    instance.close()
