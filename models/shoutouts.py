"""Shoutout rotations: the rotations moderators set up, who is in them, pitches and history."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime


class Rotation(Base):
    """A scheduled rotation of creator spotlights in one channel."""

    __tablename__ = "shoutout_rotation"
    __table_args__ = (UniqueConstraint("guild_id", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(BigInteger, index=True)
    key: Mapped[str] = mapped_column(String(40))  # casefolded name, for lookups
    name: Mapped[str] = mapped_column(String(40))
    channel_id: Mapped[int] = mapped_column(BigInteger)
    schedule: Mapped[str] = mapped_column(String(100))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    # interval schedules ("every 6h") count from here; never changes after create/edit
    schedule_anchor: Mapped[datetime] = mapped_column(UTCDateTime)
    # slots before this are never caught up (set on create, edit of the schedule and resume)
    active_from: Mapped[datetime] = mapped_column(UTCDateTime)
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    pause_reason: Mapped[str | None] = mapped_column(String(200))
    created_by: Mapped[int] = mapped_column(BigInteger)
    exclude_role_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    min_days_between: Mapped[int] = mapped_column(Integer, default=0)
    ping_featured: Mapped[bool] = mapped_column(Boolean, default=True)
    ping_role_id: Mapped[int | None] = mapped_column(BigInteger)
    required_fields: Mapped[list[str]] = mapped_column(JSON, default=list)
    current_round: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class RotationMember(Base):
    """A creator's place in a rotation.

    ``round_no`` is the round in which they are next due, ``position`` their place in it (a
    random key drawn when they enter the round, i.e. the round's stored shuffle). The head of
    the queue is one index seek: (rotation_id, active, round_no, position).
    """

    __tablename__ = "shoutout_member"
    __member_data__ = ("guild_id", "user_id")
    __table_args__ = (
        UniqueConstraint("rotation_id", "user_id"),
        Index("ix_shoutout_member_queue", "rotation_id", "active", "round_no", "position"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rotation_id: Mapped[int] = mapped_column(ForeignKey("shoutout_rotation.id", ondelete="CASCADE"))
    guild_id: Mapped[int] = mapped_column(BigInteger)
    user_id: Mapped[int] = mapped_column(BigInteger, index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # why inactive: "opted_out", "left", "excluded", "profile", "removed"
    inactive_reason: Mapped[str | None] = mapped_column(String(20))
    round_no: Mapped[int] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(BigInteger)
    times_featured: Mapped[int] = mapped_column(Integer, default=0)
    last_featured_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ShoutoutPitch(Base):
    """What to feature next time: a TikTok link and a one-line blurb; used once, by the
    rotation it is for (``rotation_id``) or, without one, by whichever features them first."""

    __tablename__ = "shoutout_pitch"
    __member_data__ = ("guild_id", "user_id")
    __table_args__ = (Index("ix_shoutout_pitch_user", "guild_id", "user_id", "used_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(BigInteger)
    user_id: Mapped[int] = mapped_column(BigInteger)
    url: Mapped[str | None] = mapped_column(String(300))
    blurb: Mapped[str] = mapped_column(String(200))
    # "CW: …" shown before the blurb, which then hides behind a spoiler
    content_warning: Mapped[str | None] = mapped_column(String(100))
    nominated_by: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rotation_id: Mapped[int | None] = mapped_column(
        ForeignKey("shoutout_rotation.id", ondelete="SET NULL")
    )


class RotationFeature(Base):
    """One slot of a rotation: who was featured (or why nobody was), for history and recovery."""

    __tablename__ = "shoutout_feature"
    __member_data__ = ("guild_id", "user_id")
    __table_args__ = (
        UniqueConstraint("rotation_id", "slot_key"),
        Index("ix_shoutout_feature_history", "rotation_id", "slot_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rotation_id: Mapped[int] = mapped_column(ForeignKey("shoutout_rotation.id", ondelete="CASCADE"))
    guild_id: Mapped[int] = mapped_column(BigInteger)
    slot_key: Mapped[str] = mapped_column(String(60))  # "<kind>:<slot iso>"
    slot_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # featured | missed | empty | failed
    status: Mapped[str] = mapped_column(String(10))
    user_id: Mapped[int | None] = mapped_column(BigInteger)
    round_no: Mapped[int | None] = mapped_column(Integer)
    pitch_id: Mapped[int | None] = mapped_column(Integer)
    url: Mapped[str | None] = mapped_column(String(300))
    blurb: Mapped[str | None] = mapped_column(String(200))
    content_warning: Mapped[str | None] = mapped_column(String(100))
    # where the creator stood before, so a failed post gives them their place back
    prev_round_no: Mapped[int | None] = mapped_column(Integer)
    prev_position: Mapped[int | None] = mapped_column(BigInteger)
    prev_last_featured_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    detail: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
