"""Welcome / onboarding: per-guild welcome settings, each member's onboarding, and a join log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, Boolean, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime


class WelcomeConfig(Base):
    """How a guild welcomes newcomers. Absent row = defaults (see services.welcome)."""

    __tablename__ = "welcome_config"

    guild_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    channel_id: Mapped[int | None] = mapped_column(BigInteger)
    template: Mapped[str | None] = mapped_column(Text)
    dm_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    autorole_id: Mapped[int | None] = mapped_column(BigInteger)
    rules: Mapped[list[str] | None] = mapped_column(JSON)
    leave_window_minutes: Mapped[int] = mapped_column(Integer, default=30)
    raid_joins: Mapped[int] = mapped_column(Integer, default=8)
    raid_window_seconds: Mapped[int] = mapped_column(Integer, default=30)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Onboarding(Base):
    """One member's onboarding in one guild (``preview`` rows are moderators trying the flow).

    ``step`` is where the flow resumes: niches -> profile -> norms -> done.
    ``public_state``: none | queued (own welcome post) | batched (raid post pending) | posted |
    batch_posted | batch_missed (the raid post's window passed the grace window) | removed.
    """

    __tablename__ = "welcome_onboarding"
    __member_data__ = ("guild_id", "user_id")
    __table_args__ = (
        UniqueConstraint("guild_id", "user_id", "preview"),
        Index("ix_welcome_onboarding_batch", "public_state", "batch_window"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(BigInteger)
    user_id: Mapped[int] = mapped_column(BigInteger)
    preview: Mapped[bool] = mapped_column(Boolean, default=False)
    # screening | welcomed | started | completed
    status: Mapped[str] = mapped_column(String(12))
    step: Mapped[str] = mapped_column(String(10), default="niches")
    niches: Mapped[list[str]] = mapped_column(JSON, default=list)
    tiktok_handle: Mapped[str | None] = mapped_column(String(24))
    intro: Mapped[str | None] = mapped_column(String(200))
    display_name: Mapped[str] = mapped_column(String(100))
    member_number: Mapped[int | None] = mapped_column(Integer)
    joins: Mapped[int] = mapped_column(Integer, default=1)
    # none | queued | sent | closed | off
    dm_state: Mapped[str] = mapped_column(String(8), default="none")
    public_state: Mapped[str] = mapped_column(String(12), default="none")
    batch_window: Mapped[datetime | None] = mapped_column(UTCDateTime)
    public_channel_id: Mapped[int | None] = mapped_column(BigInteger)
    public_message_id: Mapped[int | None] = mapped_column(BigInteger)
    intro_message_id: Mapped[int | None] = mapped_column(BigInteger)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Discord's joined_at of this stay: the same join event delivered to two sessions of a
    # shard (a rolling restart's overlap) is recognised and welcomed once
    discord_joined_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class WelcomeEvent(Base):
    """What happened when (join, started, completed, dm_closed, left), for /welcome stats.

    A join is written here before anything is sent, so a raid never loses one.
    """

    __tablename__ = "welcome_event"
    __member_data__ = ("guild_id", "user_id")
    __table_args__ = (Index("ix_welcome_event_stats", "guild_id", "kind", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(BigInteger)
    user_id: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(12))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
