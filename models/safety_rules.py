"""Member text held to the server's rules: the guild's AutoMod keyword rules as Mutuals last
read them from Discord, the moderators' own blocked words, and where reading the rules stands."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, Boolean, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime


class SafetyAutomodRule(Base):
    """One AutoMod rule of the guild that can hold text (keyword and keyword-preset rules), as
    Discord last described it: read on guild availability and kept fresh by the rule events."""

    __tablename__ = "safety_automod_rule"
    __table_args__ = (UniqueConstraint("guild_id", "rule_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(BigInteger, index=True)
    rule_id: Mapped[int] = mapped_column(BigInteger)
    name: Mapped[str] = mapped_column(String(100))
    trigger_type: Mapped[int] = mapped_column(Integer)  # 1 keyword, 4 keyword preset
    enabled: Mapped[bool] = mapped_column(Boolean)
    keywords: Mapped[list[str]] = mapped_column(JSON, default=list)
    regex_patterns: Mapped[list[str]] = mapped_column(JSON, default=list)
    allow_list: Mapped[list[str]] = mapped_column(JSON, default=list)
    presets: Mapped[list[int]] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SafetyBlockedWord(Base):
    """A word or phrase the moderators never want re-posted from members (AutoMod's syntax:
    ``word`` whole word, ``word*`` starts with, ``*word`` ends with, ``*word*`` anywhere)."""

    __tablename__ = "safety_blocked_word"
    __table_args__ = (UniqueConstraint("guild_id", "word"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(BigInteger, index=True)
    word: Mapped[str] = mapped_column(String(60))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SafetyRulesState(Base):
    """Per guild: whether Discord's rules could be read last time, when, whether the moderators
    were told they can't be, and a version token renewed by every change of the rules or words
    (a process's compiled copy of them is reused while the token is the same)."""

    __tablename__ = "safety_rules_state"

    guild_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    readable: Mapped[bool | None] = mapped_column(Boolean)  # None: never tried
    refreshed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    told_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[str] = mapped_column(String(32), default="")
