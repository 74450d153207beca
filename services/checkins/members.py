"""Members' side of taking part: opt in or out (DM or channel mention), vacations that freeze the
streak, and a member's own streak report. Each operation is one transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from core.clock import Clock
from core.db import Database
from core.errors import DomainError
from core.i18n import _
from core.sql import insert_ignore
from models.checkins import CheckinAway, CheckinMember
from services.checkins.config import load_config, member_row, member_tz
from services.checkins.history import load_streaks
from services.checkins.inputs import check_away_until, check_mode, parse_away_date
from services.checkins.periods import MemberPeriod, local_today
from services.checkins.streaks import Streak, mood_trend


@dataclass(frozen=True)
class Membership:
    guild_id: int
    user_id: int
    mode: str
    active: bool
    away_until: date | None
    timezone: str
    next_prompt_at: datetime | None


@dataclass(frozen=True)
class StreakReport:
    streak: Streak
    unit: str
    timezone: str
    mood_trend: str
    period: MemberPeriod


class CheckinMembers:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    async def opt_in(self, guild_id: int, user_id: int, mode: str = "dm") -> Membership:
        check_mode(mode)
        now = self.clock.now()
        async with self.db.write() as s:
            cfg = await load_config(s, guild_id)
            row = await member_row(s, guild_id, user_id)
            values: dict[str, Any] = {"mode": mode, "active": True, "updated_at": now}
            if row is not None and not row.active:
                values["joined_at"] = now
            if row is None:
                await insert_ignore(
                    s,
                    CheckinMember,
                    [
                        {
                            "guild_id": guild_id,
                            "user_id": user_id,
                            "mode": mode,
                            "active": True,
                            "away_until": None,
                            "joined_at": now,
                            "updated_at": now,
                        }
                    ],
                    ["guild_id", "user_id"],
                )
            await s.execute(
                update(CheckinMember)
                .where(CheckinMember.guild_id == guild_id, CheckinMember.user_id == user_id)
                .values(**values)
            )
            tz = await member_tz(s, guild_id, user_id, cfg.timezone)
            row = await member_row(s, guild_id, user_id)
            assert row is not None
            return Membership(
                guild_id,
                user_id,
                mode,
                True,
                row.away_until,
                tz,
                None if cfg.paused else cfg.next_prompt(now, tz),
            )

    async def opt_out(self, guild_id: int, user_id: int) -> None:
        async with self.db.write() as s:
            row = await member_row(s, guild_id, user_id)
            if row is None or not row.active:
                raise DomainError(_("You're not signed up for check-ins here, so nothing to stop."))
            row.active = False
            row.updated_at = self.clock.now()

    async def membership(self, guild_id: int, user_id: int) -> Membership | None:
        now = self.clock.now()
        async with self.db.read() as s:
            row = await member_row(s, guild_id, user_id)
            if row is None:
                return None
            cfg = await load_config(s, guild_id)
            tz = await member_tz(s, guild_id, user_id, cfg.timezone)
            nxt = cfg.next_prompt(now, tz) if row.active and not cfg.paused else None
            return Membership(guild_id, user_id, row.mode, row.active, row.away_until, tz, nxt)

    async def set_away(self, guild_id: int, user_id: int, until_raw: str) -> date:
        until = parse_away_date(until_raw)
        now = self.clock.now()
        async with self.db.write() as s:
            cfg = await load_config(s, guild_id)
            row = await member_row(s, guild_id, user_id)
            if row is None or not row.active:
                raise DomainError(
                    _("You're not signed up for check-ins here. Join with `/checkin optin` first.")
                )
            tz = await member_tz(s, guild_id, user_id, cfg.timezone)
            today = local_today(now, tz)
            check_away_until(until, today)
            row.away_until = until
            row.updated_at = now
            s.add(
                CheckinAway(
                    guild_id=guild_id, user_id=user_id, start=today, until=until, created_at=now
                )
            )
            return until

    async def end_away(self, guild_id: int, user_id: int) -> None:
        now = self.clock.now()
        async with self.db.write() as s:
            cfg = await load_config(s, guild_id)
            row = await member_row(s, guild_id, user_id)
            tz = await member_tz(s, guild_id, user_id, cfg.timezone)
            today = local_today(now, tz)
            if row is None or row.away_until is None or row.away_until < today:
                raise DomainError(_("You're not marked as away. Welcome back anyway! 💞"))
            row.away_until = None
            row.updated_at = now
            yesterday = today - timedelta(days=1)
            aways = (
                await s.scalars(
                    select(CheckinAway).where(
                        CheckinAway.guild_id == guild_id,
                        CheckinAway.user_id == user_id,
                        CheckinAway.until >= today,
                    )
                )
            ).all()
            for away in aways:
                # one starting today or later is dropped; one already under way ends yesterday
                if away.start > yesterday:
                    await s.delete(away)
                else:
                    away.until = yesterday

    async def streak(self, guild_id: int, user_id: int) -> StreakReport:
        now = self.clock.now()
        async with self.db.read() as s:
            cfg = await load_config(s, guild_id)
            tz = await member_tz(s, guild_id, user_id, cfg.timezone)
            period = cfg.current(now, tz)
            streak = (await load_streaks(s, cfg, {user_id: period.label}))[user_id]
            return StreakReport(streak, cfg.unit, tz, mood_trend(streak.moods), period)
