"""full-text index over article title and text

SQLite: an external-content FTS5 table kept in step by triggers.
PostgreSQL: a stored, generated tsvector column with a GIN index.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

SQLITE_UP = [
    """CREATE VIRTUAL TABLE article_fts USING fts5(
        title, text, content='articles', content_rowid='id',
        tokenize='porter unicode61 remove_diacritics 2')""",
    """CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles BEGIN
        INSERT INTO article_fts(rowid, title, text) VALUES (new.id, new.title, new.text);
    END""",
    """CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles BEGIN
        INSERT INTO article_fts(article_fts, rowid, title, text) VALUES ('delete', old.id, old.title, old.text);
    END""",
    """CREATE TRIGGER articles_fts_update AFTER UPDATE OF title, text ON articles BEGIN
        INSERT INTO article_fts(article_fts, rowid, title, text) VALUES ('delete', old.id, old.title, old.text);
        INSERT INTO article_fts(rowid, title, text) VALUES (new.id, new.title, new.text);
    END""",
    "INSERT INTO article_fts(article_fts) VALUES ('rebuild')",
]

SQLITE_DOWN = [
    "DROP TRIGGER articles_fts_update",
    "DROP TRIGGER articles_fts_delete",
    "DROP TRIGGER articles_fts_insert",
    "DROP TABLE article_fts",
]

POSTGRES_UP = [
    """ALTER TABLE articles ADD COLUMN search tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english', coalesce(title, '')), 'A') ||
        setweight(to_tsvector('english', coalesce(text, '')), 'B')) STORED""",
    "CREATE INDEX ix_articles_search ON articles USING gin (search)",
]

POSTGRES_DOWN = ["DROP INDEX ix_articles_search", "ALTER TABLE articles DROP COLUMN search"]


def _run(statements: list[str]) -> None:
    for statement in statements:
        op.execute(statement)


def upgrade() -> None:
    _run(SQLITE_UP if op.get_bind().dialect.name == "sqlite" else POSTGRES_UP)


def downgrade() -> None:
    _run(SQLITE_DOWN if op.get_bind().dialect.name == "sqlite" else POSTGRES_DOWN)
