"""How an answer is graded and scored, for game questions and daily terms alike.

A round (``g<game>:<index>`` or ``d<YYYY-MM-DD>``) takes one answer per member; ``recording``
stores them in batches, exactly once each, however many clicks arrive at once.
"""

from __future__ import annotations

from datetime import date, timedelta

from core.errors import DomainError
from core.i18n import N_
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
        # judged in a batch too (no member's language there): the cog says it in theirs
        raise DomainError(N_("Pick one of the four answer buttons."))
    return option == question.correct_option, question.options[option]
