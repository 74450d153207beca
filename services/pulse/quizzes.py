"""Quizzes in one week: who played (games and the term of the day), each day's term-of-the-day
players, and the term-of-the-day streaks still alive."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import distinct, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.quizzes import QuizAnswer, QuizStreak
from services.pulse.names import names_of
from services.pulse.sql import count_if
from services.pulse.values import DayPlayers, Quizzes, StreakRow, Week
from services.quizzes.days import daily_timezone, live_streak, local_day

TOP = 5


async def read_quizzes(session: AsyncSession, guild_id: int, week: Week, now: datetime) -> Quizzes:
    in_week = (
        QuizAnswer.guild_id == guild_id,
        QuizAnswer.answered_at >= week.starts_at,
        QuizAnswer.answered_at < week.ends_at,
    )
    players, answers, correct, game_players = (
        await session.execute(
            select(
                func.count(distinct(QuizAnswer.user_id)),
                func.count(),
                count_if(QuizAnswer.correct.is_(True)),
                func.count(distinct(QuizAnswer.user_id)).filter(QuizAnswer.game_id.is_not(None)),
            ).where(*in_week)
        )
    ).one()
    days = [week.start + timedelta(days=n) for n in range(7)]
    keys = {f"d{day.isoformat()}": day for day in days}
    per_day = await session.execute(
        select(QuizAnswer.round_key, func.count(), count_if(QuizAnswer.correct.is_(True)))
        .where(QuizAnswer.guild_id == guild_id, QuizAnswer.round_key.in_(list(keys)))
        .group_by(QuizAnswer.round_key)
    )
    found = {keys[str(k)]: (int(n), int(c)) for k, n, c in per_day.all()}
    today = local_day(now, await daily_timezone(session, guild_id))
    streaks = await _live_streaks(session, guild_id, today)
    return Quizzes(
        players=int(players or 0),
        answers=int(answers or 0),
        correct=int(correct or 0),
        game_players=int(game_players or 0),
        days=tuple(DayPlayers(d, *found.get(d, (0, 0))) for d in days),
        streaks=streaks,
    )


async def _live_streaks(session: AsyncSession, guild_id: int, today: date) -> tuple[StreakRow, ...]:
    rows = await session.execute(
        select(QuizStreak.user_id, QuizStreak.current, QuizStreak.best, QuizStreak.last_day)
        .where(
            QuizStreak.guild_id == guild_id,
            QuizStreak.current > 0,
            QuizStreak.last_day >= (today - timedelta(days=1)).isoformat(),
        )
        .order_by(QuizStreak.current.desc(), QuizStreak.user_id)
        .limit(TOP)
    )
    # alive: its last day is today or yesterday (the filter above), as /quiz streak counts it
    top = [
        (int(uid), live_streak(int(cur), last, today), int(best))
        for uid, cur, best, last in rows.all()
    ]
    names = await names_of(session, guild_id, (uid for uid, _, _ in top))
    return tuple(StreakRow(uid, names[uid], cur, best) for uid, cur, best in top)
