"""Each member's prompt at their own local time: who is due in each (guild, zone), queueing them in
bulk (a unique prompt row per member and period, so nobody is ever asked twice), the DM fallback.

The database is the source of truth. ``scan`` finds the members whose prompt time has come in
their zone and who have no prompt (or answer) for that period yet; ``queue_zone`` inserts one
prompt row each (``ON CONFLICT DO NOTHING``) and, in the same transaction, queues the DMs (or the
channel mentions) in the outbox. Run it twice, on two processes, or after a restart: nobody is
asked twice, and prompts missed while the bot was down still go out while the period is open.
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import Clock, as_utc
from core.db import Database
from core.outbox import CHANNEL, DM, add_message, outbox_row
from core.sql import insert_ignore_fast
from models.checkins import CheckinAnswer, CheckinConfig, CheckinMember, CheckinPrompt
from models.delivery import OutboxMessage
from services.checkins.config import CheckinSettings, find_config
from services.checkins.config import profile_zones as load_profile_zones
from services.checkins.periods import MemberPeriod, unit_of
from services.directory import FALLBACK_GUILD, guild_name_in

PURPOSE_PROMPT_DM = "checkin_prompt"
PURPOSE_PROMPT_CHANNEL = "checkin_prompt_ch"
MENTIONS_PER_POST = 40  # 40 mentions + text stay far below 2,000 characters
# Members queued per write transaction: driver-level inserts take ~20 ms per 5,000 on SQLite,
# short enough for commands waiting on its one write lock.
QUEUE_CHUNK = 5000


@dataclass(frozen=True)
class QueueResult:
    prompted: int
    dms: int
    channel_posts: int

    def __add__(self, other: QueueResult) -> QueueResult:
        return QueueResult(
            self.prompted + other.prompted,
            self.dms + other.dms,
            self.channel_posts + other.channel_posts,
        )


NOTHING = QueueResult(0, 0, 0)


@dataclass(frozen=True)
class DueMember:
    user_id: int
    mode: str  # dm | channel
    period: MemberPeriod


@dataclass(frozen=True)
class ZoneDue:
    """The members of one guild and zone whose prompt has come and who weren't asked yet."""

    guild_id: int
    tz: str
    prompt_at: datetime
    members: tuple[DueMember, ...]


@dataclass(frozen=True)
class GuildScan:
    """One read of a guild's check-ins at one moment: the zones its members are in, and who in
    which zone is due and not yet asked. Nothing when check-ins aren't set up or are paused."""

    guild_id: int
    settings: CheckinSettings | None
    zones: tuple[str, ...]
    due: tuple[ZoneDue, ...]

    def next_prompt(self, now: datetime) -> datetime | None:
        """The first prompt strictly after ``now`` over the zones members are in."""
        cfg = self.settings
        if cfg is None:
            return None
        return min((cfg.next_prompt(now, tz) for tz in self.zones), default=None)


def _prompt_times(cfg: CheckinSettings, now: datetime, zones: Iterable[str]) -> list[datetime]:
    """The current period's prompt time in each zone (one a stored profile can't name is
    skipped here: it is the scan's to report for the members who have it)."""
    out = []
    for tz in zones:
        try:
            out.append(cfg.current(now, tz).prompt_at)
        except (KeyError, ValueError):
            continue
    return out


