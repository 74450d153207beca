"""shoutouts: a pitch is for one rotation (or, from other features, for any)

Revision ID: 0021
Revises: 0020
Create Date: 2026-11-29 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | Sequence[str] | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("shoutout_pitch", schema=None) as batch_op:
        batch_op.add_column(sa.Column("rotation_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_shoutout_pitch_rotation_id_shoutout_rotation"),
            "shoutout_rotation",
            ["rotation_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("shoutout_pitch", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_shoutout_pitch_rotation_id_shoutout_rotation"), type_="foreignkey"
        )
        batch_op.drop_column("rotation_id")
