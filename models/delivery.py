"""Outgoing messages (the outbox), DM reachability, and claimed schedule slots."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime


class OutboxMessage(Base):
    """A message to deliver. Rows are written in the same transaction as the change causing them."""

    __tablename__ = "outbox_message"
    __table_args__ = (Index("ix_outbox_message_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))  # "dm" | "channel"
    target_id: Mapped[int] = mapped_column(BigInteger)  # user id (dm) or channel id
    guild_id: Mapped[int | None] = mapped_column(BigInteger)
    purpose: Mapped[str] = mapped_column(String(40), default="generic")
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    # pending -> sending -> sent | dms_closed | failed
    status: Mapped[str] = mapped_column(String(12), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    channel_id: Mapped[int | None] = mapped_column(BigInteger)
    last_error: Mapped[str | None] = mapped_column(Text)
    # the process sending it (status "sending"); a dead sender's rows go back to the queue
    claimed_by: Mapped[str | None] = mapped_column(String(64))


class DMStatus(Base):
    """Users whose DMs answered 403/50007: Discord counts each such 403 against the bot."""

    __tablename__ = "dm_status"

    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    closed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ScheduledSlot(Base):
    """A claimed delivery: the unique key makes a second claim of the same slot fail.

    ``owner`` is the process holding an unfinished claim; its heartbeat in ``process_lease``
    says it is alive. A claim whose owner stopped beating is taken over, in slot order.
    """

    __tablename__ = "scheduled_slot"
    __table_args__ = (
        UniqueConstraint("kind", "ref", "slot_at"),
        Index("ix_scheduled_slot_open", "status", "kind"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    ref: Mapped[str] = mapped_column(String(100))
    slot_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # claimed -> done | missed | failed
    status: Mapped[str] = mapped_column(String(10), default="claimed")
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    detail: Mapped[str | None] = mapped_column(String(500))
    owner: Mapped[str | None] = mapped_column(String(64))
    guild_id: Mapped[int | None] = mapped_column(BigInteger)


class ProcessLease(Base):
    """One row per running bot process, its heartbeat renewed every few seconds.

    A process that stops beating (SIGKILL, lost host) loses its claims to a live process
    within the lease; one that shuts down cleanly deletes its row and hands over at once.
    """

    __tablename__ = "process_lease"

    owner: Mapped[str] = mapped_column(String(64), primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    heartbeat_at: Mapped[datetime] = mapped_column(UTCDateTime)
    shard_count: Mapped[int | None] = mapped_column(Integer)
    shard_ids: Mapped[str | None] = mapped_column(String(200))
    host: Mapped[str] = mapped_column(String(200))
    pid: Mapped[int] = mapped_column(Integer)