class CheckinPrompts:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    async def guild_ids(self) -> list[int]:
        async with self.db.read() as s:
            return list((await s.scalars(select(CheckinConfig.guild_id))).all())

    # ------------------------------------------------------------------ who is due

    async def scan(self, guild_id: int, now: datetime) -> GuildScan:
        """Who is due at ``now`` in each zone, and the zones in use (reads only)."""
        async with self.db.read() as s:
            cfg = await find_config(s, guild_id)
            if cfg is None or cfg.paused:
                return GuildScan(guild_id, None, (), ())
            zones, due = await self._due_members(s, cfg, now)
        by_zone: dict[str, list[DueMember]] = defaultdict(list)
        for member in due:
            by_zone[member.period.tz].append(member)
        pending = tuple(
            ZoneDue(guild_id, tz, members[0].period.prompt_at, tuple(members))
            for tz, members in sorted(by_zone.items())
        )
        return GuildScan(guild_id, cfg, zones, pending)

    async def pending(self, guild_id: int, now: datetime) -> list[ZoneDue]:
        """Every zone of this guild with members due at ``now`` and not yet asked."""
        return list((await self.scan(guild_id, now)).due)

    async def next_prompt(self, guild_id: int, now: datetime) -> datetime | None:
        """The first prompt strictly after ``now`` over the zones members of this guild are in."""
        return (await self.scan(guild_id, now)).next_prompt(now)

    async def _due_members(
        self, s: AsyncSession, cfg: CheckinSettings, now: datetime
    ) -> tuple[tuple[str, ...], list[DueMember]]:
        """The zones of the active members, and every member due now and not yet prompted for
        their current period."""
        # Plain indexed scans and the arithmetic in Python: no join plan to go wrong on a
        # table the planner hasn't analysed yet (measured: 6 s vs 0.1 s at 10k on PostgreSQL).
        conn = await s.connection()  # plain rows, not ORM loading: 100k members
        zones = await load_profile_zones(s, cfg.guild_id)
        # Whoever opted in before the earliest prompt of every zone in use can't have joined
        # after their own: only the others' times are read (parsing 100k datetimes is most of
        # a scan).
        earliest = min(_prompt_times(cfg, now, {cfg.timezone, *zones.values()}), default=now)
        active = (CheckinMember.guild_id == cfg.guild_id, CheckinMember.active.is_(True))
        members = (
            await conn.execute(
                select(
                    CheckinMember.user_id,
                    CheckinMember.mode,
                    CheckinMember.away_until,
                    CheckinMember.joined_at > earliest,
                ).where(*active)
            )
        ).all()
        if not members:
            return (), []
        late = [uid for uid, _mode, _away, after in members if after]
        joined_at: dict[int, datetime] = {}
        for i in range(0, len(late), 5000):
            found = await conn.execute(
                select(CheckinMember.user_id, CheckinMember.joined_at).where(
                    *active, CheckinMember.user_id.in_(late[i : i + 5000])
                )
            )
            joined_at.update((uid, as_utc(joined)) for uid, joined in found)
        by_zone: dict[str, MemberPeriod] = {}
        due: list[DueMember] = []
        for uid, mode, away, _after in members:
            tz = zones.get(uid) or cfg.timezone
            mp = by_zone.get(tz)
            if mp is None:
                mp = by_zone[tz] = cfg.current(now, tz)
            if not mp.prompt_at <= now < mp.closes_at:
                continue
            if away is not None and away >= mp.prompt_day:
                continue  # on vacation when the prompt is due
            # Nobody is asked about a period whose prompt time came before they opted in
            # (or before check-ins were set up): no surprise DM the minute you join.
            joined = joined_at.get(uid)
            if cfg.created_at > mp.prompt_at or (joined is not None and joined > mp.prompt_at):
                continue
            due.append(DueMember(uid, mode, mp))
        in_use = tuple(sorted(by_zone))
        labels = {m.period.label for m in due}
        if not labels:
            return in_use, []
        handled: set[tuple[int, date]] = set()
        for model in (CheckinPrompt, CheckinAnswer):
            rows = await conn.execute(
                select(model.user_id, model.period).where(
                    model.guild_id == cfg.guild_id, model.period.in_(labels)
                )
            )
            handled.update((uid, label) for uid, label in rows.all())
        return in_use, [m for m in due if (m.user_id, m.period.label) not in handled]

    # ------------------------------------------------------------------ queueing

    async def queue_zone(
        self, guild_id: int, tz: str, now: datetime, due: ZoneDue | None = None
    ) -> QueueResult:
        """Queue the prompts of one guild and zone that are due at ``now`` (idempotent).

        ``due`` is what ``scan`` just found (saves reading every member again); without it,
        or when it is for another zone, the members are read afresh.
        """
        async with self.db.read() as s:
            cfg = await find_config(s, guild_id)
            if cfg is None or cfg.paused:
                return NOTHING
            if due is None or (due.guild_id, due.tz) != (guild_id, tz):
                _zones, found = await self._due_members(s, cfg, now)
                members = [m for m in found if m.period.tz == tz]
            else:
                members = list(due.members)
        return await self._queue(cfg, members, now)

    async def queue_due(self, now: datetime, guild_ids: Iterable[int] | None = None) -> QueueResult:
        """Queue every prompt due at ``now`` in every zone (what the delivery plan does zone by
        zone, in one call: for tests and benchmarks)."""
        wanted = set(guild_ids) if guild_ids is not None else None
        total = NOTHING
        for guild_id in await self.guild_ids():
            if wanted is not None and guild_id not in wanted:
                continue
            for zone in await self.pending(guild_id, now):
                total += await self.queue_zone(guild_id, zone.tz, now, zone)
        return total

    async def _queue(
        self, cfg: CheckinSettings, members: Sequence[DueMember], now: datetime
    ) -> QueueResult:
        """Queue in short write transactions, QUEUE_CHUNK members each.

        Each chunk inserts its prompt rows and their outbox rows together, so a crash can't
        leave a prompt without its message or the reverse; short transactions keep SQLite's
        single write lock free for commands while 100k prompts are being queued.
        """
        total = NOTHING
        for i in range(0, len(members), QUEUE_CHUNK):
            total += await self._queue_chunk(cfg, members[i : i + QUEUE_CHUNK], now)
        return total

    async def _queue_chunk(
        self, cfg: CheckinSettings, due: Sequence[DueMember], now: datetime
    ) -> QueueResult:
        guild_id = cfg.guild_id
        batch = secrets.token_hex(16)
        periods = {m.user_id: m.period for m in due}
        rows = [
            {
                "guild_id": guild_id,
                "user_id": m.user_id,
                "period": m.period.label,
                "prompt_at": m.period.prompt_at,
                "mode": m.mode,
                "batch": batch,
                "created_at": now,
            }
            for m in due
        ]
        async with self.db.write() as s:
            await insert_ignore_fast(s, CheckinPrompt, rows, ["guild_id", "user_id", "period"])
            # Only the rows this run inserted: another process may have won some of them.
            conn = await s.connection()
            mine = (
                await conn.execute(
                    select(CheckinPrompt.user_id, CheckinPrompt.mode).where(
                        CheckinPrompt.batch == batch
                    )
                )
            ).all()
            # The name as stored from the gateway, in the payload: whichever process sends the
            # DM (it may not hold this guild in its cache) shows the same thing.
            server = await guild_name_in(s, guild_id) or FALLBACK_GUILD
            outbox: list[dict[str, Any]] = []
            channel: dict[date, list[int]] = defaultdict(list)
            # One payload per period (the same object in every row: converted once)
            payloads: dict[date, dict[str, Any]] = {}
            for uid, mode in mine:
                mp = periods[uid]
                if mode == "channel":
                    channel[mp.label].append(uid)
                    continue
                payload = payloads.get(mp.label)
                if payload is None:
                    payload = payloads[mp.label] = {
                        "guild_id": str(guild_id),
                        "guild_name": server,
                        "period": mp.label.isoformat(),
                        "unit": cfg.unit,
                        "closes_at": mp.closes_at.isoformat(),
                    }
                outbox.append(
                    outbox_row(
                        kind=DM,
                        target_id=uid,
                        guild_id=guild_id,
                        purpose=PURPOSE_PROMPT_DM,
                        payload=payload,
                        dedupe_key=f"checkin:prompt:{guild_id}:{uid}:{mp.label.isoformat()}",
                        now=now,
                    )
                )
            dms = len(outbox)
            posts = 0
            for label, uids in channel.items():
                for n, i in enumerate(range(0, len(uids), MENTIONS_PER_POST)):
                    posts += 1
                    outbox.append(
                        outbox_row(
                            kind=CHANNEL,
                            target_id=cfg.channel_id,
                            guild_id=guild_id,
                            purpose=PURPOSE_PROMPT_CHANNEL,
                            payload={
                                "guild_id": str(guild_id),
                                "period": label.isoformat(),
                                "unit": cfg.unit,
                                "user_ids": [str(u) for u in uids[i : i + MENTIONS_PER_POST]],
                            },
                            dedupe_key=f"checkin:prompt-ch:{guild_id}:{batch}:{label}:{n}",
                            now=now,
                        )
                    )
            await insert_ignore_fast(s, OutboxMessage, outbox, ["dedupe_key"])
            return QueueResult(len(mine), dms, posts)

    async def fallback_to_channel(self, guild_id: int, user_id: int, label: date) -> bool:
        """The prompt DM bounced (DMs closed): mention the member in the channel instead."""
        now = self.clock.now()
        async with self.db.write() as s:
            row = await s.get(CheckinConfig, guild_id)
            if row is None:
                return False
            await s.execute(
                update(CheckinPrompt)
                .where(
                    CheckinPrompt.guild_id == guild_id,
                    CheckinPrompt.user_id == user_id,
                    CheckinPrompt.period == label,
                )
                .values(mode="channel")
            )
            return await add_message(
                s,
                kind=CHANNEL,
                target_id=row.channel_id,
                guild_id=guild_id,
                purpose=PURPOSE_PROMPT_CHANNEL,
                payload={
                    "guild_id": str(guild_id),
                    "period": label.isoformat(),
                    "unit": unit_of(row.period),
                    "user_ids": [str(user_id)],
                    "fallback": True,
                },
                now=now,
                dedupe_key=f"checkin:fallback:{guild_id}:{user_id}:{label.isoformat()}",
            )
