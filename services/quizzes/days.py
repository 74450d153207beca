"""Which calendar day and period it is for a server: daily terms, streaks and leaderboards
count in the server's own days, never in UTC dates."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import DomainError
from core.i18n import _
from models.guild import GuildSettings
from models.quizzes import QuizDailyConfig

PERIODS = ("week", "month", "all")


async def server_timezone(session: AsyncSession, guild_id: int) -> str:
    tz = await session.scalar(
        select(GuildSettings.timezone).where(GuildSettings.guild_id == guild_id)
    )
    return tz or "UTC"


async def daily_timezone(session: AsyncSession, guild_id: int) -> str:
    """The day of the daily term turns at midnight here: the daily setup's zone, else the
    server's."""
    tz = await session.scalar(
        select(QuizDailyConfig.timezone).where(QuizDailyConfig.guild_id == guild_id)
    )
    return tz or await server_timezone(session, guild_id)


def local_day(now: datetime, timezone: str) -> date:
    return now.astimezone(ZoneInfo(timezone)).date()


def live_streak(current: int, last_day: str | None, today: date) -> int:
    """A streak still counts today if its last day is today or yesterday (calendar days)."""
    if not last_day:
        return 0
    last = date.fromisoformat(last_day)
    return current if last >= today - timedelta(days=1) else 0


def period_start(period: str, now: datetime, timezone: str) -> datetime | None:
    """Start of this calendar week (Monday) or month in the server's time zone, in UTC."""
    if period == "all":
        return None
    local = now.astimezone(ZoneInfo(timezone))
    day = local.date()
    if period == "week":
        day = day - timedelta(days=day.weekday())
    elif period == "month":
        day = day.replace(day=1)
    else:
        raise DomainError(_("Pick a period: week, month or all."))
    start = datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(timezone))
    return start.astimezone(now.tzinfo)
