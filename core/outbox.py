"""The outbox: durable, paced delivery of DMs and channel posts (the storage half).

A feature adds a row in the same transaction as the change that causes it, so a crash can't
lose the message nor send one for a change that rolled back. The worker (core.outbox_worker)
claims due rows and sends them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    and_,
    delete,
    exists,
    func,
    literal_column,
    or_,
    select,
    true,
    tuple_,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from core.clock import Clock, as_utc
from core.db import Database
from core.sql import insert_ignore
from models.delivery import DMStatus, OutboxMessage

DM = "dm"
CHANNEL = "channel"
MAX_ATTEMPTS = 6


@dataclass(frozen=True)
class OutboundMessage:
    id: int
    kind: str
    target_id: int
    guild_id: int | None
    purpose: str
    payload: dict[str, Any]
    attempts: int


@dataclass(frozen=True)
class MessageStatus:
    status: str  # pending | sending | sent | dms_closed | failed
    error: str | None
    message_id: int | None
    channel_id: int | None


def _to_outbound(row: OutboxMessage) -> OutboundMessage:
    return OutboundMessage(
        id=row.id,
        kind=row.kind,
        target_id=row.target_id,
        guild_id=row.guild_id,
        purpose=row.purpose,
        payload=dict(row.payload),
        attempts=row.attempts,
    )


def outbox_row(
    *,
    kind: str,
    target_id: int,
    payload: dict[str, Any],
    now: datetime,
    purpose: str = "generic",
    guild_id: int | None = None,
    dedupe_key: str | None = None,
    not_before: datetime | None = None,
) -> dict[str, Any]:
    """One pending outbox row; `add_message` writes one, bulk writers pass many to
    `core.sql.insert_ignore_many(session, OutboxMessage, rows, ["dedupe_key"])`."""
    if kind not in (DM, CHANNEL):
        raise ValueError(f"unknown outbox kind {kind!r}")
    return {
        "kind": kind,
        "target_id": target_id,
        "guild_id": guild_id,
        "purpose": purpose,
        "payload": payload,
        "dedupe_key": dedupe_key,
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": not_before or now,
        "created_at": now,
    }


async def add_message(
    session: AsyncSession,
    *,
    kind: str,
    target_id: int,
    payload: dict[str, Any],
    now: datetime,
    purpose: str = "generic",
    guild_id: int | None = None,
    dedupe_key: str | None = None,
    not_before: datetime | None = None,
) -> bool:
    """Queue a message inside the caller's transaction. False if dedupe_key was already queued."""
    row = outbox_row(
        kind=kind,
        target_id=target_id,
        payload=payload,
        now=now,
        purpose=purpose,
        guild_id=guild_id,
        dedupe_key=dedupe_key,
        not_before=not_before,
    )
    if dedupe_key is None:
        session.add(OutboxMessage(**row))
        return True
    return await insert_ignore(session, OutboxMessage, [row], ["dedupe_key"]) == 1


async def post_or_dm_each(
    session: AsyncSession,
    *,
    channel_id: int | None,
    user_ids: Sequence[int],
    payload: dict[str, Any],
    now: datetime,
    purpose: str,
    guild_id: int | None,
    dedupe_key: str,
) -> str:
    """Tell a group something together: one post in their channel or thread that pings exactly
    them, or, without a channel, the same message by DM to each of them (renderers see
    ``for_user`` then). Returns "channel" or "dm". Safe to repeat: the dedupe keys hold."""
    if channel_id is not None:
        await add_message(
            session,
            kind=CHANNEL,
            target_id=channel_id,
            payload={**payload, "mention_users": list(user_ids)},
            now=now,
            purpose=purpose,
            guild_id=guild_id,
            dedupe_key=dedupe_key,
        )
        return CHANNEL
    for uid in user_ids:
        await add_message(
            session,
            kind=DM,
            target_id=uid,
            payload={**payload, "for_user": uid},
            now=now,
            purpose=purpose,
            guild_id=guild_id,
            dedupe_key=f"{dedupe_key}:{uid}",
        )
    return DM


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(600, 5 * 2 ** max(0, attempts - 1)))


