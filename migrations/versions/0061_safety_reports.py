"""safety: reports to moderators, and members moderators took out of collab rounds

Revision ID: 0061
Revises: 0001
Create Date: 2026-11-29 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0061"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "safety_report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("reporter_id", sa.BigInteger(), nullable=False),
        sa.Column("target_id", sa.BigInteger(), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=True),
        sa.Column("details", sa.String(length=1000), nullable=True),
        sa.Column("channel_id", sa.BigInteger(), nullable=True),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.Column("in_dm", sa.Boolean(), nullable=False),
        sa.Column("notice", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("open_key", sa.String(length=80), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("handled_by", sa.BigInteger(), nullable=True),
        sa.Column("handled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("removed_from_collabs", sa.Boolean(), nullable=False),
        sa.Column("let_back", sa.Boolean(), nullable=False),
        sa.Column("post_removed", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_safety_report")),
        sa.UniqueConstraint("open_key", name=op.f("uq_safety_report_open_key")),
    )
    with op.batch_alter_table("safety_report", schema=None) as batch_op:
        batch_op.create_index(
            "ix_safety_report_reporter", ["guild_id", "reporter_id", "status"], unique=False
        )

    op.create_table(
        "collab_removal",
        sa.Column("guild_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("removed_by", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.String(length=100), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("guild_id", "user_id", name=op.f("pk_collab_removal")),
    )


def downgrade() -> None:
    op.drop_table("collab_removal")
    with op.batch_alter_table("safety_report", schema=None) as batch_op:
        batch_op.drop_index("ix_safety_report_reporter")
    op.drop_table("safety_report")
