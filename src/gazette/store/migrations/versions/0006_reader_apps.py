"""reader-app passwords for the Google Reader and Fever APIs

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reader_credentials",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("clientlogin_hash", sa.String(length=64), nullable=False),
        sa.Column("fever_hash", sa.String(length=64), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_reader_credentials_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_reader_credentials")),
        sa.UniqueConstraint("clientlogin_hash", name=op.f("uq_reader_credentials_clientlogin_hash")),
        sa.UniqueConstraint("fever_hash", name=op.f("uq_reader_credentials_fever_hash")),
    )


def downgrade() -> None:
    op.drop_table("reader_credentials")