def shard_filter(shard_count: int | None, shard_ids: Sequence[int] | None) -> ColumnElement[bool]:
    """Rows this process may send: its shards' guilds (DMs carry the guild they are about),
    so a message is rendered and sent by the process whose cache holds that guild. Rows about
    no guild go to whoever runs shard 0."""
    if shard_count is None or shard_ids is None:
        return true()
    shard = OutboxMessage.guild_id.op(">>")(literal_column("22")) % shard_count
    mine = shard.in_(list(shard_ids))
    return or_(mine, OutboxMessage.guild_id.is_(None)) if 0 in shard_ids else mine


def _earlier_in_channel() -> ColumnElement[bool]:
    """An earlier post of the same channel is on its way or due before this one."""
    earlier = aliased(OutboxMessage)
    return exists().where(
        earlier.kind == CHANNEL,
        earlier.target_id == OutboxMessage.target_id,
        or_(
            and_(earlier.status == "sending", earlier.id < OutboxMessage.id),
            and_(
                earlier.status == "pending",
                tuple_(earlier.next_attempt_at, earlier.id)
                < tuple_(OutboxMessage.next_attempt_at, OutboxMessage.id),
            ),
        ),
    )


class OutboxStore:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        *,
        dm_closed_recheck: timedelta,
        shard_count: int | None = None,
        shard_ids: Sequence[int] | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.dm_closed_recheck = dm_closed_recheck
        self._mine = shard_filter(shard_count, shard_ids)

    async def enqueue(self, **kwargs: Any) -> bool:
        async with self.db.write() as session:
            return await add_message(session, now=self.clock.now(), **kwargs)

    async def claim_due(
        self, kind: str, limit: int = 1, *, owner: str | None = None
    ) -> list[OutboundMessage]:
        """Mark due rows as being sent. SKIP LOCKED lets several processes share the queue.

        Posts in one channel go out in queue order: a post waits while an earlier one of its
        channel is still being sent (by a process killed mid-send, until its lease runs out
        and the row is recovered) or is due and not yet claimed (claimed by another process
        this very moment)."""
        now = self.clock.now()
        async with self.db.write() as session:
            stmt = (
                select(OutboxMessage)
                .where(
                    OutboxMessage.kind == kind,
                    OutboxMessage.status == "pending",
                    OutboxMessage.next_attempt_at <= now,
                    self._mine,
                )
                .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
                .limit(limit)
            )
            if kind == CHANNEL:
                stmt = stmt.where(~_earlier_in_channel())
            if not self.db.is_sqlite:
                stmt = stmt.with_for_update(skip_locked=True)
            rows = (await session.scalars(stmt)).all()
            for row in rows:
                row.status = "sending"
                row.attempts += 1
                row.claimed_by = owner
            return [_to_outbound(r) for r in rows]

    async def next_due_at(self, kind: str) -> datetime | None:
        async with self.db.read() as session:
            value: datetime | None = await session.scalar(
                select(func.min(OutboxMessage.next_attempt_at)).where(
                    OutboxMessage.kind == kind, OutboxMessage.status == "pending", self._mine
                )
            )
        return value

    async def _finish(self, row_id: int, **values: Any) -> None:
        async with self.db.write() as session:
            await session.execute(
                update(OutboxMessage).where(OutboxMessage.id == row_id).values(**values)
            )

    async def mark_sent(self, message_id: int, *, sent_message_id: int, channel_id: int) -> None:
        await self._finish(
            message_id,
            status="sent",
            sent_at=self.clock.now(),
            message_id=sent_message_id,
            channel_id=channel_id,
            last_error=None,
        )

    async def mark_dms_closed(self, message: OutboundMessage, error: str) -> None:
        now = self.clock.now()
        async with self.db.write() as session:
            await session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == message.id)
                .values(status="dms_closed", last_error=error[:500], sent_at=None)
            )
            await session.execute(
                update(DMStatus).where(DMStatus.user_id == message.target_id).values(closed_at=now)
            )
            await insert_ignore(
                session, DMStatus, [{"user_id": message.target_id, "closed_at": now}], ["user_id"]
            )

    async def mark_failed(self, message_id: int, error: str) -> None:
        await self._finish(message_id, status="failed", last_error=error[:500])

    async def mark_retry(self, message: OutboundMessage, error: str) -> bool:
        """Schedule another try with backoff; False (and failed) when out of attempts."""
        if message.attempts >= MAX_ATTEMPTS:
            await self.mark_failed(message.id, error)
            return False
        await self._finish(
            message.id,
            status="pending",
            last_error=error[:500],
            next_attempt_at=self.clock.now() + backoff(message.attempts),
        )
        return True

    async def dms_closed(self, user_id: int) -> bool:
        """True if this user's DMs answered 403 recently: don't earn another 403 from Discord."""
        async with self.db.read() as session:
            closed_at = await session.scalar(
                select(DMStatus.closed_at).where(DMStatus.user_id == user_id)
            )
        return closed_at is not None and self.clock.now() - closed_at < self.dm_closed_recheck

    async def clear_dms_closed(self, user_id: int) -> None:
        """A DM went through (e.g. the member opened their DMs again)."""
        async with self.db.write() as session:
            await session.execute(delete(DMStatus).where(DMStatus.user_id == user_id))

    async def recover_interrupted(self, live_owners: set[str] | None = None) -> int:
        """Rows left 'sending' by a dead process go back to pending (the send nonce prevents a
        duplicate if it had reached Discord). Only this process's shards' rows, and never the
        rows of a sender that is still alive (``live_owners``; None: nobody else is)."""
        stuck = [OutboxMessage.status == "sending", self._mine]
        if live_owners:
            stuck.append(
                or_(
                    OutboxMessage.claimed_by.is_(None),
                    OutboxMessage.claimed_by.not_in(sorted(live_owners)),
                )
            )
        async with self.db.write() as session:
            result = await session.execute(
                update(OutboxMessage).where(*stuck).values(status="pending", claimed_by=None)
            )
            return int(getattr(result, "rowcount", 0) or 0)

    async def status_of(self, dedupe_key: str) -> MessageStatus | None:
        """Where the message queued under this key stands, or None if there is none."""
        async with self.db.read() as session:
            row = (
                await session.execute(
                    select(
                        OutboxMessage.status,
                        OutboxMessage.last_error,
                        OutboxMessage.message_id,
                        OutboxMessage.channel_id,
                    ).where(OutboxMessage.dedupe_key == dedupe_key)
                )
            ).first()
        if row is None:
            return None
        return MessageStatus(str(row[0]), row[1], row[2], row[3])

    async def lag(self, kind: str) -> tuple[int, float]:
        """(messages waiting, seconds the oldest due one has waited) for this process's shards."""
        now = self.clock.now()
        async with self.db.read() as session:
            depth, oldest = (
                await session.execute(
                    select(func.count(), func.min(OutboxMessage.next_attempt_at)).where(
                        OutboxMessage.kind == kind,
                        OutboxMessage.status.in_(("pending", "sending")),
                        OutboxMessage.next_attempt_at <= now,
                        self._mine,
                    )
                )
            ).one()
        if oldest is None:
            return int(depth), 0.0
        return int(depth), max(0.0, (now - as_utc(oldest)).total_seconds())

    async def counts(self) -> dict[str, int]:
        async with self.db.read() as session:
            rows = (
                await session.execute(
                    select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
                )
            ).all()
        return {status: int(n) for status, n in rows}
