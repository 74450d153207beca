"""Safety: how a guild keeps adults and members not confirmed adult apart, and each member's
own answer to "how old are you?" (seen by moderators only, erased by /profile delete)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, Integer, String, UniqueConstraint
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
    __table_args__ = (UniqueConstraint("guild_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(BigInteger)
    user_id: Mapped[int] = mapped_column(BigInteger)
    answer: Mapped[str] = mapped_column(String(8))
    #: where it was given: "onboarding" or "profile"
    source: Mapped[str] = mapped_column(String(12))
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime)
