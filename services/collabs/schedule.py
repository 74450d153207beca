"""When a guild's rounds run: the schedule's slots (weekly, every other week, monthly), which
have come due, the next one, and moving a guild's next round on once a slot is handled."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import select

from core.errors import DomainError
from core.i18n import _
from models.collabs import CollabSettings
from services.collabs.base import CollabPart
from services.collabs.results import RoundSettings
from services.schedules import fire_times_between, next_fire_times, parse_time

GRACE = timedelta(hours=6)  # a round missed while offline runs late within this window


def round_trigger(frequency: str, day: str, at: str, timezone: str) -> CronTrigger:
    hour, minute = parse_time(at)
    tz = ZoneInfo(timezone)
    if frequency == "monthly":
        return CronTrigger(day=f"1st {day}", hour=hour, minute=minute, timezone=tz)
    return CronTrigger(day_of_week=day, hour=hour, minute=minute, timezone=tz)


def on_schedule(s: CollabSettings | RoundSettings, when: datetime, anchor: datetime) -> bool:
    if s.frequency != "biweekly":
        return True
    tz = ZoneInfo(s.timezone)
    weeks = (when.astimezone(tz).date() - anchor.astimezone(tz).date()).days // 7
    return weeks % 2 == 0


def next_round_after(s: CollabSettings, after: datetime) -> datetime:
    trigger = round_trigger(s.frequency, s.day, s.time, s.timezone)
    for when in next_fire_times(trigger, after, 3):
        if on_schedule(s, when, s.anchor):
            return when
    raise DomainError(_("That schedule never fires."))  # unreachable for weekly cron triggers


def slots_until(row: CollabSettings, now: datetime) -> list[datetime]:
    """The guild's slots from its next round up to now (the bot may have slept through some)."""
    if row.next_round_at is None or row.next_round_at > now:
        return []
    trigger = round_trigger(row.frequency, row.day, row.time, row.timezone)
    return [row.next_round_at] + [
        t
        for t in fire_times_between(trigger, row.next_round_at, now)
        if on_schedule(row, t, row.anchor)
    ]


class CollabSchedule(CollabPart):
    async def _running(self) -> list[CollabSettings]:
        async with self.db.read() as s:
            rows = await s.scalars(
                select(CollabSettings).where(
                    CollabSettings.paused.is_(False), CollabSettings.next_round_at.is_not(None)
                )
            )
            return list(rows.all())

    async def due_rounds(
        self, now: datetime, owns: Callable[[int], bool]
    ) -> list[tuple[int, datetime]]:
        """(guild, slot) for every slot at or before now of the guilds ``owns`` accepts,
        handled ones included (the delivery core filters those by their claims)."""
        return [
            (row.guild_id, slot)
            for row in await self._running()
            if owns(row.guild_id)
            for slot in slots_until(row, now)
        ]

    async def next_round(self, now: datetime, owns: Callable[[int], bool]) -> datetime | None:
        """The first slot after now among the guilds ``owns`` accepts."""
        upcoming = [
            row.next_round_at
            if row.next_round_at is not None and row.next_round_at > now
            else next_round_after(row, now)
            for row in await self._running()
            if owns(row.guild_id)
        ]
        return min(upcoming, default=None)

    async def advance(self, guild_id: int, past: datetime) -> datetime | None:
        """A slot at ``past`` was handled (run, or recorded missed): the guild's next round is
        the first slot after it (never earlier than it already is)."""
        async with self.db.write() as s:
            row = await s.get(CollabSettings, guild_id)
            if row is None or row.paused:
                return None
            if row.next_round_at is None or row.next_round_at <= past:
                row.next_round_at = next_round_after(row, past)
            return row.next_round_at
