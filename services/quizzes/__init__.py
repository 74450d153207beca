"""Slang quizzes: channel games, the server's own questions, leaderboards and stats, and the
term of the day with its streaks. ``QuizService`` is built once in ``services.container``;
everything else here is what the cog, tests and benches need to speak about it."""

from services.quizzes.admin import QuizAdmin
from services.quizzes.answers import DAILY_POINTS, MAX_POINTS, points_for
from services.quizzes.bank import QuestionBank
from services.quizzes.boards import BoardRow, Boards, Stats
from services.quizzes.daily import SLOT_KIND, DailyConfig, DailyResult, DailyService, DailyTerm
from services.quizzes.days import PERIODS, period_start
from services.quizzes.delivery import POST_PURPOSE, DailyDelivery, SlotPlan, plan_slots
from services.quizzes.games import (
    DEFAULT_QUESTIONS,
    DEFAULT_TIMER,
    INTERRUPTED_PURPOSE,
    MAX_QUESTIONS,
    MAX_TIMER,
    MIN_QUESTIONS,
    MIN_TIMER,
    GameEnd,
    GameInfo,
    GameService,
    OpenQuestion,
    Reveal,
    Standing,
)
from services.quizzes.matching import allowed_typos, hint_for, matches, normalize
from services.quizzes.packs import (
    MAX_PACK_BYTES,
    MAX_PACK_QUESTIONS,
    PackErrors,
    PackProblem,
    check_upload,
    dump_pack,
    parse_pack_bytes,
    validate_pack,
)
from services.quizzes.questions import CATEGORIES, DIFFICULTIES, Question, from_snapshot
from services.quizzes.recording import AnswerResult, DailyCredit
from services.quizzes.service import QuizService
from services.quizzes.shipped import (
    MIN_SHIPPED_QUESTIONS,
    PackChoice,
    ShippedPacks,
    ShippedPacksMissing,
    fallback_note,
    load_builtin,
    load_shipped,
)

__all__ = [
    "CATEGORIES",
    "DAILY_POINTS",
    "DEFAULT_QUESTIONS",
    "DEFAULT_TIMER",
    "DIFFICULTIES",
    "INTERRUPTED_PURPOSE",
    "MAX_PACK_BYTES",
    "MAX_PACK_QUESTIONS",
    "MAX_POINTS",
    "MAX_QUESTIONS",
    "MAX_TIMER",
    "MIN_QUESTIONS",
    "MIN_SHIPPED_QUESTIONS",
    "MIN_TIMER",
    "PERIODS",
    "POST_PURPOSE",
    "SLOT_KIND",
    "AnswerResult",
    "BoardRow",
    "Boards",
    "DailyConfig",
    "DailyCredit",
    "DailyDelivery",
    "DailyResult",
    "DailyService",
    "DailyTerm",
    "GameEnd",
    "GameInfo",
    "GameService",
    "OpenQuestion",
    "PackChoice",
    "PackErrors",
    "PackProblem",
    "Question",
    "QuestionBank",
    "QuizAdmin",
    "QuizService",
    "Reveal",
    "ShippedPacks",
    "ShippedPacksMissing",
    "SlotPlan",
    "Standing",
    "Stats",
    "allowed_typos",
    "check_upload",
    "dump_pack",
    "fallback_note",
    "from_snapshot",
    "hint_for",
    "load_builtin",
    "load_shipped",
    "matches",
    "normalize",
    "parse_pack_bytes",
    "period_start",
    "plan_slots",
    "points_for",
    "validate_pack",
]
