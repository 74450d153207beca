"""collabs: why each member was left out of a round; pending intros found by index

Revision ID: 0031
Revises: 0030
Create Date: 2026-11-29 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0031"
down_revision: str | Sequence[str] | None = "0030"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("collab_round", schema=None) as batch_op:
        batch_op.add_column(sa.Column("unplaced_why", sa.JSON(), nullable=True))
    with op.batch_alter_table("collab_group", schema=None) as batch_op:
        batch_op.create_index("ix_collab_group_intro", ["intro", "round_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("collab_group", schema=None) as batch_op:
        batch_op.drop_index("ix_collab_group_intro")
    with op.batch_alter_table("collab_round", schema=None) as batch_op:
        batch_op.drop_column("unplaced_why")
