"""safety: the guild's AutoMod keyword rules as read, moderators' blocked words, reading state

Revision ID: 0063
Revises: 0001
Create Date: 2026-11-29 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0063"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "safety_automod_rule",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("rule_id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("trigger_type", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("keywords", sa.JSON(), nullable=False),
        sa.Column("regex_patterns", sa.JSON(), nullable=False),
        sa.Column("allow_list", sa.JSON(), nullable=False),
        sa.Column("presets", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_safety_automod_rule")),
        sa.UniqueConstraint(
            "guild_id", "rule_id", name=op.f("uq_safety_automod_rule_guild_id_rule_id")
        ),
    )
    with op.batch_alter_table("safety_automod_rule", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_safety_automod_rule_guild_id"), ["guild_id"], unique=False
        )

    op.create_table(
        "safety_blocked_word",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("word", sa.String(length=60), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_safety_blocked_word")),
        sa.UniqueConstraint("guild_id", "word", name=op.f("uq_safety_blocked_word_guild_id_word")),
    )
    with op.batch_alter_table("safety_blocked_word", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_safety_blocked_word_guild_id"), ["guild_id"], unique=False
        )

    op.create_table(
        "safety_rules_state",
        sa.Column("guild_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("readable", sa.Boolean(), nullable=True),
        sa.Column("refreshed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("told_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("guild_id", name=op.f("pk_safety_rules_state")),
    )


def downgrade() -> None:
    op.drop_table("safety_rules_state")
    with op.batch_alter_table("safety_blocked_word", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_safety_blocked_word_guild_id"))
    op.drop_table("safety_blocked_word")
    with op.batch_alter_table("safety_automod_rule", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_safety_automod_rule_guild_id"))
    op.drop_table("safety_automod_rule")
