"""delivery leases: claim owners and process heartbeats

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 05:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "process_lease",
        sa.Column("owner", sa.String(length=64), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("shard_count", sa.Integer(), nullable=True),
        sa.Column("shard_ids", sa.String(length=200), nullable=True),
        sa.Column("host", sa.String(length=200), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("owner", name=op.f("pk_process_lease")),
    )
    with op.batch_alter_table("scheduled_slot", schema=None) as batch_op:
        batch_op.add_column(sa.Column("owner", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("guild_id", sa.BigInteger(), nullable=True))
        batch_op.create_index("ix_scheduled_slot_open", ["status", "kind"], unique=False)
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.add_column(sa.Column("claimed_by", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.drop_column("claimed_by")
    with op.batch_alter_table("scheduled_slot", schema=None) as batch_op:
        batch_op.drop_index("ix_scheduled_slot_open")
        batch_op.drop_column("guild_id")
        batch_op.drop_column("owner")
    op.drop_table("process_lease")
