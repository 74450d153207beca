"""safety: age groups (a guild's settings, each member's own answer)

Revision ID: 0060
Revises: 0001
Create Date: 2026-12-02 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0060"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "safety_settings",
        sa.Column("guild_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("separate_ages", sa.Boolean(), nullable=False),
        sa.Column("adult_role_id", sa.BigInteger(), nullable=True),
        sa.Column("adults_by", sa.String(length=8), nullable=False),
        sa.Column("adults_only_by", sa.BigInteger(), nullable=True),
        sa.Column("adults_only_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("guild_id", name=op.f("pk_safety_settings")),
    )
    op.create_table(
        "safety_member_age",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("answer", sa.String(length=8), nullable=False),
        sa.Column("source", sa.String(length=12), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_safety_member_age")),
        sa.UniqueConstraint(
            "guild_id", "user_id", name=op.f("uq_safety_member_age_guild_id_user_id")
        ),
    )


def downgrade() -> None:
    op.drop_table("safety_member_age")
    op.drop_table("safety_settings")
