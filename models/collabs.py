"""Collab matchmaking: round settings, who is in, private blocks, rounds, groups and answers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime


class CollabSettings(Base):
    """A guild's round schedule (set by moderators with /collab-rounds setup)."""

    __tablename__ = "collab_settings"

    guild_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    channel_id: Mapped[int] = mapped_column(BigInteger)
    frequency: Mapped[str] = mapped_column(String(10))  # weekly | biweekly | monthly
    day: Mapped[str] = mapped_column(String(3))  # mon..sun
    time: Mapped[str] = mapped_column(String(5))  # HH:MM, local to timezone
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    # biweekly rounds fall on the weeks an even number of weeks after this
    anchor: Mapped[datetime] = mapped_column(UTCDateTime)
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    history_rounds: Mapped[int] = mapped_column(Integer, default=6)
    followup_days: Mapped[int] = mapped_column(Integer, default=7)
    next_round_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CollabMember(Base):
    """A member's collab settings: opted in or not, formats, languages, pause."""

    __tablename__ = "collab_member"
    __table_args__ = (UniqueConstraint("guild_id", "user_id"),)
    __member_data__ = ("guild_id", "user_id")

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(BigInteger, index=True)
    user_id: Mapped[int] = mapped_column(BigInteger)
    opted_in: Mapped[bool] = mapped_column(Boolean, default=True)
    formats: Mapped[list[str]] = mapped_column(JSON, default=list)
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    availability: Mapped[str | None] = mapped_column(String(100))
    paused_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CollabBlock(Base):
    """user_id never wants to be paired with blocked_id. Private: shown to nobody else."""

    __tablename__ = "collab_block"
    __table_args__ = (UniqueConstraint("guild_id", "user_id", "blocked_id"),)
    __member_data__ = ("guild_id", "user_id")

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(BigInteger, index=True)
    user_id: Mapped[int] = mapped_column(BigInteger)
    blocked_id: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CollabRound(Base):
    """One round: written with all its groups in one transaction, once per (guild, slot)."""

    __tablename__ = "collab_round"
    __table_args__ = (UniqueConstraint("guild_id", "slot_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(BigInteger)
    slot_at: Mapped[datetime] = mapped_column(UTCDateTime)
    manual: Mapped[bool] = mapped_column(Boolean, default=False)
    members: Mapped[int] = mapped_column(Integer, default=0)
    groups: Mapped[int] = mapped_column(Integer, default=0)
    repeats: Mapped[int] = mapped_column(Integer, default=0)
    unplaced: Mapped[list[int]] = mapped_column(JSON, default=list)
    # user id (as text) -> why they were left out: language | blocked | full | alone
    unplaced_why: Mapped[dict[str, str] | None] = mapped_column(JSON)
    total_score: Mapped[float] = mapped_column(Float, default=0.0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CollabGroup(Base):
    """A pair or trio of a round, its intro (thread or DMs) and its follow-up."""

    __tablename__ = "collab_group"
    __table_args__ = (
        Index("ix_collab_group_followup", "followup_sent_at", "followup_at"),
        Index("ix_collab_group_intro", "intro", "round_id"),  # the rounds still introducing
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(
        ForeignKey("collab_round.id", ondelete="CASCADE"), index=True
    )
    guild_id: Mapped[int] = mapped_column(BigInteger, index=True)
    score: Mapped[float] = mapped_column(Float)
    repeat: Mapped[bool] = mapped_column(Boolean, default=False)
    reason: Mapped[str] = mapped_column(String(500))
    prompts: Mapped[list[str]] = mapped_column(JSON, default=list)
    # pending -> thread | dm (intro queued) ; failed when neither worked
    intro: Mapped[str] = mapped_column(String(10), default="pending")
    thread_id: Mapped[int | None] = mapped_column(BigInteger)
    followup_at: Mapped[datetime] = mapped_column(UTCDateTime)
    followup_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CollabGroupMember(Base):
    """Who is in a group, and their answer to "did you collab?"."""

    __tablename__ = "collab_group_member"
    __table_args__ = (
        UniqueConstraint("group_id", "user_id"),
        Index("ix_collab_group_member_guild_user", "guild_id", "user_id"),
    )
    __member_data__ = ("guild_id", "user_id")

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_id: Mapped[int] = mapped_column(
        ForeignKey("collab_group.id", ondelete="CASCADE"), index=True
    )
    guild_id: Mapped[int] = mapped_column(BigInteger)
    user_id: Mapped[int] = mapped_column(BigInteger)
    position: Mapped[int] = mapped_column(Integer, default=0)
    answer: Mapped[str | None] = mapped_column(String(10))  # yes | not_yet | no
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CollabRemoval(Base):
    """A member a moderator took out of collab rounds and suggestions (after a report). Not
    member data on purpose: deleting and re-making a profile doesn't bring them back; only a
    moderator does."""

    __tablename__ = "collab_removal"

    guild_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    removed_by: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
