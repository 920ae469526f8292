"""stories: near-duplicate links, related articles, story differences

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # No batch (copy-and-rename) on SQLite's articles table: that would drop the FTS triggers.
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "ALTER TABLE articles ADD COLUMN duplicate_of INTEGER "
            "CONSTRAINT fk_articles_duplicate_of_articles REFERENCES articles (id) ON DELETE SET NULL"
        )
    else:
        op.add_column("articles", sa.Column("duplicate_of", sa.Integer(), nullable=True))
        op.create_foreign_key(
            "fk_articles_duplicate_of_articles",
            "articles",
            "articles",
            ["duplicate_of"],
            ["id"],
            ondelete="SET NULL",
        )
    with op.batch_alter_table("stories") as batch:
        batch.add_column(sa.Column("differences", sa.Text(), nullable=False, server_default="[]"))
        batch.add_column(sa.Column("source_count", sa.Integer(), nullable=False, server_default="0"))
    op.create_table(
        "related_articles",
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("related_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name=op.f("fk_related_articles_article_id_articles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["related_id"],
            ["articles.id"],
            name=op.f("fk_related_articles_related_id_articles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("article_id", "related_id", name=op.f("pk_related_articles")),
    )


def downgrade() -> None:
    op.drop_table("related_articles")
    with op.batch_alter_table("stories") as batch:
        batch.drop_column("source_count")
        batch.drop_column("differences")
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE articles DROP COLUMN duplicate_of")
    else:
        op.drop_constraint("fk_articles_duplicate_of_articles", "articles", type_="foreignkey")
        op.drop_column("articles", "duplicate_of")
