"""How welcomes reach members: what is queued in the outbox (and under which dedupe key),
what came of each send, and the raid batches: which windows are open, and the plan that posts
each one exactly once when it closes (on core.deliveries)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core import outbox
from core.clock import Clock
from core.db import Database
from core.i18n import ngettext
from core.plans import DEFAULT_GRACE, EACH, DeliveryPlan, GuildFilter, Occurrence
from core.slots import RetryLater
from models.delivery import OutboxMessage
from models.welcome import Onboarding, WelcomeConfig, WelcomeEvent
from services.welcome.rows import guild_label, member_row
from services.welcome.values import BatchRef

PURPOSE_DM = "welcome_dm"
PURPOSE_PUBLIC = "welcome_public"
PURPOSE_BATCH = "welcome_batch"
PURPOSE_INTRO = "welcome_intro"
#: the claim kind of raid batch posts (stored in scheduled_slot: never rename)
BATCH_KIND = "welcome_batch"
# A batch post names members as <@id> mentions in an embed description (4,096 chars).
BATCH_NAMES_PER_POST = 150


def dedupe_key(kind: str, row: Onboarding) -> str:
    """One key per message per stay: a member who leaves and joins again is welcomed again."""
    return f"welcome_{kind}:{row.guild_id}:{row.user_id}:{row.joins}"


async def queue_dm(
    session: AsyncSession, row: Onboarding, now: datetime, guild_name: str | None
) -> bool:
    """The onboarding DM: the server's name travels with it (whichever process sends it);
    the step it shows is the member's current one when it is sent."""
    return await outbox.add_message(
        session,
        kind=outbox.DM,
        target_id=row.user_id,
        payload={"guild_id": row.guild_id, "user_id": row.user_id, "guild_name": guild_name},
        now=now,
        purpose=PURPOSE_DM,
        guild_id=row.guild_id,
        dedupe_key=dedupe_key("dm", row),
    )


async def queue_public(
    session: AsyncSession,
    row: Onboarding,
    channel_id: int,
    now: datetime,
    guild_name: str | None,
) -> bool:
    """The member's own public welcome (with the card), the names it shows in its payload."""
    return await outbox.add_message(
        session,
        kind=outbox.CHANNEL,
        target_id=channel_id,
        payload={
            "guild_id": row.guild_id,
            "user_id": row.user_id,
            "channel_id": channel_id,
            "guild_name": guild_name,
            "display_name": row.display_name,
        },
        now=now,
        purpose=PURPOSE_PUBLIC,
        guild_id=row.guild_id,
        dedupe_key=dedupe_key("pub", row),
    )


async def queue_intro(
    session: AsyncSession,
    row: Onboarding,
    channel_id: int,
    invitees: tuple[int, ...],
    now: datetime,
    display_name: str,
) -> bool:
    """The introduction once onboarding is done, pinging the invited niche-mates; what it
    shows (name, niches, handle, intro) is in its payload."""
    return await outbox.add_message(
        session,
        kind=outbox.CHANNEL,
        target_id=channel_id,
        payload={
            "guild_id": row.guild_id,
            "user_id": row.user_id,
            "invitees": list(invitees),
            "display_name": display_name,
            "niches": list(row.niches or ()),
            "tiktok_handle": row.tiktok_handle,
            "intro": row.intro,
        },
        now=now,
        purpose=PURPOSE_INTRO,
        guild_id=row.guild_id,
        dedupe_key=dedupe_key("intro", row),
    )


async def cancel_queued(session: AsyncSession, row: Onboarding) -> int:
    """Drop the member's welcome messages not sent yet; how many were dropped."""
    result = await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.dedupe_key.in_([dedupe_key(k, row) for k in ("dm", "pub", "intro")]),
            OutboxMessage.status == "pending",
        )
        .values(status="cancelled", last_error="member left within the leave window")
    )
    return int(getattr(result, "rowcount", 0) or 0)


