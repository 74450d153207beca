"""The quizzes capability as one service built once per process: its parts share one question
bank, so games, the server's questions and the daily term always agree on what can be asked."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import timedelta

from core.clock import Clock, SystemClock
from core.db import Database
from core.plans import Replan, no_replan
from services.quizzes.admin import QuizAdmin
from services.quizzes.bank import QuestionBank
from services.quizzes.boards import Boards
from services.quizzes.daily import DailyService
from services.quizzes.delivery import DailyDelivery
from services.quizzes.games import GameService
from services.quizzes.questions import Question
from services.quizzes.shipped import ShippedPacks, load_shipped


class QuizService:
    """``games`` (channel games), ``admin`` (moderators' questions and categories), ``boards``
    (leaderboards, stats), ``daily`` (the term of the day) and ``delivery`` (its posting: the
    ``DeliveryPlan`` the cog hands to core). ``replan`` is the bot's ``deliveries.poke``."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        *,
        grace: timedelta = timedelta(hours=6),
        replan: Replan = no_replan,
        builtin: Sequence[Question] | None = None,
        shipped: ShippedPacks | None = None,
        rng: random.Random | None = None,
    ) -> None:
        """``shipped``: the packs by language (default: ``data/quizzes/``); ``builtin``: only
        these questions, as the English pack (tests)."""
        if shipped is None:
            shipped = ShippedPacks.english_only(builtin) if builtin is not None else load_shipped()
        self.bank = QuestionBank(shipped, rng or random.Random())
        # A game's timer is real seconds (the cog sleeps for it): on a fast clock (the demo)
        # judging answers by that clock would make every answer late.
        self.games = GameService(db, clock if clock.speed == 1 else SystemClock(), self.bank)
        self.admin = QuizAdmin(db, clock, self.bank)
        self.boards = Boards(db, clock)
        self.daily = DailyService(db, clock, self.bank, replan)
        self.delivery = DailyDelivery(db, clock, self.daily, grace=grace)
