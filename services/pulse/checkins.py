"""Check-ins in one week: prompts sent vs answered (and the weeks before, as a trend), and the
members on the longest runs of answered periods. Counted in SQL (GROUP BY and window functions),
so a server of thousands of members sends back a handful of rows."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.checkins import CheckinAnswer, CheckinConfig, CheckinPrompt
from services.pulse.names import names_of
from services.pulse.sql import day_number
from services.pulse.values import Checkins, StreakRow, Week, WeekRate

TREND_WEEKS = 8
#: streaks are counted over this many weeks back (a run longer than that shows as this long)
STREAK_WEEKS = 12
STREAK_SHOWN = 3  # a run of at least this many periods counts as "on a streak"
TOP = 5
#: day_number() of 2000-01-01 is 0, a Saturday: (n + 5) // 7 counts Mondays since then
_MONDAY_SHIFT = 5
_EPOCH = date(2000, 1, 1)


def _week_index(day: date) -> int:
    return ((day - _EPOCH).days + _MONDAY_SHIFT) // 7


async def read_checkins(session: AsyncSession, guild_id: int, week: Week) -> Checkins:
    period = await session.scalar(
        select(CheckinConfig.period).where(CheckinConfig.guild_id == guild_id)
    )
    end = week.start + timedelta(days=7)
    trend_from = week.start - timedelta(weeks=TREND_WEEKS - 1)
    asked = await _per_week(session, CheckinPrompt, guild_id, trend_from, end)
    answered = await _per_week(session, CheckinAnswer, guild_id, trend_from, end)
    trend: list[WeekRate] = []
    for n in range(TREND_WEEKS):
        monday = trend_from + timedelta(weeks=n)
        index = _week_index(monday)
        trend.append(WeekRate(monday, asked.get(index, 0), answered.get(index, 0)))
    step = 1 if period == "daily" else 7
    streaks, on_streak = await _streaks(session, guild_id, week, step)
    return Checkins(
        set_up=period is not None,
        period=str(period or "weekly"),
        prompted=trend[-1].total,
        answered=trend[-1].done,
        trend=tuple(trend),
        streaks=streaks,
        on_streak=on_streak,
    )


async def _per_week(
    session: AsyncSession,
    table: type[CheckinPrompt] | type[CheckinAnswer],
    guild_id: int,
    start: date,
    end: date,
) -> dict[int, int]:
    """Rows per calendar week (its Monday's week index), daily periods summed in SQL."""
    week = ((day_number(table.period) + _MONDAY_SHIFT) // 7).label("week")
    rows = await session.execute(
        select(week, func.count())
        .where(table.guild_id == guild_id, table.period >= start, table.period < end)
        .group_by(week)
    )
    return {int(index): int(n) for index, n in rows.all()}


async def _streaks(
    session: AsyncSession, guild_id: int, week: Week, step: int
) -> tuple[tuple[StreakRow, ...], int]:
    """Runs of answered periods in a row ending with this week's last period (while the week is
    still going, its open period can't break a run yet), by gaps and islands: a period's number
    minus its rank among the member's answers is the same all along one run."""
    end = week.start + timedelta(days=7)
    start = week.start - timedelta(weeks=STREAK_WEEKS - 1)
    last_day = week.start if step == 7 else end - timedelta(days=1)
    last = (last_day - _EPOCH).days // step
    n = (day_number(CheckinAnswer.period) // step).label("n")
    numbered = (
        select(CheckinAnswer.user_id, n)
        .where(
            CheckinAnswer.guild_id == guild_id,
            CheckinAnswer.period >= start,
            CheckinAnswer.period < end,
        )
        .subquery()
    )
    islands = select(
        numbered.c.user_id,
        numbered.c.n,
        (
            numbered.c.n
            - func.row_number().over(partition_by=numbered.c.user_id, order_by=numbered.c.n)
        ).label("island"),
    ).subquery()
    runs = (
        select(
            islands.c.user_id,
            func.count().label("length"),
            func.max(islands.c.n).label("ends"),
        )
        .group_by(islands.c.user_id, islands.c.island)
        .subquery()
    )
    # the run that ends with the last period (or the one before, while that one is still open)
    ends = [last, last - 1] if week.in_progress else [last]
    current = func.max(case((runs.c.ends.in_(ends), runs.c.length), else_=0))
    per_member = (
        select(
            runs.c.user_id,
            current.label("current"),
            func.max(runs.c.length).label("best"),
        )
        .group_by(runs.c.user_id)
        .subquery()
    )
    on_streak = func.sum(case((per_member.c.current >= STREAK_SHOWN, 1), else_=0)).over()
    rows = (
        await session.execute(
            select(per_member.c.user_id, per_member.c.current, per_member.c.best, on_streak)
            .order_by(per_member.c.current.desc(), per_member.c.best.desc(), per_member.c.user_id)
            .limit(TOP)
        )
    ).all()
    top = [(int(uid), int(cur), int(best)) for uid, cur, best, _ in rows if int(cur) > 0]
    names = await names_of(session, guild_id, (uid for uid, _, _ in top))
    return (
        tuple(StreakRow(uid, names[uid], cur, best) for uid, cur, best in top),
        int(rows[0][3] or 0) if rows else 0,
    )
