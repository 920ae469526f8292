"""story index state, story keys, and indexes for the article lists

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN, no batch copy: on SQLite, dropping the old stories table would null
    # every article's story_id through the foreign key.
    op.add_column("stories", sa.Column("index_key", sa.String(length=64), nullable=True))
    op.create_index(op.f("ix_stories_index_key"), "stories", ["index_key"], unique=True)
    op.create_table(
        "story_index_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("snapshot", sa.LargeBinary(), nullable=False),
        sa.Column("updated", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_story_index_state")),
    )
    op.create_index(op.f("ix_articles_language"), "articles", ["language"])
    # Article lists sort by publication time, falling back to fetch time.
    op.execute("CREATE INDEX ix_articles_when ON articles (coalesce(published, fetched) DESC, id DESC)")


def downgrade() -> None:
    op.execute("DROP INDEX ix_articles_when")
    op.drop_index(op.f("ix_articles_language"), table_name="articles")
    op.drop_table("story_index_state")
    op.drop_index(op.f("ix_stories_index_key"), table_name="stories")
    op.drop_column("stories", "index_key")
