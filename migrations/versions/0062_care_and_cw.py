"""care after a low check-in (care settings, outreach asked) and content warnings on pitches

Revision ID: 0062
Revises: 0050 (and needs 0021)
Create Date: 2026-12-02 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0062"
# It alters tables of two branches of 0001 (check-ins: 0050; shoutouts: 0020–0021). Revising
# 0001 alone lets Alembic run it before they exist (sibling branches have no order), and
# depends_on with 0001 as parent trips Alembic's head tracking; so it follows 0050 and needs 0021.
down_revision: str | Sequence[str] | None = "0050"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = "0021"


def upgrade() -> None:
    with op.batch_alter_table("checkin_config", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("care_enabled", sa.Boolean(), nullable=False, server_default=sa.true())
        )
        batch_op.add_column(sa.Column("care_channel_id", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("care_resources", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("care_set_by", sa.BigInteger(), nullable=True))
    with op.batch_alter_table("checkin_answer", schema=None) as batch_op:
        batch_op.add_column(sa.Column("outreach_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("shoutout_pitch", schema=None) as batch_op:
        batch_op.add_column(sa.Column("content_warning", sa.String(length=100), nullable=True))
    with op.batch_alter_table("shoutout_feature", schema=None) as batch_op:
        batch_op.add_column(sa.Column("content_warning", sa.String(length=100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("shoutout_feature", schema=None) as batch_op:
        batch_op.drop_column("content_warning")
    with op.batch_alter_table("shoutout_pitch", schema=None) as batch_op:
        batch_op.drop_column("content_warning")
    with op.batch_alter_table("checkin_answer", schema=None) as batch_op:
        batch_op.drop_column("outreach_at")
    with op.batch_alter_table("checkin_config", schema=None) as batch_op:
        batch_op.drop_column("care_set_by")
        batch_op.drop_column("care_resources")
        batch_op.drop_column("care_channel_id")
        batch_op.drop_column("care_enabled")
