"""Slang quizzes: channel games, scoring, leaderboards, stats and the server's own questions.

Scoring is exact under concurrency because no operation reads a score and writes it back:
an answer is one ``INSERT … ON CONFLICT DO NOTHING`` on the unique (guild, round, member) row
(the loser of a race inserts nothing and is told so), and the game score moves only by
``UPDATE … SET points = points + :n``. On PostgreSQL an answer also holds a share lock on its
game row, so closing a question waits for answers in flight and the reveal sees them all.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core import outbox
from core.clock import Clock
from core.db import Database
from core.errors import Conflict, DomainError, Forbidden, NotFound
from core.sql import insert_ignore
from core.text import clean_line
from models.guild import GuildSettings
from models.quizzes import (
    QuizAnswer,
    QuizDailyConfig,
    QuizDisabledCategory,
    QuizGame,
    QuizGameScore,
    QuizQuestion,
    QuizStreak,
)
from services.quiz_matching import matches
from services.quiz_packs import (
    CATEGORIES,
    DIFFICULTIES,
    MAX_ANSWER,
    MAX_EXPLANATION,
    MAX_PROMPT,
    PackErrors,
    Question,
    dump_pack,
    from_snapshot,
    load_builtin,
    parse_pack_bytes,
    validate_pack,
)

MIN_QUESTIONS, MAX_QUESTIONS, DEFAULT_QUESTIONS = 5, 20, 10
MIN_TIMER, MAX_TIMER, DEFAULT_TIMER = 10, 60, 20
MAX_POINTS = 1000
LATE_GRACE = timedelta(seconds=2)  # a click in flight when the timer ends still counts
PERIODS = ("week", "month", "all")
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


@dataclass(frozen=True)
class OpenQuestion:
    game_id: int
    index: int
    total: int
    question: Question
    started_at: datetime
    timer_seconds: int


@dataclass(frozen=True)
class AnswerResult:
    correct: bool
    points: int
    already: bool = False


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


def points_for(elapsed: timedelta, timer_seconds: int, difficulty: str) -> int:
    """1,000 for an instant answer down to 500 at the buzzer, times the difficulty bonus."""
    share = min(1.0, max(0.0, elapsed.total_seconds() / timer_seconds))
    return round(MAX_POINTS * (1 - 0.5 * share) * DIFFICULTIES.get(difficulty, 1.0))


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


def _question_from_row(row: QuizQuestion) -> Question:
    return Question(
        key=row.key,
        id=row.key.split(":", 1)[1],
        category=row.category,
        kind=row.kind,
        prompt=row.prompt,
        options=tuple(row.options or ()),
        answer=row.answer,
        accepted=tuple(row.accepted or ()),
        difficulty=row.difficulty,
        explanation=row.explanation,
        hint=row.hint,
    )


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
        raise DomainError("Pick a period: week, month or all.")
    start = datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(timezone))
    return start.astimezone(now.tzinfo)


class QuizService:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        *,
        builtin: Sequence[Question] | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.builtin: tuple[Question, ...] = tuple(
            builtin if builtin is not None else load_builtin()
        )
        self.rng = rng or random.Random()
        # SQLite has one writer at a time anyway: queueing a burst of answers here is cheaper
        # than letting them collide on the write lock and back off in busy_timeout sleeps.
        # PostgreSQL takes them concurrently (row share locks, atomic updates).
        self._answer_gate: contextlib.AbstractAsyncContextManager[Any] = (
            asyncio.Lock() if db.is_sqlite else contextlib.nullcontext()
        )

    # ------------------------------------------------------------------ questions
    async def _disabled(self, session: AsyncSession, guild_id: int) -> set[str]:
        rows = await session.scalars(
            select(QuizDisabledCategory.category).where(QuizDisabledCategory.guild_id == guild_id)
        )
        return set(rows.all())

    async def _custom(self, session: AsyncSession, guild_id: int) -> list[Question]:
        rows = await session.scalars(
            select(QuizQuestion).where(QuizQuestion.guild_id == guild_id).order_by(QuizQuestion.id)
        )
        return [_question_from_row(r) for r in rows.all()]

    async def _pool(
        self, session: AsyncSession, guild_id: int, category: str | None
    ) -> list[Question]:
        disabled = await self._disabled(session, guild_id)
        if category is not None:
            if category not in CATEGORIES:
                raise DomainError(f"Pick a category from the list: {', '.join(CATEGORIES)}.")
            if category in disabled:
                raise DomainError(
                    f"The **{CATEGORIES[category]}** category is switched off on this server. "
                    "Pick another one, or ask a moderator to enable it."
                )
        pool = [*self.builtin, *await self._custom(session, guild_id)]
        return [
            q
            for q in pool
            if q.category not in disabled and (category is None or q.category == category)
        ]

    async def questions(self, guild_id: int, category: str | None = None) -> list[Question]:
        async with self.db.read() as session:
            return await self._pool(session, guild_id, category)

    async def category_counts(self, guild_id: int) -> dict[str, tuple[int, bool]]:
        """{category: (questions, enabled)}."""
        async with self.db.read() as session:
            disabled = await self._disabled(session, guild_id)
            pool = [*self.builtin, *await self._custom(session, guild_id)]
        return {c: (sum(1 for q in pool if q.category == c), c not in disabled) for c in CATEGORIES}

    async def set_category_enabled(self, guild_id: int, category: str, enabled: bool) -> bool:
        """True if that changed something."""
        if category not in CATEGORIES:
            raise DomainError(f"Pick a category from the list: {', '.join(CATEGORIES)}.")
        async with self.db.write() as session:
            if enabled:
                row = await session.get(QuizDisabledCategory, (guild_id, category))
                if row is None:
                    return False
                await session.delete(row)
                return True
            disabled = await self._disabled(session, guild_id)
            if len(disabled | {category}) == len(CATEGORIES):
                raise DomainError(
                    "That would switch off every category and leave no questions. "
                    "Keep at least one on."
                )
            return (
                await insert_ignore(
                    session,
                    QuizDisabledCategory,
                    [{"guild_id": guild_id, "category": category}],
                    ["guild_id", "category"],
                )
                == 1
            )

    async def _insert_questions(
        self, session: AsyncSession, guild_id: int, user_id: int, questions: list[Question]
    ) -> None:
        now = self.clock.now()
        session.add_all(
            QuizQuestion(
                guild_id=guild_id,
                key=q.key,
                category=q.category,
                kind=q.kind,
                prompt=q.prompt,
                options=list(q.options),
                answer=q.answer,
                accepted=list(q.accepted),
                difficulty=q.difficulty,
                explanation=q.explanation,
                hint=q.hint,
                created_by=user_id,
                created_at=now,
            )
            for q in questions
        )

    async def _taken_ids(self, session: AsyncSession, guild_id: int) -> set[str]:
        keys = await session.scalars(
            select(QuizQuestion.key).where(QuizQuestion.guild_id == guild_id)
        )
        return {k.split(":", 1)[1] for k in keys.all()} | {q.id for q in self.builtin}

    async def add_question(
        self,
        guild_id: int,
        user_id: int,
        *,
        category: str,
        difficulty: str,
        prompt: str,
        answer: str,
        wrong_options: str,
        accepted: str,
        explanation: str,
    ) -> Question:
        """``/quiz add``: 3 wrong options (one per line) make it multiple choice, none free."""
        prompt = clean_line(prompt, field="question", max_len=MAX_PROMPT)
        answer = clean_line(answer, field="answer", max_len=MAX_ANSWER)
        explanation = clean_line(explanation, field="explanation", max_len=MAX_EXPLANATION)
        wrong = [w.strip() for w in wrong_options.splitlines() if w.strip()]
        variants = [a.strip() for a in accepted.splitlines() if a.strip()]
        raw: dict[str, Any] = {
            "category": category,
            "difficulty": difficulty,
            "question": prompt,
            "answer": answer,
            "explanation": explanation,
        }
        if wrong:
            if len(wrong) != 3:
                raise DomainError(
                    f"Give exactly 3 wrong options, one per line (you gave {len(wrong)}), "
                    "or leave that box empty for a typed-answer question."
                )
            if variants:
                raise DomainError(
                    "Other accepted answers are for typed-answer questions. Leave that box "
                    "empty for multiple choice."
                )
            raw.update(type="choice", options=[answer, *wrong])
        else:
            raw.update(type="free", accept=variants)
        async with self.db.write() as session:
            taken = await self._taken_ids(session, guild_id)
            base = "q-" + "-".join(answer.casefold().split())[:20].strip("-")
            base = "".join(ch for ch in base if ch.isalnum() or ch == "-") or "q"
            qid, n = base, 2
            while qid in taken:
                qid, n = f"{base}-{n}", n + 1
            raw["id"] = qid
            try:
                (question,) = validate_pack([raw], key_prefix="g")
            except PackErrors as exc:
                problem = exc.problems[0]
                raise DomainError(
                    f"That question can't be added: {problem.field or 'it'} {problem.message}"
                ) from None
            if question.kind == "choice":
                options = list(question.options)
                self.rng.shuffle(options)
                question = Question(**{**question.__dict__, "options": tuple(options)})
            await self._insert_questions(session, guild_id, user_id, [question])
        return question

    async def import_pack(
        self, guild_id: int, user_id: int, data: bytes, filename: str
    ) -> list[Question]:
        """All or nothing: PackErrors (a DomainError) lists every problem by question and field."""
        raw = parse_pack_bytes(data, filename)
        async with self.db.write() as session:
            taken = await self._taken_ids(session, guild_id)
            questions = validate_pack(raw, key_prefix="g", existing_ids=taken)
            await self._insert_questions(session, guild_id, user_id, questions)
        return questions

    async def export_pack(self, guild_id: int, *, include_builtin: bool) -> tuple[bytes, int]:
        async with self.db.read() as session:
            custom = await self._custom(session, guild_id)
        questions = [*self.builtin, *custom] if include_builtin else custom
        if not questions:
            raise NotFound(
                "This server hasn't added any questions yet. Add one with `/quiz-mod add`, or "
                "export with `include_builtin:True` to get the shipped packs as a template."
            )
        return dump_pack("mutuals-server-pack", questions), len(questions)

    # ------------------------------------------------------------------ games
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
            raise DomainError(f"A game has {MIN_QUESTIONS} to {MAX_QUESTIONS} questions.")
        if not MIN_TIMER <= timer_seconds <= MAX_TIMER:
            raise DomainError(f"The timer can be {MIN_TIMER} to {MAX_TIMER} seconds.")
        now = self.clock.now()
        async with self.db.write() as session:
            pool = await self._pool(session, guild_id, category)
            if len(pool) < count:
                if len(pool) < MIN_QUESTIONS:
                    raise DomainError(
                        f"There are only {len(pool)} questions in that category; a game needs "
                        f"{MIN_QUESTIONS}. Pick another category or ask a mod to add some."
                    )
                count = len(pool)
            picked = self.rng.sample(pool, count)
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
                    "A quiz is already running in this channel! Jump in, or start yours in "
                    "another channel. (The starter or a mod can end it with `/quiz stop`.)"
                )
            game = (
                await session.scalars(
                    select(QuizGame).where(QuizGame.active_channel_id == channel_id)
                )
            ).one()
            return _info(game)

    async def _game(self, session: AsyncSession, game_id: int, *, share_lock: bool) -> QuizGame:
        stmt = select(QuizGame).where(QuizGame.id == game_id)
        if share_lock and not self.db.is_sqlite:
            stmt = stmt.with_for_update(read=True)
        game = (await session.scalars(stmt)).first()
        if game is None:
            raise NotFound("I can't find that quiz. Start a new one with `/quiz start`!")
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
        """A button (``option``) or a typed guess (``text``) for question ``index``.

        Multiple choice: the first click is final (a second raises). Free answer: wrong
        guesses are free to retry and are not stored; the first right one is credited once.
        """
        async with self._answer_gate:
            return await self._answer(game_id, index, user_id, option=option, text=text)

    async def _answer(
        self,
        game_id: int,
        index: int,
        user_id: int,
        *,
        option: int | None,
        text: str | None,
    ) -> AnswerResult:
        now = self.clock.now()
        async with self.db.write() as session:
            game = await self._game(session, game_id, share_lock=True)
            if game.status != "active":
                raise DomainError("This quiz has ended. Start a new one with `/quiz start`! 🎬")
            started = game.question_started_at
            if (
                game.current_index != index
                or not game.question_open
                or started is None
                or now - started > timedelta(seconds=game.timer_seconds) + LATE_GRACE
            ):
                raise DomainError("Too late, that question is closed! Catch the next one. ⏱️")
            question = from_snapshot(game.questions[index])
            if question.kind == "choice":
                if option is None or not 0 <= option < len(question.options):
                    raise DomainError("Pick one of the four answer buttons.")
                correct = option == question.correct_option
                choice: str | None = question.options[option]
            else:
                if text is None:
                    raise DomainError("This one's a typed answer: write it in the chat!")
                correct = matches(text, question.answers)
                if not correct:
                    return AnswerResult(False, 0)
                choice = text[:100]
            points = (
                points_for(now - started, game.timer_seconds, question.difficulty) if correct else 0
            )
            inserted = await insert_ignore(
                session,
                QuizAnswer,
                [
                    {
                        "guild_id": game.guild_id,
                        "round_key": f"g{game.id}:{index}",
                        "user_id": user_id,
                        "game_id": game.id,
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
            if not inserted:
                if question.kind == "free":
                    return AnswerResult(True, 0, already=True)
                raise Conflict("You already locked in an answer for this question. 🔒")
            await insert_ignore(
                session,
                QuizGameScore,
                [
                    {
                        "game_id": game.id,
                        "guild_id": game.guild_id,
                        "user_id": user_id,
                        "points": 0,
                        "correct": 0,
                        "answered": 0,
                    }
                ],
                ["game_id", "user_id"],
            )
            await session.execute(
                update(QuizGameScore)
                .where(QuizGameScore.game_id == game.id, QuizGameScore.user_id == user_id)
                .values(
                    points=QuizGameScore.points + points,
                    correct=QuizGameScore.correct + (1 if correct else 0),
                    answered=QuizGameScore.answered + 1,
                )
            )
            return AnswerResult(correct, points)

    async def close_question(self, game_id: int, index: int) -> Reveal:
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
                        QuizAnswer.round_key == f"g{game_id}:{index}",
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
                game.status = status
                game.ended_at = now
                game.active_channel_id = None
                game.question_open = False
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
                raise NotFound("There's no quiz running in this channel.")
            if game.starter_id != user_id and not is_moderator:
                raise Forbidden(
                    f"Only <@{game.starter_id}> (who started it) or a moderator can stop this quiz."
                )
            game.status = "stopped"
            game.ended_at = self.clock.now()
            game.active_channel_id = None
            game.question_open = False
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
                game.status = "interrupted"
                game.ended_at = now
                game.active_channel_id = None
                game.question_open = False
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

    # ------------------------------------------------------------------ boards and stats
    async def _timezone(self, session: AsyncSession, guild_id: int) -> str:
        return await server_timezone(session, guild_id)

    async def leaderboard(
        self, guild_id: int, period: str = "all", category: str | None = None, limit: int = 10
    ) -> tuple[list[BoardRow], datetime | None]:
        if period not in PERIODS:
            raise DomainError("Pick a period: week, month or all.")
        if category is not None and category not in CATEGORIES:
            raise DomainError(f"Pick a category from the list: {', '.join(CATEGORIES)}.")
        async with self.db.read() as session:
            since = period_start(period, self.clock.now(), await self._timezone(session, guild_id))
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
