"""How an answer is graded, scored and recorded, for game questions and daily terms alike.

A round (``g<game>:<index>`` or ``d<YYYY-MM-DD>``) takes one answer per member: recording is
one ``INSERT … ON CONFLICT DO NOTHING`` on the unique (guild, round, member) row, so the loser
of a race inserts nothing and is told so, however many clicks arrive at once.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import DomainError
from core.sql import insert_ignore
from models.quizzes import QuizAnswer
from services.quizzes.questions import DIFFICULTIES, Question

MAX_POINTS = 1000
DAILY_POINTS = 100


def game_round(game_id: int, index: int) -> str:
    return f"g{game_id}:{index}"


def daily_round(day: date) -> str:
    return f"d{day.isoformat()}"


def points_for(elapsed: timedelta, timer_seconds: int, difficulty: str) -> int:
    """1,000 for an instant answer down to 500 at the buzzer, times the difficulty bonus."""
    share = min(1.0, max(0.0, elapsed.total_seconds() / timer_seconds))
    return round(MAX_POINTS * (1 - 0.5 * share) * DIFFICULTIES.get(difficulty, 1.0))


def daily_points(difficulty: str) -> int:
    """A right term of the day: 100 times the difficulty bonus (no speed bonus)."""
    return round(DAILY_POINTS * DIFFICULTIES.get(difficulty, 1.0))


def grade_option(question: Question, option: int | None) -> tuple[bool, str]:
    """(right?, the option's text) for a multiple-choice pick."""
    if option is None or not 0 <= option < len(question.options):
        raise DomainError("Pick one of the four answer buttons.")
    return option == question.correct_option, question.options[option]


async def record_answer(
    session: AsyncSession,
    *,
    guild_id: int,
    round_key: str,
    user_id: int,
    question: Question,
    choice: str | None,
    correct: bool,
    points: int,
    now: datetime,
    game_id: int | None = None,
) -> bool:
    """Store a member's answer to a round; False if they had already answered it."""
    return bool(
        await insert_ignore(
            session,
            QuizAnswer,
            [
                {
                    "guild_id": guild_id,
                    "round_key": round_key,
                    "user_id": user_id,
                    "game_id": game_id,
                    "question_key": question.key,
                    "category": question.category,
                    "choice": choice,
                    "correct": correct,
                    "points": points,
                    "answered_at": now,
                }
            ],
            ["guild_id", "round_key", "user_id"],
        )
    )
