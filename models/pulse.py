"""The pulse's own state: a server's weekly pulse post (on or off, and where)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime


class PulsePost(Base):
    """The weekly pulse post to the moderators' channel: one row once a moderator chose."""

    __tablename__ = "pulse_post"

    guild_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    #: where it goes; None: the server's log channel (/config log-channel)
    channel_id: Mapped[int | None] = mapped_column(BigInteger)
    #: the first week it may post (a new setting never posts a week that ended before it)
    since: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
