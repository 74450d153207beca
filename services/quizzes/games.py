"""Channel games: one game per channel, one question open at a time, exact scores.

Answers are recorded in batches (``recording``): exact under concurrency because nothing reads
a score and writes it back (the answer row's unique key takes one answer per member and round,
scores move by ``points = points + n``). Closing a question first waits for the answers already
received, and on PostgreSQL a batch holds a share lock on its game row, so the reveal sees every
answer that was credited, whichever process took it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core import outbox
from core.clock import Clock
from core.db import Database
from core.errors import Conflict, DomainError, Forbidden, NotFound
from core.i18n import _, ngettext
from core.sql import insert_ignore
from models.quizzes import QuizAnswer, QuizGame, QuizGameScore
from services.quizzes.answers import game_round
from services.quizzes.bank import QuestionBank
from services.quizzes.questions import Question, from_snapshot
from services.quizzes.recording import AnswerResult, GameAnswer, record_game_answers
from services.quizzes.shipped import PackChoice

MIN_QUESTIONS, MAX_QUESTIONS, DEFAULT_QUESTIONS = 5, 20, 10
MIN_TIMER, MAX_TIMER, DEFAULT_TIMER = 10, 60, 20
INTERRUPTED_PURPOSE = "quiz_interrupted"


@dataclass(frozen=True)
class GameInfo:
    id: int
    guild_id: int
    channel_id: int
    starter_id: int
    category: str | None
    total: int
    timer_seconds: int
    #: the game's questions come from this shipped pack ("en" when the server's language has
    #: none); known when the game starts
    pack: PackChoice | None = None


@dataclass(frozen=True)
class OpenQuestion:
    game_id: int
    index: int
    total: int
    question: Question
    started_at: datetime
    timer_seconds: int


@dataclass(frozen=True)
class Standing:
    user_id: int
    points: int
    correct: int
    answered: int


@dataclass(frozen=True)
class Reveal:
    game_id: int
    index: int
    question: Question
    winners: tuple[tuple[int, int], ...]  # (user_id, points) fastest first
    answered: int


@dataclass(frozen=True)
class GameEnd:
    game: GameInfo
    status: str
    standings: tuple[Standing, ...]
    asked: int


def _info(game: QuizGame) -> GameInfo:
    return GameInfo(
        id=game.id,
        guild_id=game.guild_id,
        channel_id=game.channel_id,
        starter_id=game.starter_id,
        category=game.category,
        total=len(game.questions),
        timer_seconds=game.timer_seconds,
    )


def _end(game: QuizGame, status: str, now: datetime) -> None:
    """The game is over: the channel is free again (its unique key is released)."""
    game.status = status
    game.ended_at = now
    game.active_channel_id = None
    game.question_open = False


class GameService:
    def __init__(self, db: Database, clock: Clock, bank: QuestionBank) -> None:
        self.db = db
        self.clock = clock
        self.bank = bank

    async def start_game(
        self,
        guild_id: int,
        channel_id: int,
        starter_id: int,
        *,
        category: str | None = None,
        count: int = DEFAULT_QUESTIONS,
        timer_seconds: int = DEFAULT_TIMER,
    ) -> GameInfo:
        if not MIN_QUESTIONS <= count <= MAX_QUESTIONS:
            raise DomainError(
                _("A game has {min} to {max} questions.", min=MIN_QUESTIONS, max=MAX_QUESTIONS)
            )
        if not MIN_TIMER <= timer_seconds <= MAX_TIMER:
            raise DomainError(
                _("The timer can be {min} to {max} seconds.", min=MIN_TIMER, max=MAX_TIMER)
            )
        now = self.clock.now()
        async with self.db.write() as session:
            pack = await self.bank.choice(session, guild_id)
            pool = await self.bank.pool(session, guild_id, category, choice=pack)
            if len(pool) < count:
                if len(pool) < MIN_QUESTIONS:
                    raise DomainError(
                        ngettext(
                            "That category has only {n} question; a game needs {min}. Pick "
                            "another category or ask a mod to add some.",
                            "That category has only {n} questions; a game needs {min}. Pick "
                            "another category or ask a mod to add some.",
                            len(pool),
                            min=MIN_QUESTIONS,
                        )
                        if category
                        else ngettext(
                            "This server has only {n} question; a game needs {min}. Pick "
                            "another category or ask a mod to add some.",
                            "This server has only {n} questions; a game needs {min}. Pick "
                            "another category or ask a mod to add some.",
                            len(pool),
                            min=MIN_QUESTIONS,
                        )
                    )
                count = len(pool)
            picked = self.bank.rng.sample(pool, count)
            row = {
                "guild_id": guild_id,
                "channel_id": channel_id,
                "active_channel_id": channel_id,
                "starter_id": starter_id,
                "category": category,
                "questions": [q.snapshot() for q in picked],
                "timer_seconds": timer_seconds,
                "current_index": -1,
                "question_open": False,
                "status": "active",
                "created_at": now,
            }
            if not await insert_ignore(session, QuizGame, [row], ["active_channel_id"]):
                raise Conflict(
                    _(
                        "A quiz is already running in this channel! Jump in, or start yours in "
                        "another channel. (The starter or a mod can end it with `/quiz stop`.)"
                    )
                )
            game = (
                await session.scalars(
                    select(QuizGame).where(QuizGame.active_channel_id == channel_id)
                )
            ).one()
            return replace(_info(game), pack=pack)

    async def _game(self, session: AsyncSession, game_id: int, *, share_lock: bool) -> QuizGame:
        stmt = select(QuizGame).where(QuizGame.id == game_id)
        if share_lock and not self.db.is_sqlite:
            stmt = stmt.with_for_update(read=True)
        game = (await session.scalars(stmt)).first()
        if game is None:
            raise NotFound(_("I can't find that quiz. Start a new one with `/quiz start`!"))
        return game

    async def open_question(self, game_id: int, index: int) -> OpenQuestion | None:
        """Ask question ``index``; None when the game is no longer active (stopped meanwhile)."""
        now = self.clock.now()
        async with self.db.write() as session:
            game = await self._game(session, game_id, share_lock=False)
            if game.status != "active" or index >= len(game.questions):
                return None
            game.current_index = index
            game.question_open = True
            game.question_started_at = now
            question = from_snapshot(game.questions[index])
            return OpenQuestion(
                game_id, index, len(game.questions), question, now, game.timer_seconds
            )

    async def answer(
        self,
        game_id: int,
        index: int,
        user_id: int,
        *,
        option: int | None = None,
        text: str | None = None,
    ) -> AnswerResult:
        """A button (``option``) or a typed guess (``text``) for question ``index``, recorded
        in a batch with everyone else's (``recording``); returns once it is committed.

        Multiple choice: the first click is final (a second raises). Free answer: wrong
        guesses are free to retry and are not stored; the first right one is credited once.
        """
        return await self.receive(game_id, index, user_id, option=option, text=text)

    def receive(
        self,
        game_id: int,
        index: int,
        user_id: int,
        *,
        option: int | None = None,
        text: str | None = None,
    ) -> Awaitable[AnswerResult]:
        """``answer``, received at once (before the member is even acknowledged): closing the
        question waits for it, so an answer clicked in time is never judged late because
        Discord was slow to hear the acknowledgement. Await the result for the outcome."""
        answer = GameAnswer(game_id, index, user_id, option, text, self.clock.now())
        return self.db.writes.enqueue(record_game_answers, answer)

    async def close_question(self, game_id: int, index: int) -> Reveal:
        # Answers received before the timer ended are committed first: the reveal counts them.
        await self.db.writes.flush()
        async with self.db.write() as session:
            # An UPDATE waits for the share locks of answers in flight (PostgreSQL).
            await session.execute(
                update(QuizGame)
                .where(QuizGame.id == game_id, QuizGame.current_index == index)
                .values(question_open=False)
            )
            game = await self._game(session, game_id, share_lock=False)
            rows = (
                await session.execute(
                    select(QuizAnswer.user_id, QuizAnswer.points, QuizAnswer.correct).where(
                        QuizAnswer.guild_id == game.guild_id,
                        QuizAnswer.round_key == game_round(game_id, index),
                    )
                )
            ).all()
            winners = sorted(((u, p) for u, p, ok in rows if ok), key=lambda w: (-w[1], w[0]))
            return Reveal(
                game_id, index, from_snapshot(game.questions[index]), tuple(winners), len(rows)
            )

    async def _standings(self, session: AsyncSession, game_id: int) -> tuple[Standing, ...]:
        rows = await session.scalars(
            select(QuizGameScore)
            .where(QuizGameScore.game_id == game_id)
            .order_by(
                QuizGameScore.points.desc(), QuizGameScore.correct.desc(), QuizGameScore.user_id
            )
        )
        return tuple(Standing(r.user_id, r.points, r.correct, r.answered) for r in rows.all())

    async def standings(self, game_id: int) -> tuple[Standing, ...]:
        async with self.db.read() as session:
            return await self._standings(session, game_id)

    async def finish_game(self, game_id: int, status: str = "finished") -> GameEnd:
        """End the game (idempotent: a game already ended keeps its first status)."""
        now = self.clock.now()
        async with self.db.write() as session:
            game = await self._game(session, game_id, share_lock=False)
            if game.status == "active":
                _end(game, status, now)
            return GameEnd(
                _info(game),
                game.status,
                await self._standings(session, game_id),
                game.current_index + 1,
            )

    async def active_game(self, channel_id: int) -> GameInfo | None:
        async with self.db.read() as session:
            game = (
                await session.scalars(
                    select(QuizGame).where(QuizGame.active_channel_id == channel_id)
                )
            ).first()
            return _info(game) if game else None

    async def stop_game(self, channel_id: int, user_id: int, *, is_moderator: bool) -> GameEnd:
        async with self.db.write() as session:
            game = (
                await session.scalars(
                    select(QuizGame).where(QuizGame.active_channel_id == channel_id)
                )
            ).first()
            if game is None:
                raise NotFound(_("There's no quiz running in this channel."))
            if game.starter_id != user_id and not is_moderator:
                raise Forbidden(
                    _(
                        "Only {starter} (who started it) or a moderator can stop this quiz.",
                        starter=f"<@{game.starter_id}>",
                    )
                )
            _end(game, "stopped", self.clock.now())
            return GameEnd(
                _info(game),
                "stopped",
                await self._standings(session, game.id),
                game.current_index + 1,
            )

    async def interrupt_open_games(self, owns: Callable[[int], bool]) -> list[GameEnd]:
        """At start-up: games a previous process left running end now, with a message.

        The notice is queued in the outbox in the same transaction that frees the channel, so
        a crash here can neither lose it nor send it twice (dedupe key per game).
        """
        now = self.clock.now()
        ended: list[GameEnd] = []
        async with self.db.write() as session:
            games = (
                await session.scalars(select(QuizGame).where(QuizGame.status == "active"))
            ).all()
            for game in games:
                if not owns(game.guild_id):
                    continue
                _end(game, "interrupted", now)
                standings = await self._standings(session, game.id)
                end = GameEnd(_info(game), "interrupted", standings, game.current_index + 1)
                ended.append(end)
                await outbox.add_message(
                    session,
                    kind=outbox.CHANNEL,
                    target_id=game.channel_id,
                    guild_id=game.guild_id,
                    payload={
                        "game_id": game.id,
                        "asked": end.asked,
                        "total": end.game.total,
                        "standings": [[s.user_id, s.points, s.correct] for s in standings[:10]],
                    },
                    now=now,
                    purpose=INTERRUPTED_PURPOSE,
                    dedupe_key=f"quiz_interrupted:{game.id}",
                )
        return ended
