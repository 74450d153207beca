"""Per-guild settings, the guild's niche list, and small key/value bot state."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime


class GuildSettings(Base):
    __tablename__ = "guild_settings"

    guild_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    log_channel_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class GuildNiche(Base):
    """A niche members can pick (BookTok, PlantTok…). Capped at 25 so it fits a select menu."""

    __tablename__ = "guild_niche"
    __table_args__ = (UniqueConstraint("guild_id", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(BigInteger, index=True)
    key: Mapped[str] = mapped_column(String(40))  # casefolded name, for lookups
    name: Mapped[str] = mapped_column(String(40))
    emoji: Mapped[str | None] = mapped_column(String(64))
    role_id: Mapped[int | None] = mapped_column(BigInteger)
    description: Mapped[str | None] = mapped_column(String(100))
    family: Mapped[str | None] = mapped_column(String(40))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)


class BotState(Base):
    """Small facts the bot keeps between runs, e.g. the hash of the last synced command tree."""

    __tablename__ = "bot_state"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(String(4000))


class GuildLanguage(Base):
    """The language the bot posts in publicly in a server: chosen with ``/config language``, else
    the server's own Discord locale (recorded as the gateway tells it), else English."""

    __tablename__ = "guild_language"

    guild_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    chosen: Mapped[str | None] = mapped_column(String(10))
    discord_locale: Mapped[str | None] = mapped_column(String(10))


class MemberLanguage(Base):
    """A member's Discord client language as last seen in one of their interactions: the
    language of the DMs a schedule sends them (erased with the rest of their data)."""

    __tablename__ = "member_language"
    __member_data__ = ("guild_id", "user_id")

    guild_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    language: Mapped[str] = mapped_column(String(10))
