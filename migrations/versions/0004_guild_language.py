"""guild language: the server's chosen language and its Discord locale

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 08:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "guild_language",
        sa.Column("guild_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("chosen", sa.String(length=10), nullable=True),
        sa.Column("discord_locale", sa.String(length=10), nullable=True),
        sa.PrimaryKeyConstraint("guild_id", name=op.f("pk_guild_language")),
    )


def downgrade() -> None:
    op.drop_table("guild_language")