class WelcomeDelivery:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    # ------------------------------------------------------------ delivery results

    async def dm_result(self, guild_id: int, user_id: int, status: str) -> bool:
        """Record how the welcome DM went; True the first time DMs are found closed."""
        now = self.clock.now()
        async with self.db.write() as session:
            row = await member_row(session, guild_id, user_id, preview=False)
            if row is None:
                return False
            if status == "sent":
                row.dm_state = "sent"
            elif status == "dms_closed" and row.dm_state != "closed":
                row.dm_state = "closed"
                session.add(
                    WelcomeEvent(guild_id=guild_id, user_id=user_id, kind="dm_closed", at=now)
                )
                return True
            elif status == "failed" and row.dm_state == "queued":
                row.dm_state = "failed"
            return False

    async def public_post(self, guild_id: int, user_id: int) -> tuple[int, int] | None:
        """(channel id, message id) of the member's own public welcome, once it is posted."""
        async with self.db.read() as session:
            row = await member_row(session, guild_id, user_id, preview=False)
            if row is None or row.public_message_id is None or row.public_channel_id is None:
                return None
            return row.public_channel_id, row.public_message_id

    async def posted(
        self, guild_id: int, user_id: int, kind: str, channel_id: int, message_id: int
    ) -> None:
        """A public welcome (``public``) or introduction (``intro``) went out."""
        async with self.db.write() as session:
            row = await member_row(session, guild_id, user_id, preview=False)
            if row is None:
                return
            row.public_channel_id = channel_id
            if kind == "public":
                row.public_message_id = message_id
                row.public_state = "posted"
            else:
                row.intro_message_id = message_id

    # ------------------------------------------------------------ raid batches

    async def open_batches(self) -> list[BatchRef]:
        """Raid windows whose batched welcome hasn't been posted yet, closed or not."""
        async with self.db.read() as session:
            rows = (
                await session.execute(
                    select(
                        Onboarding.guild_id,
                        Onboarding.batch_window,
                        WelcomeConfig.raid_window_seconds,
                    )
                    .join(WelcomeConfig, WelcomeConfig.guild_id == Onboarding.guild_id)
                    .where(Onboarding.public_state == "batched")
                    .distinct()
                )
            ).all()
        refs = [
            BatchRef(int(guild_id), start, start + timedelta(seconds=int(seconds)))
            for guild_id, start, seconds in rows
            if start is not None
        ]
        return sorted(refs, key=lambda r: (r.due_at, r.guild_id))

    async def due_batches(self, now: datetime) -> list[BatchRef]:
        """Raid windows whose batched welcomes are ready to post (the window has closed)."""
        return [ref for ref in await self.open_batches() if ref.due_at <= now]

    async def flush_batch(self, guild_id: int, start: datetime) -> int:
        """Queue the raid window's welcome: one post naming everyone (split only by size).
        Idempotent: the window's members are marked posted in the same transaction."""
        now = self.clock.now()
        async with self.db.write() as session:
            rows = await self._batched(session, guild_id, start)
            server = await guild_label(session, guild_id, None) if rows else None
            by_channel: dict[int, list[int]] = {}
            for row in rows:
                row.public_state = "batch_posted"
                if row.public_channel_id is not None:
                    by_channel.setdefault(row.public_channel_id, []).append(row.user_id)
            for channel_id, users in by_channel.items():
                chunks = [
                    users[i : i + BATCH_NAMES_PER_POST]
                    for i in range(0, len(users), BATCH_NAMES_PER_POST)
                ]
                for part, chunk in enumerate(chunks, start=1):
                    await outbox.add_message(
                        session,
                        kind=outbox.CHANNEL,
                        target_id=channel_id,
                        payload={
                            "guild_id": guild_id,
                            "guild_name": server,
                            "user_ids": chunk,
                            "part": part,
                            "parts": len(chunks),
                            "total": len(users),
                        },
                        now=now,
                        purpose=PURPOSE_BATCH,
                        guild_id=guild_id,
                        dedupe_key=(
                            f"welcome_batch:{guild_id}:{channel_id}:{start.isoformat()}:{part}"
                        ),
                    )
            return len(rows)

    async def drop_batch(self, guild_id: int, start: datetime) -> int:
        """A window whose post was missed (past the grace window): its members stop waiting."""
        async with self.db.write() as session:
            rows = await self._batched(session, guild_id, start)
            for row in rows:
                row.public_state = "batch_missed"
            return len(rows)

    async def _batched(
        self, session: AsyncSession, guild_id: int, start: datetime
    ) -> Sequence[Onboarding]:
        stmt = (
            select(Onboarding)
            .where(
                Onboarding.guild_id == guild_id,
                Onboarding.public_state == "batched",
                Onboarding.batch_window == start,
            )
            .order_by(Onboarding.joined_at, Onboarding.id)
        )
        if not self.db.is_sqlite:
            stmt = stmt.with_for_update()
        return (await session.scalars(stmt)).all()


class WelcomeBatchPlan(DeliveryPlan):
    """Raid batches on core's scheduled deliveries: one post per raid window, due when the
    window closes, claimed once per (guild, window start) — the slot key welcome always used,
    so a claim left by an older version is resumed, not repeated."""

    kind = BATCH_KIND
    claimed = True
    catch_up = EACH

    def __init__(self, delivery: WelcomeDelivery, *, grace: timedelta = DEFAULT_GRACE) -> None:
        self.delivery = delivery
        self.grace = grace

    async def due(self, now: datetime, owns: GuildFilter) -> list[Occurrence]:
        return [
            Occurrence(ref.window_start, str(ref.guild_id), self.kind, ref.guild_id)
            for ref in await self.delivery.due_batches(now)
            if owns(ref.guild_id)
        ]

    async def next_at(self, now: datetime, owns: GuildFilter) -> datetime | None:
        """The next window to close (one already closed is the sweep's to retry)."""
        upcoming = [
            ref.due_at
            for ref in await self.delivery.open_batches()
            if ref.due_at > now and owns(ref.guild_id)
        ]
        return min(upcoming, default=None)

    async def deliver(self, occurrence: Occurrence) -> str:
        # The ref is the guild id (a claim written by an older version has no guild_id).
        guild_id = int(occurrence.ref)
        try:
            count = await self.delivery.flush_batch(guild_id, occurrence.at)
        except Exception as exc:  # rolled back, nothing queued: try again in a few seconds
            raise RetryLater(f"{type(exc).__name__}: {exc}") from exc
        return ngettext("{n} member welcomed", "{n} members welcomed", count)

    async def missed(self, occurrence: Occurrence) -> None:
        await self.delivery.drop_batch(int(occurrence.ref), occurrence.at)
