"""Names as the gateway last told them: what a queued message shows is rendered from these,
so any process can send it (another process's guild cache may not hold that guild)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime


class GuildName(Base):
    __tablename__ = "guild_name"

    guild_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(100))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class MemberName(Base):
    """A member's display name in a guild (erased with the rest of their data)."""

    __tablename__ = "member_name"
    __member_data__ = ("guild_id", "user_id")

    guild_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    display_name: Mapped[str] = mapped_column(String(100))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
