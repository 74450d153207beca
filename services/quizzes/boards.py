"""Leaderboards and member stats, summed from the answers of games and daily terms alike
(periods and streaks in the server's calendar days)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from core.clock import Clock
from core.db import Database
from core.errors import DomainError
from core.i18n import _
from models.quizzes import QuizAnswer, QuizGameScore, QuizStreak
from services.quizzes.days import (
    PERIODS,
    daily_timezone,
    live_streak,
    local_day,
    period_start,
    server_timezone,
)
from services.quizzes.questions import require_category


@dataclass(frozen=True)
class BoardRow:
    user_id: int
    points: int
    correct: int


@dataclass(frozen=True)
class Stats:
    user_id: int
    points: int
    answered: int
    correct: int
    games: int
    streak: int
    best_streak: int
    best_category: str | None

    @property
    def accuracy(self) -> float:
        return self.correct / self.answered if self.answered else 0.0


class Boards:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    async def leaderboard(
        self, guild_id: int, period: str = "all", category: str | None = None, limit: int = 10
    ) -> tuple[list[BoardRow], datetime | None]:
        if period not in PERIODS:
            raise DomainError(_("Pick a period: week, month or all."))
        if category is not None:
            require_category(category)
        async with self.db.read() as session:
            since = period_start(period, self.clock.now(), await server_timezone(session, guild_id))
            total = func.sum(QuizAnswer.points)
            stmt = (
                select(
                    QuizAnswer.user_id,
                    total.label("points"),
                    func.sum(func.cast(QuizAnswer.correct, type_=QuizAnswer.points.type)),
                )
                .where(QuizAnswer.guild_id == guild_id)
                .group_by(QuizAnswer.user_id)
                .having(total > 0)
                .order_by(total.desc(), QuizAnswer.user_id)
                .limit(limit)
            )
            if since is not None:
                stmt = stmt.where(QuizAnswer.answered_at >= since)
            if category is not None:
                stmt = stmt.where(QuizAnswer.category == category)
            rows = (await session.execute(stmt)).all()
        return [BoardRow(int(u), int(p or 0), int(c or 0)) for u, p, c in rows], since

    async def stats(self, guild_id: int, user_id: int) -> Stats:
        async with self.db.read() as session:
            mine = (QuizAnswer.guild_id == guild_id, QuizAnswer.user_id == user_id)
            points, answered, correct = (
                await session.execute(
                    select(
                        func.coalesce(func.sum(QuizAnswer.points), 0),
                        func.count(),
                        func.coalesce(
                            func.sum(func.cast(QuizAnswer.correct, type_=QuizAnswer.points.type)), 0
                        ),
                    ).where(*mine)
                )
            ).one()
            games = await session.scalar(
                select(func.count()).where(
                    QuizGameScore.guild_id == guild_id, QuizGameScore.user_id == user_id
                )
            )
            best = (
                await session.execute(
                    select(QuizAnswer.category, func.count())
                    .where(*mine, QuizAnswer.correct.is_(True))
                    .group_by(QuizAnswer.category)
                    .order_by(func.count().desc(), QuizAnswer.category)
                    .limit(1)
                )
            ).first()
            streak = (
                await session.scalars(
                    select(QuizStreak).where(
                        QuizStreak.guild_id == guild_id, QuizStreak.user_id == user_id
                    )
                )
            ).first()
            today = local_day(self.clock.now(), await daily_timezone(session, guild_id))
        return Stats(
            user_id=user_id,
            points=int(points),
            answered=int(answered),
            correct=int(correct),
            games=int(games or 0),
            streak=live_streak(streak.current, streak.last_day, today) if streak else 0,
            best_streak=streak.best if streak else 0,
            best_category=best[0] if best else None,
        )
