"""a user's labels on single articles (Google Reader item tags)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "article_labels",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name=op.f("fk_article_labels_article_id_articles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_article_labels_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "article_id", "label", name=op.f("pk_article_labels")),
    )
    op.create_index(
        op.f("ix_article_labels_user_id_label"), "article_labels", ["user_id", "label"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_article_labels_user_id_label"), table_name="article_labels")
    op.drop_table("article_labels")
