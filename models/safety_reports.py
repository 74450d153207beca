"""Reports to moderators: who reported whom, about which post, and what the moderators did.

Not member data: a report is the moderators' record, kept when either member deletes their
profile (so deleting a profile can't make a report, or its outcome, disappear)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime


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
