"""Check-ins in one week: prompts sent vs answered (and the weeks before, as a trend), and the
members on the longest runs of answered periods."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.checkins import CheckinAnswer, CheckinConfig, CheckinPrompt
from services.pulse.names import names_of
from services.pulse.values import Checkins, StreakRow, Week, WeekRate
from services.pulse.weeks import monday_of

TREND_WEEKS = 8
#: streaks are counted over this many weeks back (a run longer than that shows as this long)
STREAK_WEEKS = 12
STREAK_SHOWN = 3  # a run of at least this many periods counts as "on a streak"
TOP = 5


async def read_checkins(session: AsyncSession, guild_id: int, week: Week) -> Checkins:
    period = await session.scalar(
        select(CheckinConfig.period).where(CheckinConfig.guild_id == guild_id)
    )
    end = week.start + timedelta(days=7)
    trend_from = week.start - timedelta(weeks=TREND_WEEKS - 1)
    asked = await _per_period(session, CheckinPrompt, guild_id, trend_from, end)
    answered = await _per_period(session, CheckinAnswer, guild_id, trend_from, end)
    trend: list[WeekRate] = []
    for n in range(TREND_WEEKS):
        monday = trend_from + timedelta(weeks=n)
        total = sum(c for label, c in asked.items() if monday_of(label) == monday)
        done = sum(c for label, c in answered.items() if monday_of(label) == monday)
        trend.append(WeekRate(monday, total, done))
    step = timedelta(days=1 if period == "daily" else 7)
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


async def _per_period(
    session: AsyncSession,
    table: type[CheckinPrompt] | type[CheckinAnswer],
    guild_id: int,
    start: date,
    end: date,
) -> dict[date, int]:
    rows = await session.execute(
        select(table.period, func.count())
        .where(table.guild_id == guild_id, table.period >= start, table.period < end)
        .group_by(table.period)
    )
    return {label: int(n) for label, n in rows.all()}


async def _streaks(
    session: AsyncSession, guild_id: int, week: Week, step: timedelta
) -> tuple[tuple[StreakRow, ...], int]:
    """Runs of answered periods in a row ending with this week's last answered period (while
    the week is still going, its open period can't break a run yet)."""
    end = week.start + timedelta(days=7)
    start = week.start - timedelta(weeks=STREAK_WEEKS - 1)
    rows = await session.execute(
        select(CheckinAnswer.user_id, CheckinAnswer.period).where(
            CheckinAnswer.guild_id == guild_id,
            CheckinAnswer.period >= start,
            CheckinAnswer.period < end,
        )
    )
    labels: dict[int, set[date]] = defaultdict(set)
    for uid, label in rows.all():
        labels[int(uid)].add(label)
    last = week.start if step.days == 7 else end - timedelta(days=1)
    runs: list[tuple[int, int, int]] = []  # (current, best, user)
    for uid, answered in labels.items():
        current, cursor = 0, last
        if cursor not in answered and week.in_progress:
            cursor -= step  # the open period hasn't been missed yet
        while cursor in answered:
            current += 1
            cursor -= step
        best = run = 0
        for label in sorted(answered):
            run = run + 1 if label - step in answered else 1
            best = max(best, run)
        runs.append((current, best, uid))
    runs.sort(key=lambda r: (-r[0], -r[1], r[2]))
    top = [r for r in runs[:TOP] if r[0] > 0]
    names = await names_of(session, guild_id, (uid for _, _, uid in top))
    return (
        tuple(StreakRow(uid, names[uid], current, best) for current, best, uid in top),
        sum(1 for current, _, _ in runs if current >= STREAK_SHOWN),
    )
