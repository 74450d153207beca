"""pulse: the weekly pulse post setting, and a covering index for check-in runs

Revision ID: 0070
Revises: 0005
Create Date: 2026-11-29 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0070"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
#: the index is on the check-ins' answers
depends_on: str | Sequence[str] | None = "0050"


def upgrade() -> None:
    op.create_table(
        "pulse_post",
        sa.Column("guild_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("channel_id", sa.BigInteger(), nullable=True),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("guild_id", name=op.f("pk_pulse_post")),
    )
    op.create_index(
        "ix_checkin_answer_guild_period_user",
        "checkin_answer",
        ["guild_id", "period", "user_id"],
    )


def downgrade() -> None:
    op.drop_index("ix_checkin_answer_guild_period_user", table_name="checkin_answer")
    op.drop_table("pulse_post")
