"""Scheduled check-ins: the guild's schedule, who takes part, prompts, answers and vacations."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime


class CheckinConfig(Base):
    """One per guild: when members are asked (in their own zones) and where the recap goes."""

    __tablename__ = "checkin_config"

    guild_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    channel_id: Mapped[int] = mapped_column(BigInteger)
    period: Mapped[str] = mapped_column(String(10), default="weekly")  # weekly | daily
    prompt_day: Mapped[int] = mapped_column(Integer, default=0)  # 0 = Monday (weekly only)
    prompt_hour: Mapped[int] = mapped_column(Integer, default=18)
    prompt_minute: Mapped[int] = mapped_column(Integer, default=0)
    # the recap posts at this guild-local time on the first day after the period
    summary_hour: Mapped[int] = mapped_column(Integer, default=9)
    summary_minute: Mapped[int] = mapped_column(Integer, default=0)
    questions: Mapped[list[str]] = mapped_column(JSON, default=list)
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    # care after a low check-in: on unless moderators switch it off; where members can find
    # support (a channel, resource lines by region); who set it up (notes go to them by DM
    # when the server has no log channel)
    care_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    care_channel_id: Mapped[int | None] = mapped_column(BigInteger)
    care_resources: Mapped[list[str] | None] = mapped_column(JSON)
    care_set_by: Mapped[int | None] = mapped_column(BigInteger)
    # recaps for periods starting before this date are never caught up (set on setup/resume)
    active_from: Mapped[date] = mapped_column(Date)
    created_by: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CheckinMember(Base):
    """A member who opted in: how they want the prompt, and whether they're away."""

    __tablename__ = "checkin_member"
    __table_args__ = (UniqueConstraint("guild_id", "user_id"),)
    __member_data__ = ("guild_id", "user_id")

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(BigInteger, index=True)
    user_id: Mapped[int] = mapped_column(BigInteger)
    mode: Mapped[str] = mapped_column(String(10), default="dm")  # dm | channel
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    away_until: Mapped[date | None] = mapped_column(Date)  # inclusive, member-local
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CheckinAway(Base):
    """A vacation: no prompts, and periods it overlaps don't break the streak."""

    __tablename__ = "checkin_away"
    __table_args__ = (Index("ix_checkin_away_member", "guild_id", "user_id"),)
    __member_data__ = ("guild_id", "user_id")

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(BigInteger)
    user_id: Mapped[int] = mapped_column(BigInteger)
    start: Mapped[date] = mapped_column(Date)
    until: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CheckinPrompt(Base):
    """Exactly one per member per period: the unique key is what makes a second prompt fail."""

    __tablename__ = "checkin_prompt"
    __table_args__ = (
        UniqueConstraint("guild_id", "user_id", "period"),
        Index("ix_checkin_prompt_guild_period", "guild_id", "period"),
        Index("ix_checkin_prompt_batch", "batch"),
    )
    __member_data__ = ("guild_id", "user_id")

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(BigInteger)
    user_id: Mapped[int] = mapped_column(BigInteger)
    period: Mapped[date] = mapped_column(Date)  # the period's first day (member-local)
    prompt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    mode: Mapped[str] = mapped_column(String(10))  # dm | channel (channel also after a 403)
    batch: Mapped[str] = mapped_column(String(32))  # which run inserted it
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CheckinAnswer(Base):
    """A member's answers for one period; editable until the period closes."""

    __tablename__ = "checkin_answer"
    __table_args__ = (
        UniqueConstraint("guild_id", "user_id", "period"),
        Index("ix_checkin_answer_guild_period", "guild_id", "period"),
        # covers the pulse's runs of answered periods (no table lookups): migration 0070
        Index("ix_checkin_answer_guild_period_user", "guild_id", "period", "user_id"),
    )
    __member_data__ = ("guild_id", "user_id")

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(BigInteger)
    user_id: Mapped[int] = mapped_column(BigInteger)
    period: Mapped[date] = mapped_column(Date)
    # [{"q": question, "kind": kind, "a": answer}] in the order asked
    answers: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    mood: Mapped[int | None] = mapped_column(Integer)  # 1–5, one per check-in; 1–2 is low
    link: Mapped[str | None] = mapped_column(String(300))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # when the member asked for a moderator to reach out (once per check-in)
    outreach_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
