"""Safety for a young community: how a guild keeps adults and members not confirmed adult
apart and each member's own age answer (moderators only; erased by /profile delete); reports to
moderators (the moderators' record: kept when either member deletes their profile); and member
text held to the server's rules (AutoMod keyword rules as last read, the moderators' blocked
words, and where reading the rules stands)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, Boolean, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime


class SafetySettings(Base):
    """A guild's age-group settings. Absent row = the defaults: age groups kept apart, adults
    counted by their own answer or the 18+ role (none named yet)."""

    __tablename__ = "safety_settings"

    guild_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    #: adults and members not confirmed adult are never grouped (off only for an 18+ server)
    separate_ages: Mapped[bool] = mapped_column(Boolean, default=True)
    #: the role a moderator names as the 18+ role
    adult_role_id: Mapped[int | None] = mapped_column(BigInteger)
    #: who counts as an adult: "either" (the role or their own answer), "role" or "said"
    adults_by: Mapped[str] = mapped_column(String(8), default="either")
    #: the moderator who confirmed the server is 18+ when switching age groups off, and when
    adults_only_by: Mapped[int | None] = mapped_column(BigInteger)
    adults_only_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class MemberAge(Base):
    """A member's own answer: "adult" (18 or older), "minor" (13 to 17) or "unsaid" (rather
    not say). Asked once in onboarding, changed with /profile set."""

    __tablename__ = "safety_member_age"
    __member_data__ = ("guild_id", "user_id")
    #: the core.cache namespace its rows are read through (by (guild_id, user_id)): erasing a
    #: member's data drops it there too
    __member_cache__ = "safety.member_age"
    __table_args__ = (UniqueConstraint("guild_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(BigInteger)
    user_id: Mapped[int] = mapped_column(BigInteger)
    answer: Mapped[str] = mapped_column(String(8))
    #: where it was given: "onboarding" or "profile"
    source: Mapped[str] = mapped_column(String(12))
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SafetyReport(Base):
    """One report. ``open_key`` ("guild:reporter:target") is set while the report is open and
    cleared when a moderator handles it: the unique constraint is what makes "one open report
    per reporter and target" hold under any concurrency."""

    __tablename__ = "safety_report"
    __table_args__ = (
        UniqueConstraint("open_key"),
        Index("ix_safety_report_reporter", "guild_id", "reporter_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(BigInteger)
    reporter_id: Mapped[int] = mapped_column(BigInteger)
    target_id: Mapped[int] = mapped_column(BigInteger)
    # collab | intro | shoutout | recap | command: where the member pressed Report
    source: Mapped[str] = mapped_column(String(10))
    category: Mapped[str | None] = mapped_column(String(20))
    details: Mapped[str | None] = mapped_column(String(1000))
    # the reported message (None for /report without a link); in_dm: only the reporter sees it
    channel_id: Mapped[int | None] = mapped_column(BigInteger)
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    in_dm: Mapped[bool] = mapped_column(Boolean, default=False)
    # where the moderators' notice went: channel (the log channel) | dm (each moderator)
    notice: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(10), default="open")  # open|dismissed|actioned
    open_key: Mapped[str | None] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    handled_by: Mapped[int | None] = mapped_column(BigInteger)
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    removed_from_collabs: Mapped[bool] = mapped_column(Boolean, default=False)
    let_back: Mapped[bool] = mapped_column(Boolean, default=False)
    post_removed: Mapped[bool] = mapped_column(Boolean, default=False)


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
