"""welcome: Discord's joined_at of each stay, so one join seen by two sessions is welcomed once

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("welcome_onboarding", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("discord_joined_at", sa.DateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("welcome_onboarding", schema=None) as batch_op:
        batch_op.drop_column("discord_joined_at")
