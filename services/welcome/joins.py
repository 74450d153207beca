"""Joins and leaves: every join is written (its DM and public welcome queued in the same
transaction) before anything is sent, so a raid loses none; past the raid threshold the public
welcomes wait for one batched post per window; an early leave takes its welcome back."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import Clock
from core.db import Database
from core.plans import Replan, no_replan
from core.sql import insert_ignore_fast
from models.welcome import Onboarding, WelcomeConfig, WelcomeEvent
from services.welcome.delivery import (
    BATCH_KIND,
    cancel_queued,
    dm_message,
    public_message,
    queue_messages,
)
from services.welcome.rows import (
    NewOnboarding,
    config_row,
    guild_label,
    member_name,
    member_row,
    new_member_row,
    role_ids,
)
from services.welcome.values import JoinInfo, JoinOutcome, LeaveOutcome

_EPOCH = datetime(2020, 1, 1, tzinfo=UTC)


def window_start(now: datetime, seconds: int) -> datetime:
    """The start of the fixed raid window holding ``now`` (windows aligned to an epoch)."""
    index = int((now - _EPOCH).total_seconds() // seconds)
    return _EPOCH + timedelta(seconds=index * seconds)


def _welcome(
    cfg: WelcomeConfig,
    row: Onboarding | NewOnboarding,
    now: datetime,
    fallback_channel_id: int | None,
    recent_joins: int,
    guild_name: str | None,
    messages: list[dict[str, Any]],
) -> JoinOutcome:
    """Welcome ``row``: its DM and public welcome go to ``messages`` (the caller queues them in
    the same transaction); past the raid threshold the public welcome is batched."""
    row.status = "welcomed"
    if cfg.dm_enabled:
        row.dm_state = "queued"
        messages.append(dm_message(row, now, guild_name))
    else:
        row.dm_state = "off"
    channel_id = cfg.channel_id or fallback_channel_id
    if channel_id is None:
        return JoinOutcome("welcomed")
    row.public_channel_id = channel_id
    if recent_joins > cfg.raid_joins:
        start = window_start(now, cfg.raid_window_seconds)
        row.public_state = "batched"
        row.batch_window = start
        return JoinOutcome("batched", batch_due=start + timedelta(seconds=cfg.raid_window_seconds))
    row.public_state = "queued"
    messages.append(public_message(row, channel_id, now, guild_name))
    return JoinOutcome("welcomed")


async def _recent(session: AsyncSession, guild_id: int, kind: str, since: datetime) -> int:
    """Events of ``kind`` after ``since``: how many joined (or passed screening) in the window."""
    count = await session.scalar(
        select(func.count())
        .select_from(WelcomeEvent)
        .where(
            WelcomeEvent.guild_id == guild_id, WelcomeEvent.kind == kind, WelcomeEvent.at > since
        )
    )
    return int(count or 0)


async def _window_open(session: AsyncSession, guild_id: int, start: datetime) -> bool:
    """Whether the raid window starting at ``start`` already holds batched welcomes."""
    found = await session.scalar(
        select(Onboarding.id)
        .where(
            Onboarding.guild_id == guild_id,
            Onboarding.public_state == "batched",
            Onboarding.batch_window == start,
        )
        .limit(1)
    )
    return found is not None


def _seen(row: Onboarding | NewOnboarding | None, join: JoinInfo) -> bool:
    """This very join was recorded already: Discord sends a shard's events to each of its
    sessions, so during a rolling restart two processes receive it (same ``joined_at``); a
    member who left and came back has a new one."""
    return (
        row is not None
        and join.joined_at is not None
        and row.discord_joined_at is not None
        and row.discord_joined_at == join.joined_at
    )


class WelcomeJoins:
    def __init__(self, db: Database, clock: Clock, *, replan: Replan = no_replan) -> None:
        self.db = db
        self.clock = clock
        self.replan = replan

    async def record_join(
        self,
        guild_id: int,
        user_id: int,
        *,
        display_name: str,
        member_count: int | None,
        pending: bool,
        fallback_channel_id: int | None = None,
        guild_name: str | None = None,
        joined_at: datetime | None = None,
    ) -> JoinOutcome:
        info = JoinInfo(
            guild_id,
            user_id,
            display_name,
            member_count,
            pending,
            fallback_channel_id,
            guild_name,
            joined_at,
        )
        return (await self.record_joins([info]))[0]

    async def record_joins(self, joins: Sequence[JoinInfo]) -> list[JoinOutcome]:
        """Record a burst of joins in one transaction, each with its DM and welcome queued.

        Nothing is sent before this commits, so a join is never lost to a crash mid-send; a
        raid of hundreds of joins is a handful of transactions, which keeps commands snappy.
        """
        if not joins:
            return []
        now = self.clock.now()
        async with self.db.write() as session:
            configs: dict[int, WelcomeConfig] = {}
            recent: dict[int, int] = {}
            already_open: dict[int, bool] = {}
            servers: dict[int, str | None] = {}
            for guild_id in sorted({j.guild_id for j in joins}):
                cfg = configs[guild_id] = await config_row(session, guild_id, now, lock=True)
                since = now - timedelta(seconds=cfg.raid_window_seconds)
                recent[guild_id] = await _recent(session, guild_id, "join", since)
                start = window_start(now, cfg.raid_window_seconds)
                already_open[guild_id] = await _window_open(session, guild_id, start)
                told = next((j.guild_name for j in joins if j.guild_id == guild_id), None)
                servers[guild_id] = await guild_label(session, guild_id, told)
            rows: dict[tuple[int, int], Onboarding | NewOnboarding] = {}
            for guild_id in configs:
                users = [j.user_id for j in joins if j.guild_id == guild_id]
                found = await session.scalars(
                    select(Onboarding).where(
                        Onboarding.guild_id == guild_id,
                        Onboarding.user_id.in_(users),
                        Onboarding.preview.is_(False),
                    )
                )
                rows.update({(r.guild_id, r.user_id): r for r in found})
            outcomes = []
            # A raid's joins are written with a few executemany statements per batch (events,
            # new onboarding rows, outbox rows), not one ORM flush per row: new rows are built
            # here and inserted below, in this same transaction; rows that exist are updated.
            events: list[dict[str, Any]] = []
            fresh: dict[tuple[int, int], NewOnboarding] = {}
            messages: list[dict[str, Any]] = []
            for join in joins:
                key = (join.guild_id, join.user_id)
                row = rows.get(key)
                if _seen(row, join):
                    outcomes.append(JoinOutcome("ignored"))
                    continue
                events.append(
                    {"guild_id": join.guild_id, "user_id": join.user_id, "kind": "join", "at": now}
                )
                cfg = configs[join.guild_id]
                recent[join.guild_id] += 1
                name = member_name(join.display_name)
                if isinstance(row, Onboarding) and row.status == "completed":
                    row.discord_joined_at = join.joined_at
                    row.joins += 1
                    row.left_at = None
                    row.display_name = name
                    roles = await role_ids(session, join.guild_id, row.niches, cfg.autorole_id)
                    outcomes.append(JoinOutcome("returning", restore_role_ids=roles))
                    continue
                if row is None:
                    row = rows[key] = fresh[key] = NewOnboarding(
                        join.guild_id, join.user_id, name, now
                    )
                else:  # came back before finishing: keep their progress, welcome them again
                    row.joins += 1
                    row.status = "screening"
                    row.dm_state = "none"
                    row.public_state = "none"
                    row.public_message_id = row.intro_message_id = None
                    row.batch_window = None
                    row.joined_at = now
                    row.left_at = None
                    row.display_name = name
                row.member_number = join.member_count
                row.discord_joined_at = join.joined_at
                if join.pending:
                    outcomes.append(JoinOutcome("screening"))
                    continue
                outcomes.append(
                    _welcome(
                        cfg,
                        row,
                        now,
                        join.fallback_channel_id,
                        recent[join.guild_id],
                        servers[join.guild_id],
                        messages,
                    )
                )
            await insert_ignore_fast(session, WelcomeEvent, events, ())
            await insert_ignore_fast(session, Onboarding, [r.values() for r in fresh.values()], ())
            await queue_messages(session, messages)
        opened = {
            j.guild_id
            for j, o in zip(joins, outcomes, strict=True)
            if o.action == "batched" and not already_open[j.guild_id]
        }
        if opened:  # after the commit: the window's post must go out when it closes
            self.replan(BATCH_KIND)
        return outcomes

    async def screening_passed(
        self,
        guild_id: int,
        user_id: int,
        *,
        display_name: str,
        member_count: int | None,
        fallback_channel_id: int | None = None,
        guild_name: str | None = None,
    ) -> JoinOutcome:
        """Membership screening done (``pending`` turned False): now they are welcomed."""
        now = self.clock.now()
        async with self.db.write() as session:
            cfg = await config_row(session, guild_id, now, lock=True)
            row = await member_row(session, guild_id, user_id, preview=False)
            if row is None:  # joined while the bot was offline: record the join now
                session.add(WelcomeEvent(guild_id=guild_id, user_id=user_id, kind="join", at=now))
                row = new_member_row(
                    guild_id,
                    user_id,
                    display_name,
                    now,
                    status="screening",
                    member_number=member_count,
                )
                session.add(row)
            elif row.status != "screening":
                return JoinOutcome("ignored")
            since = now - timedelta(seconds=cfg.raid_window_seconds)
            recent = await _recent(session, guild_id, "screened", since)
            start = window_start(now, cfg.raid_window_seconds)
            was_open = await _window_open(session, guild_id, start)
            session.add(WelcomeEvent(guild_id=guild_id, user_id=user_id, kind="screened", at=now))
            server = await guild_label(session, guild_id, guild_name)
            messages: list[dict[str, Any]] = []
            outcome = _welcome(cfg, row, now, fallback_channel_id, recent + 1, server, messages)
            await queue_messages(session, messages)
        if outcome.action == "batched" and not was_open:
            self.replan(BATCH_KIND)
        return outcome

    async def record_leave(self, guild_id: int, user_id: int) -> LeaveOutcome:
        """A member left: within the leave window their welcome disappears (sent or not)."""
        now = self.clock.now()
        async with self.db.write() as session:
            cfg = await config_row(session, guild_id, now)
            row = await member_row(session, guild_id, user_id, preview=False)
            if row is None:
                return LeaveOutcome((), 0)
            session.add(WelcomeEvent(guild_id=guild_id, user_id=user_id, kind="left", at=now))
            row.left_at = now
            window = timedelta(minutes=cfg.leave_window_minutes)
            if not window or now - row.joined_at > window:
                return LeaveOutcome((), 0)
            cancelled = await cancel_queued(session, row)
            delete: list[tuple[int, int]] = []
            if row.public_channel_id is not None:
                for mid in (row.public_message_id, row.intro_message_id):
                    if mid is not None:
                        delete.append((row.public_channel_id, mid))
            row.public_message_id = row.intro_message_id = None
            if row.public_state in ("queued", "batched", "posted"):
                row.public_state = "removed"
            if row.dm_state == "queued" and cancelled:
                row.dm_state = "none"
            return LeaveOutcome(tuple(delete), cancelled)
